"""axe-core finds no WCAG 2.1 AA violation on the main pages, in both languages, and the
pages stay usable at 375 pixels wide."""

import re

import pytest

from .conftest import axe_violations, login, shot

PUBLIC_PAGES = ["/", "/listings/", "/listings/?kind=challenge&q=视觉检测", "/enterprises/"]


def _first_listing(page, server, kind="challenge") -> str:
    page.goto(f"{server.url}/listings/?kind={kind}")
    return page.locator("article.listing-card h3 a").first.get_attribute("href")


def _first_enterprise(page, server) -> str:
    page.goto(server.url + "/enterprises/")
    return page.locator("ul.cards h2 a").first.get_attribute("href")


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_main_pages_have_no_wcag_violations(browser, page, live_server, lang):
    paths = [*PUBLIC_PAGES, _first_listing(page, live_server), _first_enterprise(page, live_server)]
    found = {}
    for path in paths:
        violations = axe_violations(browser, live_server.url + path, lang=lang)
        if violations:
            found[path] = violations
    assert found == {}


def test_logged_in_pages_have_no_wcag_violations(browser, page, live_server):
    login(page, live_server, "large@rongtong.example")
    cookies = page.context.cookies()
    paths = ["/listings/mine", "/listings/new?kind=challenge", "/account"]
    found = {}
    for lang in ("zh-CN", "en"):
        for path in paths:
            violations = axe_violations(browser, live_server.url + path, lang=lang, cookies=cookies)
            if violations:
                found[(lang, path)] = violations
    assert found == {}


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_pages_fit_a_phone(browser, live_server, path):
    context = browser.new_context(viewport={"width": 375, "height": 800}, locale="zh-CN")
    page = context.new_page()
    page.goto(live_server.url + path)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{path} scrolls sideways ({width}px)"
    # The main navigation and search stay reachable.
    assert page.locator("nav.main-nav a").first.is_visible()
    shot(page, f"phone{re.sub(r'[^a-z]+', '-', path)}")
    context.close()


def test_keyboard_reaches_the_search(page, live_server):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert "skip-link" in focused
    page.keyboard.press("Enter")
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "home-q":
            break
    assert page.evaluate("document.activeElement.id") == "home-q"
    page.keyboard.type("激光焊接")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/listings/\?q="))
    assert "激光焊接" in page.input_value("#f-q")
