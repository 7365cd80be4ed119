"""Journeys that keep people in the loop after they act: an event's reminders and follow-up
survey with the scheduler's clock frozen, and what a member follows reaching their digest.

The live server is a real process on the real clock. The scheduler's jobs run here, in an app
built on the same instance (database, secret key, outbox, public address), inside
``time_machine.travel`` at the moment the schedule would run them: ``run_job`` is what
``flask scheduler run-job ID`` does (an app context, the job, one commit). Mail queued at a
frozen moment is due only from then on, so the outbox job runs a minute later on the same
clock, as the scheduler's every-minute run would.
"""

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import time_machine
from playwright.sync_api import expect

from rongtong import create_app
from rongtong.core.time import local_today
from rongtong.events.models import Event
from rongtong.events.seeding import load_events
from rongtong.extensions import db
from rongtong.scheduler.schedule import JOBS
from rongtong.scheduler.services import run_job

from .conftest import (
    PASSWORD,
    _env,
    axe_violations,
    fill_listing,
    mail_text,
    nav,
    shot,
    sign_in,
    sign_out,
    switch_language,
    violations_here,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIRM = "广州曜晶新型显示有限公司"  # large@rongtong.example
FIRM_CODE = "9144011828207843QY"
SME = "广州明澈视觉检测技术有限公司"  # sme@rongtong.example
CHALLENGE = "柔性AMOLED面板Mura缺陷自动检测与Demura补偿"  # large@'s, published (CH-DISP-001)
CAPABILITY = "显示面板机器视觉缺陷识别与Demura设备"  # sme@'s, published
EVENT = "专项供需对接·新型显示面板检测专场"
VENUE = "黄埔科学城企业服务中心三楼路演厅"


# --- the scheduler, here, on the live server's instance ------------------------------------


@contextmanager
def scheduler_app(server) -> Iterator:
    """The app as the live server's scheduler process would build it (its environment)."""
    wanted = {
        k: v
        for k, v in _env(server.instance, server.url).items()
        if k.startswith("RONGTONG_") or k == "DATABASE_URL"
    }
    with pytest.MonkeyPatch.context() as env:
        for key in [k for k in os.environ if k.startswith("RONGTONG_")]:
            env.delenv(key)
        for key, value in wanted.items():
            env.setenv(key, value)
        app = create_app()
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()


def run_at(app, job_id: str, when: datetime) -> None:
    """Run the scheduled job ``job_id`` with the clock frozen at ``when``, then the outbox job
    a minute later (what the scheduler runs every minute)."""
    funcs = {job.id: job.func for job in JOBS}
    with time_machine.travel(when, tick=False):
        run_job(app, funcs[job_id])
    with time_machine.travel(when + timedelta(minutes=1), tick=False):
        run_job(app, funcs["mail.send_outbox"])


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A Shanghai wall-clock moment (the schedule's times are Shanghai's)."""
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def load_event(app, tmp_path, day: date) -> int:
    """An open matchmaking event on ``day`` with slots and tables and the firm registered with
    its challenge, loaded as the seed loads events (``seed_data/events``); returns its id."""
    row = {
        "title": EVENT,
        "kind": "matchmaking",
        "chain": "display",
        "theme": "rnd",
        "starts_at": f"{day}T14:00",
        "ends_at": f"{day}T17:30",
        "venue": VENUE,
        "capacity": 40,
        "organiser": "广州融通创新服务有限公司",
        "description": "面板检测与Demura补偿的一对一供需对接。",
        "status": "open",
        "slots": {"first_start": f"{day}T14:30", "count": 6, "tables": 4},
        "registrations": [{"enterprise": FIRM_CODE, "listings": ["CH-DISP-001"]}],
    }
    (tmp_path / "seed" / "events").mkdir(parents=True)
    (tmp_path / "seed" / "events" / "journey.jsonl").write_text(
        json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    with app.app_context():
        assert load_events(tmp_path / "seed") == 1
        db.session.commit()
        event_id = db.session.execute(db.select(Event.id).where(Event.title == EVENT)).scalar_one()
        db.session.remove()
    return event_id


def move_event_back(app, event_id: int, days: int) -> None:
    """Move the event and its slots ``days`` earlier.

    The web server keeps the real clock and refuses a survey link signed in its future (as
    it should: the link carries the moment it was made). So, rather than the clock running
    past the event, the event moves into the past, and the survey runs at a frozen moment
    between the event and now.
    """
    with app.app_context():
        event = db.session.get(Event, event_id)
        shift = timedelta(days=days)
        event.starts_at -= shift
        event.ends_at -= shift
        for slot in event.slots:
            slot.starts_at -= shift
            slot.ends_at -= shift
        db.session.commit()
        db.session.remove()


# --- the browser ---------------------------------------------------------------------------


def _new_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def _open_event(page, year: int) -> None:
    """活动 → the event's year → the event (as anyone finds it)."""
    nav(page, "活动")
    main = page.get_by_role("main")
    if f"{year} 年活动" not in page.get_by_role("heading", level=1).inner_text():
        main.get_by_role("link", name=str(year), exact=True).click()
    expect(page.get_by_role("heading", name=f"{year} 年活动")).to_be_visible()
    main.get_by_role("link", name=EVENT).click()
    expect(page.get_by_role("heading", name=EVENT, level=1)).to_be_visible()


def _event_nav(page, name: str) -> None:
    page.get_by_role("navigation", name="活动").get_by_role("link", name=name).click()


def _link(text: str, after: str) -> str:
    """The URL on the line of a mail's text that follows ``after``."""
    match = re.search(re.escape(after) + r"\s*(\S+)", text)
    assert match, f"no link after {after!r} in:\n{text}"
    return match.group(1)


def axe_clean_in_both_languages(browser, page) -> None:
    """axe finds nothing on this page in Chinese, then in English (the user's own switch, which
    the page keeps); the user is back in Chinese after."""
    assert violations_here(browser, page) == []
    switch_language(page, "en")
    assert axe_violations(browser, page.url, lang="en", cookies=page.context.cookies()) == []
    switch_language(page, "zh")


def _mails(server, recipient: str, purpose_subject: str) -> list:
    return [m for m in server.mails() if m["To"] == recipient and purpose_subject in m["Subject"]]


# --- 1. reminders and the survey -----------------------------------------------------------


def test_reminders_and_survey_with_a_frozen_clock(browser, page, live_server, tmp_path):
    main = page.get_by_role("main")
    with scheduler_app(live_server) as app:
        with app.app_context():
            today = local_today()  # Shanghai's, on the real clock the server keeps
        day = today + timedelta(days=10)
        event_id = load_event(app, tmp_path, day)

        # 1. The SME registers with its capability and asks the firm for a meeting.
        page.goto(live_server.url + "/")
        sign_in(page, "sme@rongtong.example")
        _open_event(page, day.year)
        main.get_by_label(CAPABILITY).check()
        main.get_by_role("button", name="报名", exact=True).click()
        expect(page.get_by_text("报名成功。", exact=True)).to_be_visible()
        _event_nav(page, "一对一洽谈")
        partner = main.locator("ul.match-list > li").filter(has_text=FIRM).first
        partner.get_by_label("留言").fill("想当面介绍Demura一体机在6代线的节拍与检出率。")
        partner.get_by_role("button", name="发出邀约").click()
        expect(page.get_by_text("已发出洽谈邀约。")).to_be_visible()

        # The firm accepts, in a browser of its own.
        firm = _new_page(browser)
        firm.goto(live_server.url + "/")
        sign_in(firm, "large@rongtong.example")
        _open_event(firm, day.year)
        _event_nav(firm, "一对一洽谈")
        incoming = firm.get_by_role("main").locator("li", has_text=f"来自 {SME}")
        incoming.get_by_role("button", name="接受").click()
        expect(firm.get_by_role("main").locator("li", has_text=f"来自 {SME}")).to_contain_text(
            "已接受"
        )
        firm.context.close()

        # The organizer seats the accepted request (the CLI of the schedule page's button).
        live_server.flask("events", "schedule", str(event_id))
        page.reload()
        agenda = main.get_by_role("table", name="我的洽谈").get_by_role("row").filter(has_text=FIRM)
        expect(agenda).to_have_count(1)
        slot_time = agenda.get_by_role("cell").first.inner_text().split("–")[0].strip()
        table = agenda.get_by_role("cell").nth(1).inner_text().strip()

        # 2. Three days before, at the job's hour: the reminder with the personal agenda.
        run_at(app, "events.remind_registrants", at(day - timedelta(days=3), 8))
        (reminder,) = _mails(live_server, "sme@rongtong.example", f"活动提醒：{EVENT}")
        assert f"{day} 14:00" in reminder["Subject"]
        text = mail_text(reminder)
        assert "将于 3 天后开始" in text
        assert f"* {slot_time} {table} · {FIRM}" in text
        assert VENUE in text
        agenda_url = _link(text, "您的议程：")
        ics_url = _link(text, "议程日历文件（.ics，可导入手机日历）：")
        assert agenda_url == f"{live_server.url}/events/{event_id}/agenda?mine=1"

        # The agenda link, followed from a browser that is not logged in, asks for the login
        # and then lands on the agenda itself.
        reader = _new_page(browser)
        reader.goto(agenda_url)
        expect(reader.get_by_role("heading", name="登录", level=1)).to_be_visible()
        reader.get_by_label("邮箱", exact=True).fill("sme@rongtong.example")
        reader.get_by_label("密码", exact=True).fill(PASSWORD)
        reader.get_by_role("main").get_by_role("button", name="登录", exact=True).click()
        expect(reader.get_by_role("heading", name=EVENT, level=1)).to_be_visible()
        assert reader.url == agenda_url
        schedule = reader.get_by_role("table", name="一对一洽谈日程")
        expect(schedule.get_by_role("row").filter(has_text=FIRM)).to_contain_text(slot_time)
        shot(reader, "reminders-01-agenda-from-mail")
        axe_clean_in_both_languages(browser, reader)

        # The .ics link, for the member logged in: the event and the meeting, in Shanghai time.
        response = reader.context.request.get(ics_url)
        assert response.status == 200
        assert response.headers["content-type"].startswith("text/calendar")
        calendar = icalendar.Calendar.from_ical(response.body())
        events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
        assert len(events) == 2, list(events)
        assert events[EVENT]["DTSTART"].dt == at(day, 14)
        assert str(events[EVENT]["LOCATION"]) == VENUE
        (meeting,) = [e for name, e in events.items() if name != EVENT]
        assert str(meeting["SUMMARY"]) == f"一对一洽谈：{FIRM}"  # whom the member meets
        hour, minute = map(int, slot_time.split(":"))
        assert meeting["DTSTART"].dt == at(day, hour, minute)
        reader.context.close()

        # The day after, nothing more; one day before, the second reminder, once however often
        # the job runs.
        run_at(app, "events.remind_registrants", at(day - timedelta(days=2), 8))
        assert len(_mails(live_server, "sme@rongtong.example", f"活动提醒：{EVENT}")) == 1
        run_at(app, "events.remind_registrants", at(day - timedelta(days=1), 8))
        run_at(app, "events.remind_registrants", at(day - timedelta(days=1), 9))
        reminders = _mails(live_server, "sme@rongtong.example", f"活动提醒：{EVENT}")
        days_left = [re.search(r"将于 (\d+) 天后开始", mail_text(m)).group(1) for m in reminders]
        assert sorted(days_left) == ["1", "3"]
        assert len(_mails(live_server, "large@rongtong.example", f"活动提醒：{EVENT}")) == 2

        # 3. The event takes place two days ago (see move_event_back), is marked held by the
        # clock, and the survey goes out the next morning.
        held_on = today - timedelta(days=2)
        move_event_back(app, event_id, (day - held_on).days)
        run_at(app, "events.lifecycle", at(held_on, 17, 35))
        run_at(app, "surveys.send", at(held_on + timedelta(days=1), 10))
        run_at(app, "surveys.send", at(held_on + timedelta(days=1), 11))  # asks once
        (survey_mail,) = _mails(live_server, "sme@rongtong.example", f"与 {FIRM} 的洽谈情况如何")
        survey_url = re.search(r"\S+/surveys/\S+", mail_text(survey_mail)).group(0)
        assert survey_url.startswith(live_server.url + "/surveys/")
        assert len(_mails(live_server, "large@rongtong.example", f"与 {SME} 的洽谈情况如何")) == 1

    # 4. The member follows the link, answers, and the answer reaches the ledger.
    page.goto(survey_url)
    expect(page.get_by_role("heading", name="洽谈回访问卷", level=1)).to_be_visible()
    expect(main).to_contain_text(f"洽谈对象：{FIRM}")
    axe_clean_in_both_languages(browser, page)
    for question, answer in (
        ("这次洽谈进行了吗？", "进行了"),
        ("洽谈对贵单位有帮助吗？", "有帮助"),
        ("下一步进展", "已开始商谈合作"),
    ):
        main.get_by_role("group", name=question).get_by_label(answer, exact=True).check()
    main.get_by_role("button", name="提交", exact=True).click()
    expect(main.get_by_text("感谢您的反馈！", exact=True)).to_be_visible()
    shot(page, "reminders-02-survey-answered")
    page.goto(survey_url)  # the link again: the answers are kept and may be changed
    expect(main).to_contain_text("您已回答过；可修改后重新提交。")
    expect(main.get_by_label("已开始商谈合作")).to_be_checked()
    sign_out(page)

    sign_in(page, "organizer@rongtong.example")
    _open_event(page, held_on.year)
    expect(page.locator(".page-head")).to_contain_text("已举办")
    _event_nav(page, "成果")
    ledger = page.get_by_role("table", name="成果台账")
    rows = ledger.get_by_role("row").filter(has_text=SME)
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="对接")).to_contain_text(FIRM)
    expect(rows.filter(has_text="意向")).to_contain_text(FIRM)
    # Dated on the day the meeting took place, not the day the answer came.
    expect(rows.last.get_by_role("cell").last).to_have_text(
        f"{held_on.year}年{held_on.month}月{held_on.day}日"
    )
    expect(main.locator("p.stats")).to_contain_text("对接 1 · 意向 1 · 合同 0")
    meetings = main.locator("h2:has-text('洽谈') + ul > li")
    expect(meetings).to_have_count(1)
    expect(meetings).to_contain_text(f"{SME} × {FIRM} · 已进行")  # the requester first
    shot(page, "reminders-03-ledger")


# --- 2. a star and a saved search, then the digest -----------------------------------------

SEARCH = "OLED残影检测"
NEW_CHALLENGE = "大尺寸OLED电视面板残影在线检测与寿命预测"
NEW_SUMMARY = "征集柔性AMOLED模组Mura缺陷自动检测与Demura补偿方案；新增：须兼容LTPO面板。"


def _owner_edits_and_publishes(browser, server) -> None:
    """The firm, in a browser of its own, edits the starred challenge and publishes a new one
    that the saved search finds."""
    owner = _new_page(browser)
    main = owner.get_by_role("main")
    owner.goto(server.url + "/")
    sign_in(owner, "large@rongtong.example")
    nav(owner, "我的发布")
    main.get_by_role("link", name=CHALLENGE, exact=True).click()
    main.get_by_role("link", name="编辑", exact=True).click()
    owner.get_by_label("公开摘要").fill(NEW_SUMMARY)
    main.get_by_role("button", name="保存并发布").click()
    expect(owner.get_by_text("已发布。", exact=True)).to_be_visible()

    nav(owner, "我的发布")
    main.get_by_role("link", name="发布需求（发榜）").click()
    fill_listing(
        owner,
        chain="超高清视频与新型显示",
        title=NEW_CHALLENGE,
        summary="征集65—98英寸OLED电视面板残影在线检测与像素寿命预测方案。",
        keywords="残影检测、寿命预测、OLED",
    )
    main.get_by_role("button", name="保存并发布").click()
    expect(owner.get_by_text("已发布。", exact=True)).to_be_visible()
    owner.context.close()


def test_a_starred_listing_and_a_saved_search_reach_the_digest(browser, page, live_server):
    main = page.get_by_role("main")
    page.goto(live_server.url + "/")
    sign_in(page, "sme@rongtong.example")

    # 1. The member saves a search for challenges and stars one.
    nav(page, "发榜需求")
    page.get_by_label("关键词或单位名称").fill("残影")
    main.get_by_role("button", name="筛选").click()
    page.get_by_label("保存此搜索，有新结果时通知我：").fill(SEARCH)
    main.get_by_role("button", name="保存搜索").click()
    expect(page.get_by_text("已保存搜索；有新结果时会通知您。")).to_be_visible()
    nav(page, "发榜需求")
    page.get_by_label("关键词或单位名称").fill("Mura")
    main.get_by_role("button", name="筛选").click()
    main.get_by_role("link", name=CHALLENGE, exact=True).click()
    main.get_by_role("button", name="☆ 加入收藏").click()
    expect(page.get_by_text("已收藏。", exact=True)).to_be_visible()
    expect(main.get_by_role("button", name="★ 已收藏")).to_have_attribute("aria-pressed", "true")

    page.get_by_role("banner").get_by_role("link", name="收藏", exact=True).click()
    expect(page.get_by_role("heading", name="收藏与保存的搜索", level=1)).to_be_visible()
    expect(main.locator("ul.favourites > li")).to_have_count(1)
    expect(main.locator("ul.favourites > li")).to_contain_text(CHALLENGE)
    saved = main.locator("ul.saved-searches > li")
    expect(saved).to_have_count(1)
    expect(saved).to_contain_text(SEARCH)
    expect(saved).to_contain_text("0 条新结果")
    axe_clean_in_both_languages(browser, page)

    # 2. The owner changes the starred challenge and publishes one the search finds.
    _owner_edits_and_publishes(browser, live_server)
    page.reload()
    expect(saved).to_contain_text("1 条新结果")
    expect(saved.get_by_role("link", name=NEW_CHALLENGE)).to_be_visible()
    shot(page, "favourites-01-new-result")

    # 3. The morning jobs: the notification centre's alert, then the weekly digest; each run
    # twice tells once.
    for job in ("favourites.alert", "favourites.alert", "digests.weekly", "digests.weekly"):
        live_server.flask("scheduler", "run-job", job)
    digest = live_server.mail_to("sme@rongtong.example", "条关注的更新")
    text = mail_text(digest)
    assert f"* {CHALLENGE}: 您收藏的条目有更新" in text
    assert f"* {NEW_CHALLENGE}: 保存的搜索“{SEARCH}”的新结果" in text
    html = digest.get_body(("html",)).get_content()
    assert CHALLENGE in html and NEW_CHALLENGE in html

    # 4. The notification centre has both; each leads to what changed.
    bell = page.get_by_role("banner").locator("a.bell")
    page.reload()
    expect(bell.locator(".badge")).to_have_text("2")
    bell.click()
    expect(page.get_by_role("heading", name="通知", level=1)).to_be_visible()
    unread = page.locator("ul.notifications li.unread")
    expect(unread).to_have_count(2)
    changed = unread.filter(has_text=f"您收藏的“{CHALLENGE}”有更新。")
    found = unread.filter(has_text=f"您保存的搜索“{SEARCH}”有 1 条新结果。")
    expect(changed).to_have_count(1)
    expect(found).to_have_count(1)
    shot(page, "favourites-02-notifications")
    changed.get_by_role("button").click()
    expect(page.get_by_role("heading", name=CHALLENGE, level=1)).to_be_visible()
    expect(main).to_contain_text("新增：须兼容LTPO面板。")
    page.goto(live_server.url + "/notifications/")
    found = page.locator("ul.notifications li.unread")
    expect(found).to_contain_text(f"您保存的搜索“{SEARCH}”有 1 条新结果。")
    found.get_by_role("button").click()
    # The search itself, newest first, with the new challenge on top.
    expect(page.get_by_label("关键词或单位名称")).to_have_value("残影")
    cards = main.locator("article.listing-card h3 a")
    expect(cards.first).to_have_text(NEW_CHALLENGE)
    expect(bell.locator(".badge")).to_have_count(0)
