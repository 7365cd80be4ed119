"""Journey: an SME publishes a capability and, with no rebuild of the index, the owner of a
matching challenge sees it among the challenge's matches in another browser within seconds."""

import sqlite3
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from .conftest import nav, shot, sign_in

NEXT_YEAR = datetime.now(ZoneInfo("Asia/Shanghai")).year + 1
CHALLENGE = "柔性AMOLED面板Mura缺陷自动检测与Demura补偿"  # large@'s published challenge
CAPABILITY = "AMOLED面板Mura缺陷自动检测与Demura补偿一体机"


def builds(server) -> int:
    with sqlite3.connect(server.instance / "rongtong.db") as conn:
        return conn.execute("SELECT count(*) FROM matcher_builds").fetchone()[0]


def test_a_published_capability_is_matched_live_in_another_browser(browser, page, live_server):
    built = builds(live_server)

    # The challenge's owner, in a browser of their own, on the challenge's matches.
    owner_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    owner = owner_context.new_page()
    owner.set_default_timeout(15_000)
    owner.goto(live_server.url + "/")
    sign_in(owner, "large@rongtong.example")
    nav(owner, "我的发布")
    owner.get_by_role("main").get_by_role("link", name=CHALLENGE, exact=True).click()
    matches = owner.locator("#matches")
    expect(matches.get_by_role("heading", name="匹配的能力")).to_be_visible()
    expect(matches.locator(".match-head a", has_text=CAPABILITY)).to_have_count(0)

    # The SME publishes a capability for it.
    page.goto(live_server.url + "/")
    sign_in(page, "sme@rongtong.example")
    nav(page, "我的发布")
    main = page.get_by_role("main")
    main.get_by_role("link", name="发布能力").click()
    page.get_by_label("对接类别").select_option(label="技术研发")
    page.get_by_label("产业链", exact=True).select_option(label="超高清视频与新型显示")
    page.get_by_label("标题").fill(CAPABILITY)
    page.get_by_label("公开摘要").fill(
        "柔性AMOLED面板Mura缺陷自动检测与Demura光学补偿，低灰阶Mura检出率99%。"
    )
    page.get_by_label("详细说明").fill("面板产线点灯段Mura缺陷自动检测、Demura补偿与整机交付。")
    page.get_by_label("关键词").fill("Mura检测、Demura、AMOLED、缺陷检测、柔性面板")
    page.get_by_label("截止日期").fill(f"{NEXT_YEAR}-12-31")
    main.get_by_role("button", name="保存并发布").click()
    expect(page.get_by_text("已发布。", exact=True)).to_be_visible()
    published = time.monotonic()

    # The owner looks again, as one does, until it is there: within seconds.
    found = matches.locator("li.match").filter(has_text=CAPABILITY)
    while found.count() == 0 and time.monotonic() - published < 15:
        owner.wait_for_timeout(500)
        owner.reload()
    seconds = time.monotonic() - published
    expect(found).to_have_count(1)
    assert seconds < 10, f"matchable after {seconds:.1f} s"
    expect(found.locator(".band")).to_contain_text("匹配度")
    expect(found.locator("ul.reasons")).to_contain_text("共同关键词")
    shot(owner, "live-01-owner-sees-new-capability")
    assert builds(live_server) == built  # no rebuild on the way
    owner_context.close()
