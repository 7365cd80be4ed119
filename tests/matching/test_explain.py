"""Explanations a reader believes: whole words, word-boundary highlights, the reader's side."""

import pytest

from matching import Doc, TfidfMatcher, Tokenizer

from .test_blend import seed  # noqa: F401  (the set-A fixture)

TOKENIZER = Tokenizer([("电池托盘", None), ("激光焊接", None), ("储能电池", None)])


def full_text(doc: Doc) -> str:
    return "\n".join([doc.title, " ".join(doc.keywords), doc.text])


def test_no_shared_term_is_a_fragment_of_a_longer_word(seed):  # noqa: F811
    docs, judged, tokenizer, plain, _ = seed
    by_id = {d.id: d for d in docs}
    shown = 0
    for challenge, grades in list(judged.items())[:60]:
        for capability in grades:
            a, b = by_id[challenge], by_id[capability]
            for term in plain.explain(a, b).terms:
                for doc in (a, b):
                    # The term is one or more whole tokens somewhere in each text.
                    assert tokenizer.word_spans(full_text(doc), [term.term]), (term, doc.id)
                shown += 1
    assert shown > 200


def test_generic_words_and_numbers_are_not_shown(seed):  # noqa: F811
    docs, judged, _, plain, _ = seed
    by_id = {d.id: d for d in docs}
    for challenge, grades in list(judged.items())[:60]:
        for capability in grades:
            terms = {t.term for t in plain.explain(by_id[challenge], by_id[capability]).terms}
            assert not terms & {"系统", "设计", "管理系统", "技术", "平台"}
            assert not any(len(t) < 2 or t.isdigit() for t in terms)


def test_an_ngram_inside_no_shared_word_is_not_a_term():
    docs = [
        Doc("ch", "challenge", "储能电池热管理", text="储能电池的热失控预警"),
        Doc("ca", "capability", "动力电池回收", text="动力电池梯次利用"),
    ]
    m = TfidfMatcher(tokenizer=TOKENIZER).fit(docs)
    e = m.explain("ch", "ca")
    # 能电池 and 储能电 are n-grams of one side's word only; 电池 is a word of both texts.
    assert e.text_score > 0
    assert all(t.term in {"电池"} for t in e.terms)


def test_highlights_fall_on_word_boundaries():
    docs = [Doc("a", "challenge", "Demura补偿"), Doc("b", "capability", "mura检测")]
    m = TfidfMatcher(tokenizer=TOKENIZER).fit(docs)
    text = "面板Demura补偿，ＡＧＶ电池托盘和mura检测"
    spans = m.highlight(text, ["mura", "电池托盘", "agv", "托盘"])
    assert [text[s:e] for s, e, _ in spans] == ["ＡＧＶ", "电池托盘", "mura"]
    assert all(term for *_, term in spans)


def test_reasons_are_written_for_the_reader():
    ch = Doc("ch", "challenge", "激光焊接电池托盘", chain="auto", category="rnd", district="panyu")
    ca = Doc(
        "ca",
        "capability",
        "激光焊接电池托盘",
        chain="auto",
        category="rnd",
        district="panyu",
        tier="little_giant",
    )
    m = TfidfMatcher(tokenizer=TOKENIZER).fit([ch, ca])
    neutral = m.explain("ch", "ca")
    assert "能力方为little_giant梯度企业" in neutral.summary()

    sme = m.explain("ch", "ca", reader="b")  # the SME reads about the challenge
    assert "proven_supplier" not in {r.code for r in sme.reasons}
    assert "能力方" not in sme.summary()
    assert "与您同在panyu" in sme.summary()
    assert all(r.params.get("reader") == "capability" for r in sme.reasons[1:])

    owner = m.explain("ch", "ca", reader="a")  # the challenge owner reads about the SME
    assert "对方为little_giant梯度企业" in owner.summary()
    assert all(r.params.get("reader") == "challenge" for r in owner.reasons[1:])

    same = m.explain("ca", "ch", reader="a")  # the order of a and b does not matter
    assert same.summary() == sme.summary()
    with pytest.raises(ValueError, match="reader"):
        m.explain("ch", "ca", reader="sme")


def test_band_and_floor_are_public(seed):  # noqa: F811
    docs, _, _, plain, _ = seed
    top = plain.rank(docs[0], 10)
    bands = [plain.band(x.score) for x in top]
    assert set(bands) <= {"strong", "medium", "weak"}
    assert plain.band(1.0) == "strong" and plain.band(0.0) == "weak"
    assert plain.bands_.above_floor(plain.bands_.floor)
    assert not plain.bands_.above_floor(plain.bands_.floor / 2)
