"""The English switch works on every main page and the choice sticks."""

from .conftest import shot


def test_english_switch_on_each_page(page, live_server):
    page.goto(live_server.url + "/listings/?kind=challenge")
    href = page.locator("article.listing-card h3 a").first.get_attribute("href")
    pages = ["/", "/listings/?kind=challenge", href, "/enterprises/", "/login", "/register"]
    for path in pages:
        page.goto(live_server.url + path)
        assert page.locator("html").get_attribute("lang") == "zh-CN", path
        page.click("header form[action='/language/en'] button")
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "en", path
        assert page.url.endswith(path.split("?")[0]) or "?" in path, path
        shot(page, f"en{path.replace('/', '-').replace('?', '-')}")
        page.click("header form[action='/language/zh'] button")
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "zh-CN", path
    page.goto(live_server.url + "/listings/")
    assert page.locator("h1").inner_text() == "需求与能力"
