"""Charts people can read, measured in Chromium: at 1366 and 390 pixels, in Chinese and in
English, no two pieces of a chart's text overlap, none sticks out of its chart, the page is
no wider than the screen, and axe finds nothing on the pages with charts."""

import pytest

from .conftest import ARTIFACTS, axe_violations, login, switch_language

YEAR = 2025  # the seed's full year of events and outcomes
PAGES = {
    "dashboard": f"/events/dashboard?year={YEAR}",
    "plan": f"/events/plan/{YEAR}",
    "report": f"/events/report/{YEAR}",
}

#: Every <text> of every chart: its box on screen (rotations and scaling included).
TEXT_BOXES = """() => [...document.querySelectorAll('svg.chart')].map(svg => {
  const frame = svg.getBoundingClientRect();
  return {
    id: svg.closest('figure') ? svg.closest('figure').id : '',
    frame: {left: frame.left, right: frame.right, top: frame.top, bottom: frame.bottom},
    texts: [...svg.querySelectorAll('text')].map(t => {
      const r = t.getBoundingClientRect();
      return {text: t.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom};
    }),
  };
})"""


def overlaps(a, b, slack: float = 0.5) -> bool:
    return (
        min(a["right"], b["right"]) - max(a["left"], b["left"]) > slack
        and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > slack
    )


def chart_problems(charts) -> list:
    problems = []
    for chart in charts:
        texts, frame = chart["texts"], chart["frame"]
        for i, a in enumerate(texts):
            if a["left"] < frame["left"] - 1 or a["right"] > frame["right"] + 1:
                problems.append((chart["id"], "outside", a["text"]))
            for b in texts[i + 1 :]:
                if overlaps(a, b):
                    problems.append((chart["id"], a["text"], b["text"]))
    return problems


def test_the_overlap_check_sees_overlap():
    box = {"left": 0, "right": 10, "top": 0, "bottom": 10}
    assert overlaps(box, {"left": 5, "right": 15, "top": 5, "bottom": 15})
    assert not overlaps(box, {"left": 10, "right": 20, "top": 0, "bottom": 10})
    chart = {"id": "c", "frame": box, "texts": [dict(box, text="a"), dict(box, text="b")]}
    assert chart_problems([chart]) == [("c", "a", "b")]


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_chart_text_never_overlaps_at_desk_or_phone_width(browser, page, live_server, lang):
    login(page, live_server, "organizer@rongtong.example")
    switch_language(page, lang)
    cookies = page.context.cookies()
    found, measured = {}, 0
    for width in (1366, 390):
        context = browser.new_context(viewport={"width": width, "height": 900}, locale=lang)
        context.add_cookies(cookies)
        view = context.new_page()
        for name, path in PAGES.items():
            view.goto(live_server.url + path)
            assert view.locator("html").get_attribute("lang") == lang
            charts = view.evaluate(TEXT_BOXES)
            measured += sum(len(c["texts"]) for c in charts)
            assert len(charts) >= 2, (name, width)
            wide = view.evaluate("document.documentElement.scrollWidth")
            if wide > width:
                found[(name, width, "page width")] = wide
            problems = chart_problems(charts)
            if problems:
                found[(name, width)] = problems[:10]
            # Every chart has its caption and its table inside its own <figure>.
            figures = view.locator("figure.chart-figure")
            assert figures.count() == len(charts)
            for k in range(figures.count()):
                figure = figures.nth(k)
                assert figure.locator("figcaption").count() == 1
                assert figure.locator("table").count() == 1
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            view.screenshot(
                path=str(ARTIFACTS / f"chart-{name}-{lang}-{width}.png"),
                full_page=True,
            )
        context.close()
    assert measured > 200
    assert found == {}


def test_english_charts_speak_english(browser, page, live_server):
    login(page, live_server, "organizer@rongtong.example")
    switch_language(page, "en")
    page.goto(live_server.url + PAGES["dashboard"])
    ticks = page.locator("#chart-months svg text").all_text_contents()
    assert "Jan" in ticks and "Dec" in ticks and not any("月" in t for t in ticks)
    budget = " ".join(page.locator("#chart-budget svg text").all_text_contents())
    assert "¥" in budget and "万" not in budget


def test_pages_with_charts_have_no_wcag_violations(browser, page, live_server):
    login(page, live_server, "organizer@rongtong.example")
    found = {}
    for lang in ("zh-CN", "en"):
        switch_language(page, lang)
        cookies = page.context.cookies()
        for path in PAGES.values():
            for width in (1280, 390):
                violations = axe_violations(
                    browser, live_server.url + path, lang=lang, width=width, cookies=cookies
                )
                if violations:
                    found[(lang, path, width)] = violations
    assert found == {}
