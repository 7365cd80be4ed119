"""A live index: the fitted base plus a small delta, like Lucene's near-real-time segments.

The nightly fit stays the base and is never changed. Every change to a listing
(publish, edit, import: its new :class:`~matching.Doc`; close, expire, award,
take-down: ``None``) goes into a delta::

    live = LiveIndex(base, seq=build_seq)
    live.apply([Change(41, 7, doc), Change(42, 9, None)])
    live.rank(doc, k=10)

A changed listing's base row is masked; its new version, vectorised with the
base's vocabulary and idf (:meth:`TfidfMatcher.transform`), joins a small
segment (:meth:`TfidfMatcher.segment`). Ranking takes the base minus the masked
rows plus the segment. The next fit folds the delta in.

This is not ``partial_fit``: vocabulary, idf and pruning stay the base's until
the rebuild. A word the base never saw counts in a new listing's length but
cannot make it meet another listing; a district no base listing has gives no
same-district signal. Otherwise a live index ranks as a refit on the same
listings would if the corpus statistics had not moved (see the tests).

Each change carries a sequence number from the change log. The state of an id
is its change with the highest number, so applying the log is idempotent and
a window of it may be applied again (or late, out of order with other ids)
without harm.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import scipy.sparse as sp
from sklearn.utils.validation import check_is_fitted

from matching.blend import Bands
from matching.matcher import Doc, Explanation, Match, TfidfMatcher

__all__ = ["STATE_VERSION", "Change", "LiveIndex"]

#: Version of the dictionary :meth:`LiveIndex.state` returns.
STATE_VERSION = 1
_STATE_FORMAT = "matching.LiveIndex"
_DOC_FIELDS = tuple(f.name for f in dataclasses.fields(Doc))


def _id_key(doc_id: Any) -> tuple[str, Any]:
    # The order TfidfMatcher breaks ties in: by type name, then by id.
    return (type(doc_id).__name__, doc_id)


@dataclass(frozen=True, slots=True)
class Change:
    """One entry of the change log: listing ``id`` is now ``doc``, or gone (``None``)."""

    seq: int
    id: Any
    doc: Doc | None = None

    def __post_init__(self) -> None:
        if self.doc is not None and self.doc.id != self.id:
            msg = f"Change.id {self.id!r} differs from its doc's id {self.doc.id!r}"
            raise ValueError(msg)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (the id must be JSON-ready itself)."""
        doc = None
        if self.doc is not None:
            doc = {name: getattr(self.doc, name) for name in _DOC_FIELDS}
            doc["keywords"] = list(self.doc.keywords)
        return {"seq": self.seq, "id": self.id, "doc": doc}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Change:
        doc = data.get("doc")
        return cls(int(data["seq"]), data["id"], None if doc is None else Doc(**doc))


@dataclass(frozen=True, slots=True)
class _View:
    """What a reader needs, swapped in whole so that readers never see half an update."""

    segment: TfidfMatcher | None
    delta: Mapping[Any, Doc]
    masked: frozenset


class LiveIndex:
    """A fitted :class:`TfidfMatcher` plus the changes since it was fitted.

    ``base``
        The fitted matcher; it is read, never changed.
    ``seq``
        The change-log number the base was built at; :attr:`seq` then follows
        the highest number applied.

    Thread-safe: changes may be applied while other threads rank.
    """

    def __init__(self, base: TfidfMatcher, *, seq: int = 0) -> None:
        check_is_fitted(base, "X_")
        self.base = base
        self.base_seq = seq
        self.seq = seq
        self._changes: dict[Any, tuple[int, Doc | None]] = {}
        self._vectors: dict[Any, sp.csr_matrix] = {}
        self._lock = threading.Lock()
        self._view = _View(None, {}, frozenset())
        self._stale = False

    def __repr__(self) -> str:
        view = self._current()
        return (
            f"LiveIndex(base={self.base.n_docs_} docs, seq={self.seq}, "
            f"delta={len(view.delta)}, masked={len(view.masked)})"
        )

    # ---------------------------------------------------------------- changes

    def apply(self, changes: Iterable[Change]) -> int:
        """Apply changes in log order; returns how many were new.

        A change is skipped when its id already has a change with the same or
        a higher ``seq``; so applying the same log twice changes nothing.
        """
        touched: dict[Any, Doc | None] = {}
        with self._lock:
            for change in changes:
                prev = self._changes.get(change.id)
                if prev is not None and prev[0] >= change.seq:
                    continue
                self._changes[change.id] = (change.seq, change.doc)
                touched[change.id] = change.doc
                self.seq = max(self.seq, change.seq)
            if not touched:
                return 0
            new = [doc for doc in touched.values() if doc is not None]
            if new:
                X = self.base.transform(new)
                for i, doc in enumerate(new):
                    self._vectors[doc.id] = X[i]
            for doc_id, doc in touched.items():
                if doc is None:
                    self._vectors.pop(doc_id, None)
            self._stale = True
        return len(touched)

    def add(self, docs: Iterable[Doc]) -> None:
        """New or edited listings, numbered after :attr:`seq` (for use without a change log)."""
        start = self.seq + 1
        self.apply([Change(start + i, d.id, d) for i, d in enumerate(docs)])

    def remove(self, ids: Iterable[Any]) -> None:
        """Listings gone (closed, expired, awarded, taken down), numbered after :attr:`seq`."""
        start = self.seq + 1
        self.apply([Change(start + i, doc_id) for i, doc_id in enumerate(ids)])

    def changes(self) -> list[Change]:
        """The change in force for each changed id, in ``seq`` order."""
        with self._lock:
            items = sorted(self._changes.items(), key=lambda t: t[1][0])
        return [Change(seq, doc_id, doc) for doc_id, (seq, doc) in items]

    @property
    def n_changes(self) -> int:
        """Ids changed since the base was built (pending the next fit)."""
        return len(self._changes)

    # ------------------------------------------------------------------ state

    def state(self) -> dict[str, Any]:
        """The delta as JSON-ready values; :meth:`from_state` on the same base restores it."""
        return {
            "format": _STATE_FORMAT,
            "version": STATE_VERSION,
            "base_seq": self.base_seq,
            "seq": self.seq,
            "changes": [c.to_dict() for c in self.changes()],
        }

    @classmethod
    def from_state(cls, base: TfidfMatcher, state: Mapping[str, Any]) -> LiveIndex:
        if state.get("format") != _STATE_FORMAT or state.get("version") != STATE_VERSION:
            msg = f"not a LiveIndex state of version {STATE_VERSION}"
            raise ValueError(msg)
        live = cls(base, seq=int(state["base_seq"]))
        live.apply(Change.from_dict(c) for c in state["changes"])
        live.seq = max(live.seq, int(state["seq"]))
        return live

    # ------------------------------------------------------------------ views

    def _current(self) -> _View:
        if not self._stale:
            return self._view
        with self._lock:
            if self._stale:
                delta = {i: doc for i, (_, doc) in self._changes.items() if doc is not None}
                segment = None
                if delta:
                    rows = sp.vstack([self._vectors[i] for i in delta], format="csr")
                    segment = self.base.segment(list(delta.values()), rows)
                position = self.base.position_
                masked = frozenset(i for i in self._changes if i in position)
                self._view = _View(segment, delta, masked)
                self._stale = False
            return self._view

    def __contains__(self, doc_id: object) -> bool:
        """Whether ``doc_id`` is a live document (in the base and unchanged, or in the delta)."""
        view = self._current()
        return doc_id in view.delta or (doc_id in self.base.position_ and doc_id not in view.masked)

    def __len__(self) -> int:
        view = self._current()
        return self.base.n_docs_ - len(view.masked) + len(view.delta)

    def ids(self) -> Iterator[Any]:
        """The live documents' ids: the base's unchanged ones, then the delta's."""
        view = self._current()
        yield from (i for i in self.base.ids_ if i not in view.masked)
        yield from view.delta

    def merged(self) -> TfidfMatcher:
        """Base minus masked rows plus the delta as one matcher in the base's space.

        What the rebuild would give if idf had not moved; for all-pairs work
        (``top_pairs_arrays``). Without changes, the base itself.
        """
        view = self._current()
        base = self.base
        if view.segment is None and not view.masked:
            return base
        keep = [p for p, i in enumerate(base.ids_) if i not in view.masked]
        docs = [
            Doc(id=base.ids_[p], kind=r[0], title="", chain=r[1], category=r[2], district=r[3],
                tier=r[4])
            for p in keep
            for r in (base.records_[p],)
        ]  # fmt: skip
        parts = [base.X_[keep]]
        if view.segment is not None:
            docs.extend(view.delta.values())
            parts.append(view.segment.X_)
        return base.segment(docs, sp.vstack(parts, format="csr"))

    # ---------------------------------------------------------------- ranking

    def rank(self, doc: Doc, k: int = 10, *, kinds: Iterable[str] | None = None) -> list[Match]:
        """The k best live counterparts of ``doc``, best first, as :meth:`TfidfMatcher.rank`."""
        view = self._current()
        if k <= 0:
            return []
        kinds = None if kinds is None else list(kinds)
        # Masked rows may hold some of the base's best: ask for more, and more again
        # in the rare case that most of those were masked too.
        fetch = k + min(len(view.masked), 2 * k + 8)
        q = self.base.transform([doc])
        while True:
            found = self.base.rank(doc, fetch, kinds=kinds, vector=q)
            out = [m for m in found if m.id not in view.masked]
            if len(out) >= k or len(found) < fetch:
                break
            fetch *= 4
        if view.segment is not None:
            out.extend(view.segment.rank(doc, k, kinds=kinds, vector=q))
            out.sort(key=lambda m: (-m.score, _id_key(m.id)))
        return out[:k]

    def top_pairs(self, k: int = 10) -> dict[Any, list[Match]]:
        """Every live document's k best live counterparts, by id, best first."""
        return self.merged().top_pairs(k)

    def explain(
        self, a: Doc | Any, b: Doc | Any, *, n_terms: int = 10, reader: str | None = None
    ) -> Explanation:
        """As :meth:`TfidfMatcher.explain` (``reader`` too); ids may be of base or delta documents.

        The id of a removed or replaced base document raises KeyError.
        """
        view = self._current()

        def resolve(x: Doc | Any) -> Doc | Any:
            if isinstance(x, Doc):
                return x
            if x in view.delta:
                return view.delta[x]
            if x in view.masked:
                msg = f"document {x!r} was removed or replaced"
                raise KeyError(msg)
            return x

        return self.base.explain(resolve(a), resolve(b), n_terms=n_terms, reader=reader)

    # ------------------------------------------------- what a page shows (the base's)

    @property
    def bands_(self) -> Bands:
        """The base's score bands (the delta is scored in the base's space)."""
        return self.base.bands_

    def band(self, score: float) -> str:
        """As :meth:`TfidfMatcher.band`."""
        return self.base.band(score)

    def highlight(self, text: str, terms: Iterable[str]) -> list[tuple[int, int, str]]:
        """As :meth:`TfidfMatcher.highlight`."""
        return self.base.highlight(text, terms)
