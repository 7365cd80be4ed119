"""axe-core finds no WCAG 2.1 AA violation on the main pages, in both languages, and the
pages stay usable at 375 pixels wide."""

import re

import pytest

from .conftest import (
    ask_to_join,
    axe_violations,
    login,
    mail_text,
    shot,
    sign_in,
    sign_out,
    switch_language,
)

PUBLIC_PAGES = [
    "/",
    "/listings/",
    "/listings/?kind=challenge&q=视觉检测",
    "/enterprises/",
    "/forgot-password",
]
SME_CODE = "91440112MA5FMECWGK"  # sme@'s enterprise in seed_data


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
    paths = ["/listings/mine", "/listings/new?kind=challenge", "/account"]
    found = {}
    for lang in ("zh-CN", "en"):
        # The user's own choice decides the language, not the browser's.
        switch_language(page, lang)
        cookies = page.context.cookies()
        for path in paths:
            violations = axe_violations(browser, live_server.url + path, lang=lang, cookies=cookies)
            if violations:
                found[(lang, path)] = violations
    assert found == {}


def test_account_pages_have_no_wcag_violations(browser, page, live_server):
    """The reset-password page (with a valid link) and the members page with a request."""
    page.goto(live_server.url + "/forgot-password")
    page.fill("#email", "lab@rongtong.example")
    page.click("#submit")
    mail = live_server.mail_to("lab@rongtong.example", "重置您在融通平台的密码")
    reset = re.search(r"http\S+/reset-password/\S+", mail_text(mail)).group()
    page.goto(reset)  # the form, not the "link is invalid" page (a GET does not use it up)
    assert page.locator("#password").is_visible()
    ask_to_join(page, live_server, email="li@example.com", name="李思远", credit_code=SME_CODE)
    sign_out(page)
    sign_in(page, "sme@rongtong.example")
    page.goto(live_server.url + "/account")
    members = page.get_by_role("link", name="广州明澈视觉检测技术有限公司").get_attribute("href")
    members += "/members"
    found = {}
    for lang in ("zh-CN", "en"):
        violations = axe_violations(browser, reset, lang=lang)
        if violations:
            found[(lang, "reset-password")] = violations
        switch_language(page, lang)
        page.goto(live_server.url + members)
        assert page.get_by_role("row").filter(has_text="li@example.com").count() == 1
        violations = axe_violations(
            browser, live_server.url + members, lang=lang, cookies=page.context.cookies()
        )
        if violations:
            found[(lang, members)] = violations
    assert found == {}


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_pages_fit_a_phone(browser, live_server, path):
    context = browser.new_context(viewport={"width": 375, "height": 800}, locale="zh-CN")
    page = context.new_page()
    page.goto(live_server.url + path)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{path} scrolls sideways ({width}px)"
    # The main navigation stays reachable: folded behind 菜单, which opens it.
    assert not page.locator("nav.main-nav a").first.is_visible()
    page.locator("label.nav-button").click()
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
