"""Explanations a reader believes (issue 15): bands instead of percentages, weak matches
folded, reasons from the reader's side, shared terms marked on word boundaries."""

import re

from markupsafe import Markup

from rongtong.core.web import mark_spans
from rongtong.matches import services

SECTION_RE = re.compile(r'id="matches".*?</section>', re.S)


def _section(client, listing) -> str:
    return SECTION_RE.search(client.get(f"/listings/{listing.id}").get_data(as_text=True))[0]


def test_matches_show_a_band_in_words_and_no_percentage(client, corpus):
    found = services.matches_for(corpus["challenge"])
    assert found and all(m.band in ("strong", "medium", "weak") for m in found)
    matcher = services.current_matcher()
    for m in found:
        assert m.band == matcher.band(m.score)
        assert m.above_floor == matcher.bands_.above_floor(m.score)
    section = _section(client, corpus["challenge"])
    words = {"strong": "强", "medium": "中", "weak": "弱"}
    for m in found:
        # The colour repeats the word; it never stands alone.
        assert f'band band-{m.band}" title="匹配度">匹配度：{words[m.band]}</span>' in section
    assert re.search(r"匹配度\D{0,3}\d", section) is None  # no percentage next to it


def test_matches_under_the_floor_are_folded_away(client, corpus, make_listing, make_enterprise):
    # A capability sharing one generic-ish word with the challenge scores under the floor.
    faint = make_listing(
        enterprise=make_enterprise(name="广州远方铝业有限公司"),
        kind="capability",
        chain="biomfg",
        category="finance",
        title="铝型材表面阳极氧化",
        summary="建筑铝型材阳极氧化与喷涂，年产能 5 万吨。",
        keywords=["阳极氧化"],
    )
    services.rebuild_index()
    found = services.matches_for(corpus["challenge"])
    weak = [m for m in found if not m.above_floor]
    strong = [m for m in found if m.above_floor]
    assert faint.id in {m.listing.id for m in weak}, [(m.listing.title, m.score) for m in found]
    assert strong
    section = _section(client, corpus["challenge"])
    folded = section[section.index("<details") :]
    assert f"更多弱相关（{len(weak)}）" in folded
    for m in weak:
        assert m.listing.title in folded
    for m in strong:
        assert section.index(f'/listings/{m.listing.id}"') < section.index("<details")


def test_the_owner_reads_about_the_other_party(auth, client, corpus, make_user):
    """The challenge owner reads the supplier's tier; the SME never reads praise of itself."""
    supplier = corpus["welder"].enterprise
    supplier.tier = _tier("little_giant")
    services.rebuild_index()
    auth.login(corpus["owner"])
    owner_view = _section(client, corpus["challenge"])
    assert "与您同属智能网联与新能源汽车产业链" in owner_view
    assert "对方为国家级专精特新“小巨人”" in owner_view
    auth.logout()
    sme = make_user(enterprise=supplier)
    auth.login(sme)
    sme_view = _section(client, corpus["welder"])
    assert corpus["challenge"].title in sme_view
    assert "与您同属" in sme_view
    assert "能力方为" not in sme_view and "对方为" not in sme_view
    # Explained for the SME: the category reason speaks of the need, not of the SME.
    pair = services.explain_pair(corpus["welder"], corpus["challenge"], reader="a")
    codes = [r["code"] for r in pair.reasons]
    assert "proven_supplier" not in codes
    assert any(r["text"].startswith("该需求的类别") for r in pair.reasons)


def test_a_third_party_reads_neutral_reasons(client, corpus):
    section = _section(client, corpus["challenge"])
    assert "同属智能网联与新能源汽车产业链" in section
    assert "与您" not in section


def test_shared_terms_are_marked_on_word_boundaries(client, corpus):
    found = {m.listing.id: m for m in services.matches_for(corpus["challenge"])}
    welder = found[corpus["welder"].id]
    title = corpus["welder"].title
    spans = welder.highlights["title"]
    assert "激光焊接" in [t for *_se, t in spans]
    assert all(title[s:e] == t and t in welder.terms for s, e, t in spans)
    # A term inside a longer word of the text is not marked (焊接 inside 激光焊接).
    matcher = services.current_matcher()
    assert matcher.highlight(title, ["焊接"]) == []
    section = _section(client, corpus["challenge"])
    assert "<mark>激光焊接</mark>工艺与变形控制" in section


def test_mark_spans_escapes_and_marks_only_the_given_spans():
    text = "Demura <补偿> 与 mura 检测"
    start = text.index("mura 检测")
    marked = mark_spans(text, [(start, start + 4, "mura")])
    assert isinstance(marked, Markup)
    assert marked == "Demura &lt;补偿&gt; 与 <mark>mura</mark> 检测"
    # Overlapping or out-of-range spans leave the text as it is.
    assert mark_spans("ab", [(0, 2, "ab"), (1, 2, "b"), (1, 9, "x")]) == "<mark>ab</mark>"
    assert mark_spans(None, []) == ""


def test_the_api_gives_band_and_score(client, corpus):
    body = client.get(f"/api/v1/listings/{corpus['challenge'].id}/matches").get_json()
    assert body
    matcher = services.current_matcher()
    for item in body:
        assert 0 <= item["score"] <= 1
        assert item["band"] == matcher.band(item["score"])
        assert item["band_label"] in ("强", "中", "弱")
        assert item["above_floor"] == matcher.bands_.above_floor(item["score"])


def _tier(code):
    from rongtong.extensions import db
    from rongtong.taxonomy.models import Tier

    return db.session.execute(db.select(Tier).where(Tier.code == code)).scalar_one()
