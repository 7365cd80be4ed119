"""Journey: an organizer plans the year, creates and opens a roadshow for a month that has
none, invites from the matcher's suggestions; two members register and agree a meeting; the
organizer schedules meetings, downloads the agenda, records an outcome and reads the
dashboard."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import icalendar
from playwright.sync_api import expect

from .conftest import nav, shot, sign_in, sign_out, violations_here

SHANGHAI = ZoneInfo("Asia/Shanghai")
THIS_YEAR = datetime.now(SHANGHAI).year
NEXT_YEAR = THIS_YEAR + 1  # the seed plans next year's first quarter only: April is open
TITLE = f"一月一链·超高清视频与新型显示产业链投融资路演（{NEXT_YEAR}年4月）"
CHAIN = "超高清视频与新型显示"
FIRM = "广州曜晶新型显示有限公司"  # large@rongtong.example: display challenges
SME = "广州明澈视觉检测技术有限公司"  # sme@rongtong.example: display capabilities
FIRM_LISTING = "柔性AMOLED面板Mura缺陷自动检测与Demura补偿"
SME_LISTING = "显示面板机器视觉缺陷识别与Demura设备"


def _open_event(page) -> None:
    """活动 → next year → the roadshow (as anyone finds it)."""
    nav(page, "活动")
    page.get_by_role("main").get_by_role("link", name=str(NEXT_YEAR), exact=True).click()
    expect(page.get_by_role("heading", name=f"{NEXT_YEAR} 年活动")).to_be_visible()
    page.get_by_role("main").get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()


def _register(page, email: str, listing: str) -> None:
    sign_in(page, email)
    _open_event(page)
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="报名", exact=True)).to_be_visible()
    main.get_by_label(listing).check()
    main.get_by_role("button", name="报名", exact=True).click()
    expect(page.get_by_text("报名成功。", exact=True)).to_be_visible()
    panel = main.locator("section", has=page.get_by_role("heading", name="本单位报名"))
    expect(panel).to_contain_text("报名成功")
    expect(panel).to_contain_text("签到码")


def _event_nav(page, name: str) -> None:
    page.get_by_role("navigation", name="活动").get_by_role("link", name=name).click()


def test_organizer_plans_invites_schedules_and_reports(browser, page, live_server, tmp_path):
    main = page.get_by_role("main")
    page.goto(live_server.url + "/")

    # 1. The year plan, through the navigation; next year's April has no roadshow yet.
    sign_in(page, "organizer@rongtong.example")
    nav(page, "活动")
    main.get_by_role("link", name="年度计划").click()
    expect(page.get_by_role("heading", name=f"{THIS_YEAR} 年度活动计划")).to_be_visible()
    expect(page.get_by_role("table", name="十二个月").get_by_role("row")).to_have_count(13)
    shot(page, "organizer-01-year-plan")
    main.get_by_role("link", name=str(NEXT_YEAR), exact=True).click()
    expect(page.get_by_role("heading", name=f"{NEXT_YEAR} 年度活动计划")).to_be_visible()
    warnings = page.locator(".plan-warnings")
    expect(warnings).to_contain_text("4月还没有路演。")
    april = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="4月"))
    expect(april.get_by_role("cell").first).to_have_text("—")

    # 2. Create the April roadshow for a chain without one this year.
    main.get_by_role("link", name="新建活动").click()
    expect(page.get_by_role("heading", name="新建活动")).to_be_visible()
    page.get_by_label("活动名称").fill(TITLE)
    page.get_by_label("活动类型").select_option(label="一月一链路演")
    page.get_by_label("产业链", exact=True).select_option(label=CHAIN)
    page.get_by_label("开始时间").fill(f"{NEXT_YEAR}-04-20T14:00")
    page.get_by_label("结束时间").fill(f"{NEXT_YEAR}-04-20T17:30")
    page.get_by_label("地点").fill("黄埔区科学城会议中心二楼多功能厅")
    page.get_by_label("名额", exact=True).fill("60")
    page.get_by_label("预算（元）").fill("80000")
    page.get_by_label("承办单位").fill("广州市中小企业服务中心")
    page.get_by_label("活动介绍").fill("面板龙头企业发布技术需求，专精特新企业路演对接。")
    main.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已保存。", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    facts = main.locator("dl.facts")
    expect(facts).to_contain_text(f"{NEXT_YEAR}-04-20 14:00 – 17:30 (Asia/Shanghai)")
    expect(facts).to_contain_text(CHAIN)
    expect(page.locator(".page-head")).to_contain_text("计划中")

    # The plan now has April's roadshow and no longer warns about it.
    nav(page, "活动")
    main.get_by_role("link", name=str(NEXT_YEAR), exact=True).click()
    main.get_by_role("link", name="年度计划").click()
    expect(page.get_by_role("heading", name=f"{NEXT_YEAR} 年度活动计划")).to_be_visible()
    expect(april).to_contain_text(TITLE)
    expect(page.locator(".plan-warnings")).not_to_contain_text("4月还没有路演。")
    shot(page, "organizer-02-year-plan-april")
    assert violations_here(browser, page) == []

    # 3. Open registration.
    april.get_by_role("link", name=TITLE, exact=False).click()
    main.get_by_role("button", name="开放报名").click()
    expect(page.get_by_text("状态已更新。")).to_be_visible()
    expect(page.locator(".page-head")).to_contain_text("报名中")

    # 4. Invite from the matcher's suggestions, with their reasons.
    _event_nav(page, "邀请")
    expect(page.get_by_role("heading", name=f"推荐邀请：{TITLE}")).to_be_visible()
    suggestions = page.get_by_role("table", name="按匹配度推荐（勾选后发送邀请邮件）")
    sme_row = suggestions.get_by_role("row").filter(has_text=SME)
    firm_row = suggestions.get_by_role("row").filter(has_text=FIRM)
    expect(sme_row).to_contain_text("中小企业")
    expect(sme_row.locator("ul.reasons li").first).to_be_visible()
    expect(sme_row).to_contain_text(f"同属{CHAIN}产业链")
    expect(firm_row).to_contain_text("发榜方")
    shot(page, "organizer-03-invite-suggestions")
    assert violations_here(browser, page) == []
    page.get_by_label(SME, exact=True).check()
    page.get_by_label(FIRM, exact=True).check()
    main.get_by_role("button", name="发送邀请").click()
    expect(page.get_by_text("已发出 2 份邀请。")).to_be_visible()
    expect(main.get_by_role("heading", name="已邀请")).to_be_visible()
    invited = main.locator("h2:has-text('已邀请') + ul > li")
    expect(invited).to_have_count(2)
    expect(invited.filter(has_text=SME)).to_be_visible()
    expect(invited.filter(has_text=FIRM)).to_be_visible()
    expect(suggestions.get_by_role("row").filter(has_text=SME)).to_have_count(0)
    sign_out(page)

    # 5. Two member enterprises register, each bringing its listing.
    _register(page, "sme@rongtong.example", SME_LISTING)
    sign_out(page)
    _register(page, "large@rongtong.example", FIRM_LISTING)

    # 6. The firm asks the SME for a meeting …
    _event_nav(page, "一对一洽谈")
    expect(page.get_by_role("heading", name=f"一对一洽谈：{TITLE}")).to_be_visible()
    partner = main.locator("ul.match-list > li").filter(has_text=SME)
    expect(partner.locator(".score")).to_have_text(re.compile(r"0\.\d\d"))
    expect(partner.locator("ul.reasons")).to_contain_text(f"同属{CHAIN}产业链")
    partner.get_by_label("留言").fill("想当面了解Demura一体机在6代线的节拍。")
    partner.get_by_role("button", name="发出邀约").click()
    expect(page.get_by_text("已发出洽谈邀约。")).to_be_visible()
    expect(main.get_by_text(f"发给 {SME}")).to_contain_text("待回复")
    sign_out(page)

    # … and the SME accepts.
    sign_in(page, "sme@rongtong.example")
    _open_event(page)
    _event_nav(page, "一对一洽谈")
    incoming = main.locator("li", has_text=f"来自 {FIRM}")
    expect(incoming).to_contain_text("待回复")
    incoming.get_by_role("button", name="接受").click()
    expect(main.locator("li", has_text=f"来自 {FIRM}")).to_contain_text("已接受")
    sign_out(page)

    # 7. The organizer sets up slots and tables and runs the scheduler.
    sign_in(page, "organizer@rongtong.example")
    _open_event(page)
    _event_nav(page, "报名与签到")
    registrations = page.get_by_role("table", name="报名名单（按报名先后）")
    expect(registrations.get_by_role("row").filter(has_text=SME)).to_contain_text("报名成功")
    expect(registrations.get_by_role("row").filter(has_text=FIRM)).to_contain_text("报名成功")
    _event_nav(page, "一对一洽谈")
    expect(page.get_by_role("heading", name=f"一对一洽谈排程：{TITLE}")).to_be_visible()
    page.get_by_label("第一个时段开始").fill(f"{NEXT_YEAR}-04-20T15:00")
    page.get_by_label("时段数").fill("6")
    page.get_by_label("桌位数").fill("4")
    main.get_by_role("button", name="生成").click()
    expect(page.get_by_text("已设置时段和桌位。")).to_be_visible()
    main.get_by_role("button", name="运行排程（保留已固定的洽谈）").click()
    expect(page.get_by_text("已安排 1 场洽谈")).to_be_visible()
    schedule = page.get_by_role("table", name="洽谈安排（1 场）")
    meeting = schedule.get_by_role("row").filter(has_text=SME)
    expect(meeting).to_contain_text(FIRM)
    expect(meeting).to_contain_text("邀约")
    slot_time = meeting.get_by_role("cell").first.inner_text().strip()
    assert slot_time in {"15:00", "15:25", "15:50", "16:15", "16:40", "17:05"}
    shot(page, "organizer-04-meeting-schedule")
    assert violations_here(browser, page) == []

    # 8. Download the agenda (iCalendar) and read it.
    with page.expect_download() as download_info:
        _event_nav(page, "日历（.ics）")
    download = download_info.value
    assert download.suggested_filename.endswith(".ics")
    download.save_as(tmp_path / "agenda.ics")
    calendar = icalendar.Calendar.from_ical((tmp_path / "agenda.ics").read_bytes())
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    assert len(events) == 2, list(events)
    roadshow = events[TITLE]
    assert roadshow["DTSTART"].dt == datetime(NEXT_YEAR, 4, 20, 14, 0, tzinfo=SHANGHAI)
    assert roadshow["DTEND"].dt == datetime(NEXT_YEAR, 4, 20, 17, 30, tzinfo=SHANGHAI)
    assert roadshow["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert str(roadshow["LOCATION"]) == "黄埔区科学城会议中心二楼多功能厅"
    assert str(roadshow["STATUS"]) == "CONFIRMED"
    (meeting_event,) = [e for name, e in events.items() if name != TITLE]
    summary = str(meeting_event["SUMMARY"])
    assert summary.startswith("一对一洽谈：") and FIRM in summary and SME in summary
    hour, minute = map(int, slot_time.split(":"))
    starts = datetime(NEXT_YEAR, 4, 20, hour, minute, tzinfo=SHANGHAI)
    assert meeting_event["DTSTART"].dt == starts
    assert (meeting_event["DTEND"].dt - starts).total_seconds() == 20 * 60
    assert str(meeting_event["LOCATION"]).endswith("号桌")

    # 9. Record the meeting's outcome: a signed order.
    meeting.get_by_role("link", name="成果").click()
    expect(page.get_by_role("heading", name="洽谈成果")).to_contain_text(SME)
    page.get_by_label("洽谈是否进行").select_option(label="已进行")
    page.get_by_label("达成阶段").select_option(label="签约（合同/订单/投资）")
    page.get_by_label("约定后续跟进").check()
    page.get_by_label("签约类型").select_option(label="订单")
    page.get_by_label("金额（元）").fill("680000")
    page.get_by_label("说明").fill("首批2台Demura一体机订单。")
    main.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("已记录洽谈成果。")).to_be_visible()
    expect(main.locator("p.stats")).to_have_text("对接 1 · 意向 1 · 合同 1 · 签约金额 68 万元")
    ledger = page.get_by_role("table", name="成果台账")
    expect(ledger.get_by_role("row")).to_have_count(4)
    contract = ledger.get_by_role("row").filter(has_text="合同")
    expect(contract).to_contain_text(FIRM)  # the side with the challenge is the demand
    expect(contract).to_contain_text(SME)
    expect(contract).to_contain_text("68 万元")
    shot(page, "organizer-05-outcomes")
    assert violations_here(browser, page) == []

    # 10. The dashboard counts it.
    nav(page, "活动")
    main.get_by_role("link", name="成果看板").click()
    main.get_by_role("link", name=str(NEXT_YEAR), exact=True).click()
    expect(page.get_by_role("heading", name=f"{NEXT_YEAR} 年活动成果看板")).to_be_visible()
    stats = main.locator("p.stats")
    expect(stats).to_contain_text("洽谈 1 场（已进行 1）")
    expect(stats).to_contain_text("对接 1 · 意向 1 · 合同 1 · 签约金额 68 万元")
    by_event = page.get_by_role("table", name="按活动")
    row = by_event.get_by_role("row").filter(has=page.get_by_role("rowheader", name=TITLE))
    expect(row.get_by_role("cell")).to_have_text(["1", "1", "1", "68 万元"])
    by_chain = page.get_by_role("table", name="按产业链")
    row = by_chain.get_by_role("row").filter(has=page.get_by_role("rowheader", name=CHAIN))
    expect(row.get_by_role("cell")).to_have_text(["1", "1", "1", "68 万元"])
    shot(page, "organizer-06-dashboard")
    assert violations_here(browser, page) == []
