"""Take the README's screenshots from the running app (``make run`` in another shell).

    .venv/bin/python scripts/screenshots.py [--base http://127.0.0.1:5000]

Uses Debian's Chromium through Playwright (no browser download).
"""

import argparse
import re
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:5000")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")

        def shot(name: str, path: str, full: bool = False) -> None:
            page.goto(args.base + path)
            page.screenshot(path=str(OUT / f"{name}.png"), full_page=full)
            print("saved", name)

        shot("home", "/")
        shot("listings", "/listings/?kind=challenge&q=视觉检测")
        page.goto(args.base + "/login")
        page.fill("#email", "large@rongtong.example")
        page.fill("#password", "rongtong-demo-2026")
        page.click("#submit")
        page.goto(args.base + "/listings/mine")
        first = page.locator("table a").first.get_attribute("href")
        page.goto(args.base + first)
        page.locator("#matches").scroll_into_view_if_needed()
        page.screenshot(path=str(OUT / "listing-matches.png"), full_page=True)
        print("saved listing-matches")
        href = page.locator("header.page-head a").first.get_attribute("href")
        shot("enterprise", href)
        page.goto(args.base + "/")
        page.click("text=退出")
        page.goto(args.base + "/login")
        page.fill("#email", "organizer@rongtong.example")
        page.fill("#password", "rongtong-demo-2026")
        page.click("#submit")
        shot("review", "/enterprises/review")
        shot("import", "/imports")
        # The seed's held year has events, meetings and outcomes to chart.
        shot("year-plan", "/events/plan/2025", full=True)
        shot("outcomes-dashboard", "/events/dashboard?year=2025", full=True)
        shot("programme-report", "/events/report/2025", full=True)
        if page.locator("html").get_attribute("lang") != "en":
            page.click("header form[action^='/language/'] button")
        shot("listings-en", "/listings/?kind=capability")
        page.click("header form[action^='/language/'] button")  # back to Chinese
        phone = browser.new_page(viewport={"width": 375, "height": 800}, locale="zh-CN")
        phone.goto(args.base + "/listings/")
        phone.screenshot(path=str(OUT / "phone.png"))
        print("saved phone")
        # The dashboard on a phone, in English (the organizer's own language choice).
        phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="en")
        phone.goto(args.base + "/login")
        phone.fill("#email", "organizer@rongtong.example")
        phone.fill("#password", "rongtong-demo-2026")
        phone.click("#submit")
        phone.click("header form[action^='/language/'] button")  # to English
        phone.goto(args.base + "/events/dashboard?year=2025")
        phone.locator("#chart-chains").scroll_into_view_if_needed()
        phone.screenshot(path=str(OUT / "dashboard-phone-en.png"))
        print("saved dashboard-phone-en")
        phone.click("header form[action^='/language/'] button")  # back to Chinese
        browser.close()
    assert re.match(r"https?://", args.base)


if __name__ == "__main__":
    main()
