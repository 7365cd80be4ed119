"""Take the README's screenshots from the running app (``make run`` in another shell).

    .venv/bin/python scripts/screenshots.py [--base http://127.0.0.1:5000] [--only-new]

``--only-new`` first gives the SME demo member a few notices through the app's own services
(an organizer takes one of its listings down, verifies enterprises in the queue, a schedule
is published, another participant asks for a meeting), so run it with the server's
environment (``RONGTONG_INSTANCE_PATH``/``DATABASE_URL``) against a freshly seeded database;
then it takes only the notification centre, the audit log and the organizer's meeting grid.

Uses Debian's Chromium through Playwright (no browser download).
"""

import argparse
import re
from pathlib import Path

from playwright.sync_api import sync_playwright

PASSWORD = "rongtong-demo-2026"  # noqa: S105 (the seed's documented demo password)
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


def seed_notices() -> int:
    """Give the SME member notices the way the app does; returns an event with a grid."""
    from rongtong import create_app
    from rongtong.accounts.models import User
    from rongtong.core.services import ServiceError
    from rongtong.core.time import utcnow
    from rongtong.enterprises import services as enterprises
    from rongtong.events import meetings, notices, registrations
    from rongtong.events.models import Event, Meeting, Registration
    from rongtong.extensions import db
    from rongtong.listings import services as listings
    from rongtong.listings.models import Listing

    app = create_app()
    with app.app_context():

        def user(email: str) -> User:
            return db.session.execute(db.select(User).filter_by(email=email)).scalar_one()

        organizer, sme = user("organizer@rongtong.example"), user("sme@rongtong.example")
        for enterprise in db.session.execute(
            enterprises.review_queue_statement().limit(2)
        ).scalars():
            enterprises.verify_enterprise(enterprise, organizer)
        mine = (
            db.session.execute(
                db.select(Listing)
                .where(Listing.enterprise_id == sme.enterprise_id, Listing.status == "published")
                .order_by(Listing.id)
            )
            .scalars()
            .first()
        )
        if mine is not None:
            listings.unpublish_listing(
                mine, "联系方式缺失，请补充联系人电话后重新发布。", organizer
            )
        # The event with the fullest grid: the organizer's shot, and the SME's schedule notice.
        grid_event = (
            db.session.execute(
                db.select(Event)
                .join(Meeting, Meeting.event_id == Event.id)
                .group_by(Event.id)
                .order_by(db.func.count(Meeting.id).desc())
            )
            .scalars()
            .first()
        )
        attended = (
            db.session.execute(
                db.select(Event)
                .join(Registration, Registration.event_id == Event.id)
                .join(Meeting, Meeting.event_id == Event.id)
                .where(Registration.enterprise_id == sme.enterprise_id)
                .order_by(Event.starts_at.desc())
            )
            .scalars()
            .first()
        )
        if attended is not None and attended.scheduled_at is not None:
            notices.schedule_published(attended)
        # The SME signs up for the next open event; another participant asks it for a meeting.
        upcoming = db.session.execute(
            db.select(Event)
            .where(Event.status == "open", Event.starts_at > utcnow())
            .order_by(Event.starts_at)
        ).scalars()
        for event in upcoming:
            try:
                reg = registrations.register(event, sme.enterprise, sme)
                if reg.status == "pending":
                    registrations.approve(reg)
                break
            except ServiceError:
                continue
        for reg in db.session.execute(
            db.select(Registration)
            .join(Event, Event.id == Registration.event_id)
            .where(
                Registration.enterprise_id == sme.enterprise_id,
                Registration.status == "confirmed",
                Event.ends_at > utcnow(),
            )
        ).scalars():
            others = db.session.execute(
                db.select(Registration).where(
                    Registration.event_id == reg.event_id,
                    Registration.status == "confirmed",
                    Registration.id != reg.id,
                )
            ).scalars()
            for other in others:
                try:
                    meetings.request_meeting(other, reg, "希望交流视觉检测方案的合作。")
                    break
                except ServiceError:
                    continue
            else:
                continue
            break
        db.session.commit()
        return grid_event.id


def login(page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("#submit")


def new_shots(browser, base: str) -> None:
    """The notification centre, the audit log and the organizer's meeting grid."""
    event_id = seed_notices()
    for email, name, path in [
        ("sme@rongtong.example", "notifications", "/notifications"),
        ("admin@rongtong.example", "audit-log", "/admin/audit"),
        ("organizer@rongtong.example", "meeting-grid", f"/events/{event_id}/meetings"),
    ]:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        login(page, base, email)
        page.goto(base + path)
        if name == "meeting-grid":
            # Past the tools at the top, to the slots × tables grid itself.
            page.locator("table").first.evaluate("t => t.scrollIntoView()")
            page.mouse.wheel(0, -120)
        page.screenshot(path=str(OUT / f"{name}.png"))
        print("saved", name)
        page.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:5000")
    parser.add_argument("--only-new", action="store_true", help="only the three newer pages")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.only_new:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            new_shots(browser, args.base)
            browser.close()
        return
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
        new_shots(browser, args.base)
        browser.close()
    assert re.match(r"https?://", args.base)


if __name__ == "__main__":
    main()
