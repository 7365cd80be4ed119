"""Chinese text handling for the matcher and the platform's search.

Normalisation, word segmentation (rjieba, a Rust port of jieba, with an editable
domain dictionary) and the terms a database search should look for.

A :class:`Tokenizer` is built once by the caller (from a domain dictionary and a
stop-word list, e.g. ``seed_data/matching/``) and passed to whatever needs it:
``TfidfMatcher(tokenizer=...)``, a database search (:meth:`Tokenizer.search_groups`).
This module keeps no process-wide tokenizer, never guesses repository paths and works
without them (:func:`builtin_tokenizer`: built-in stop words, no extra words).
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import rjieba
from zhconv import zhconv as _zhconv

__all__ = [
    "DEFAULT_STOPWORDS",
    "Tokenizer",
    "builtin_tokenizer",
    "normalize",
]

#: Used when no stop-word file is configured: function words and the filler of
#: listings ("需要", "要求", "公司") that every text shares and no match hinges on.
_DEFAULT_STOPWORDS_TEXT = """
    的 了 和 与 及 或 等 在 是 为 对 将 把 被 从 以 于 并 而 也 都 就 还 又 其 之 所 该 此 这 那
    有 无 没有 不 能 可 可以 能够 可能 应 应该 要 需 需要 要求 希望 提供 进行 开展 实现 通过 利用
    用于 基于 针对 关于 对于 以及 及其 相关 其他 其它 主要 一个 一种 一些 一套 一批 我们 我司
    本公司 公司 企业 我方 贵方 我们的 目前 现有 现在 已经 正在 如果 由于 因为 所以 但是 但 然而
    同时 并且 或者 以上 以下 左右 约 个 项 套 台 件 年 月 日 等等 方面 情况 问题 工作 具有 具备
    包括 包含 根据 按照 the a an of and or to for in on with by is are be as at from this that
    """
DEFAULT_STOPWORDS: frozenset[str] = frozenset(_DEFAULT_STOPWORDS_TEXT.split())

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
#: Chunks of one script: a run of CJK characters, or a Latin/digit token such
#: as "agv", "0.1mm", "ip67" or "co2".
_CHUNK_RE = re.compile(rf"[{_CJK}]+|[0-9a-z]+(?:[._+\-][0-9a-z]+)*")
_CJK_CHAR_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD_RE = re.compile(rf"[{_CJK}0-9a-z]")

# zhconv converts phrase by phrase, which is slow; almost all listings are
# written in simplified characters, so convert only text holding a character
# that the table maps to something else.
# zhconv reads its table through an unclosed file handle (a ResourceWarning);
# give it the path so that it uses ``with open``.
_zhconv.loaddict(str(Path(_zhconv.__file__).with_name("zhcdict.json")))
_ZH2HANS: dict[str, str] = _zhconv.getdict("zh-hans")
_TRADITIONAL = frozenset(k for k, v in _ZH2HANS.items() if len(k) == 1 and v != k)


#: What separates the words of a query (after normalize: ，→ , and ；→ ;).
_WORD_SEPARATORS_RE = re.compile(r"[\s,;、/|]+")


def normalize(text: str) -> str:
    """NFKC (full-width to half-width), lower case, simplified Chinese, single spaces."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).lower()
    if not text.isascii() and not _TRADITIONAL.isdisjoint(text):
        text = _zhconv.convert(text, "zh-hans")
    return " ".join(text.split())


def _normalize_with_offsets(text: str) -> tuple[str, list[int]]:
    """:func:`normalize` character by character, with each output character's source offset."""
    out: list[str] = []
    origin: list[int] = []
    space = True  # drops leading white space, as normalize does
    for i, ch in enumerate(text):
        piece = unicodedata.normalize("NFKC", ch).lower()
        piece = "".join(_ZH2HANS.get(c, c) if c in _TRADITIONAL else c for c in piece)
        for c in piece:
            if c.isspace():
                if space:
                    continue
                c, space = " ", True
            else:
                space = False
            out.append(c)
            origin.append(i)
    if out and out[-1] == " ":
        out.pop()
        origin.pop()
    return "".join(out), origin


def _read_lines(path: str | os.PathLike[str]) -> list[str]:
    raw = Path(path).read_text(encoding="utf-8-sig")
    return [line.strip() for line in raw.splitlines() if line.strip() and not line.startswith("#")]


class Tokenizer:
    """Word segmentation with a domain dictionary and stop words.

    ``words`` are (word, freq or None) pairs added to rjieba's dictionary;
    ``stopwords`` replace :data:`DEFAULT_STOPWORDS` when given.
    """

    def __init__(
        self,
        words: Iterable[tuple[str, int | None]] = (),
        stopwords: Iterable[str] | None = None,
    ) -> None:
        self.words: tuple[tuple[str, int | None], ...] = tuple(
            (normalize(w), f) for w, f in words if normalize(w)
        )
        self.stopwords: frozenset[str] = (
            DEFAULT_STOPWORDS
            if stopwords is None
            else frozenset(s for s in (normalize(w) for w in stopwords) if s)
        )
        self._jieba = rjieba.Jieba()
        self._verdict: dict[str, bool] = {}
        for word, freq in self.words:
            # rjieba's tokens keep the case of the text, which is lower case by now.
            self._jieba.add_word(word, freq, None)

    @classmethod
    def from_files(
        cls,
        user_dict: str | os.PathLike[str] | None = None,
        stopwords: str | os.PathLike[str] | None = None,
    ) -> Tokenizer:
        """Build from a jieba user dictionary (``word [freq] [tag]``) and a stop-word list."""
        words: list[tuple[str, int | None]] = []
        if user_dict is not None:
            for line in _read_lines(user_dict):
                parts = line.split()
                freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
                words.append((parts[0], freq))
        stops = _read_lines(stopwords) if stopwords is not None else None
        return cls(words, stops)

    def _keep(self, token: str) -> bool:
        return token not in self.stopwords and _WORD_RE.search(token) is not None

    def cut_normalized(self, text: str) -> list[str]:
        """Segment text that is already normalised (the matcher's hot path)."""
        # Tokens repeat a lot; remembering the verdict beats a regex per token.
        verdict = self._verdict
        if len(verdict) > 1_000_000:
            verdict.clear()
        out = []
        for t in self._jieba.cut(text, False):
            keep = verdict.get(t)
            if keep is None:
                keep = verdict[t] = self._keep(t)
            if keep:
                out.append(t)
        return out

    def segment(self, text: str) -> list[str]:
        """Normalised word tokens, punctuation and stop words dropped."""
        return self.cut_normalized(normalize(text))

    def search_terms(self, query: str) -> list[str]:
        """The distinct terms a database search should look for in a user's query.

        The query is cut into one-script chunks (a CJK run, a Latin/digit token); each
        chunk is a term, and so is each word of two or more characters that search-mode
        segmentation finds in it: 激光焊接 gives 激光焊接, 激光, 焊接; AGV小车 gives agv,
        小车. Longest first, ties in query order; stop words and punctuation give nothing.
        """
        found: dict[str, int] = {}
        for chunk in _CHUNK_RE.findall(normalize(query)):
            if chunk not in self.stopwords:
                found.setdefault(chunk, len(found))
            if len(chunk) < 3:
                continue
            for piece in self._jieba.cut_for_search(chunk, False):
                # Single characters inside a longer chunk match almost everything.
                if len(piece) > 1 and self._keep(piece):
                    found.setdefault(piece, len(found))
            # A word the dictionary does not know (残影) comes out as single characters:
            # glue each such run back together, and its pairs, so that it can be found.
            run: list[str] = []
            for piece in [*self._jieba.cut(chunk, False), ""]:
                if len(piece) == 1 and _CJK_CHAR_RE.match(piece):
                    run.append(piece)
                    continue
                if len(run) > 1:
                    glued = "".join(run)
                    for term in (glued, *(glued[i : i + 2] for i in range(len(glued) - 1))):
                        if term not in self.stopwords:
                            found.setdefault(term, len(found))
                run = []
        return sorted(found, key=lambda t: (-len(t), found[t]))

    def search_groups(self, query: str) -> list[list[str]]:
        """The terms of each word the user typed (split at spaces, commas, 、 …), in order.

        A search wants every group (the words narrow each other) and any term of a group
        (the word itself or one of its parts). Groups with no terms, and repeats, drop out.
        """
        groups: list[list[str]] = []
        for word in _WORD_SEPARATORS_RE.split(normalize(query)):
            terms = self.search_terms(word)
            if terms and terms not in groups:
                groups.append(terms)
        return groups

    def word_spans(self, text: str, terms: Iterable[str]) -> list[tuple[int, int, str]]:
        """Where ``terms`` occur in ``text`` as whole words: (start, end, term), in order.

        Offsets are into ``text`` as given; each term matches whole tokens of the
        segmentation (one token, or a run of tokens spelling it), never part of a token.
        """
        wanted = {normalize(t) for t in terms} - {""}
        if not text or not wanted:
            return []
        norm, origin = _normalize_with_offsets(text)
        tokens = self._jieba.cut(norm, False)
        starts = [0]
        for tok in tokens:
            starts.append(starts[-1] + len(tok))
        longest = max(map(len, wanted))
        spans = []
        i = 0
        while i < len(tokens):
            # The longest run of whole tokens starting here that spells a term.
            found = None
            for j in range(i + 1, len(tokens) + 1):
                piece = norm[starts[i] : starts[j]]
                if len(piece) > longest:
                    break
                if piece in wanted:
                    found = (j, piece)
            if found is None:
                i += 1
                continue
            j, piece = found
            spans.append((origin[starts[i]], origin[starts[j] - 1] + 1, piece))
            i = j
        return spans

    def state(self) -> dict[str, list]:
        """The words and stop words, as plain JSON-able lists (for a saved matcher)."""
        return {"words": [list(w) for w in self.words], "stopwords": sorted(self.stopwords)}

    @classmethod
    def from_state(cls, state: dict[str, list]) -> Tokenizer:
        """Rebuild from :meth:`state`."""
        return cls([(w, f) for w, f in state["words"]], state["stopwords"])


@cache
def builtin_tokenizer() -> Tokenizer:
    """A tokenizer with no domain words and :data:`DEFAULT_STOPWORDS`, built once (immutable)."""
    return Tokenizer()
