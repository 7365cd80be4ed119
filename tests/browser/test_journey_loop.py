"""Journeys that close the loop: confirmation dialogs with and without JavaScript, the
notification centre, rejecting an enterprise with a reason, and a too-large upload that keeps
what was typed."""

import re

from playwright.sync_api import expect

from .conftest import axe_violations, sign_in, sign_out, switch_language

EVENT = "一月一链·软件与互联网产业链投融资路演（2026年12月）"  # open for registration
SME_LISTING = "显示面板机器视觉缺陷识别与Demura设备"  # sme@rongtong.example's, published
PENDING = "星瀚精密机械（广州）股份有限公司"  # pending@rongtong.example's, not yet verified
CHALLENGE = "柔性AMOLED面板Mura缺陷自动检测与Demura补偿"  # large@'s published challenge


def _open_listing(page, server, title: str) -> None:
    page.goto(server.url + "/listings/?q=" + title)
    page.get_by_role("main").get_by_role("link", name=title).first.click()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()


def _register_for_event(page, server) -> None:
    page.goto(server.url + "/events/")
    page.get_by_role("main").get_by_role("link", name=EVENT).click()
    expect(page.get_by_role("heading", name=EVENT, level=1)).to_be_visible()
    main = page.get_by_role("main")
    main.get_by_role("button", name="报名", exact=True).click()
    expect(page.get_by_text("报名成功。", exact=True)).to_be_visible()


def test_cancel_registration_confirms_with_and_without_javascript(browser, page, live_server):
    main = page.get_by_role("main")
    page.goto(live_server.url + "/")
    sign_in(page, "sme@rongtong.example")
    _register_for_event(page, live_server)
    event_url = page.url

    # With JavaScript: the native dialog asks; saying no keeps the registration.
    main.get_by_role("button", name="取消报名", exact=True).click()
    dialog = page.locator("dialog.confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("确定取消报名吗？")
    dialog.get_by_role("button", name="取消", exact=True).click()
    expect(dialog).to_have_count(0)
    expect(main.get_by_role("button", name="取消报名", exact=True)).to_be_visible()
    main.get_by_role("button", name="取消报名", exact=True).click()
    page.locator("dialog.confirm-dialog").get_by_role("button", name="确认取消报名").click()
    expect(page.get_by_text("已取消报名。", exact=True)).to_be_visible()
    assert page.url.split("#")[0] == event_url.split("#")[0]

    # Register again, then cancel without JavaScript: the server's confirm page asks.
    main.get_by_role("button", name="报名", exact=True).click()
    expect(page.get_by_text("报名成功。", exact=True)).to_be_visible()
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="zh-CN", java_script_enabled=False
    )
    context.add_cookies(page.context.cookies())
    nojs = context.new_page()
    nojs.set_default_timeout(15_000)
    nojs.goto(event_url)
    nojs.get_by_role("main").get_by_role("button", name="取消报名", exact=True).click()
    expect(nojs.get_by_role("heading", name="取消报名", level=1)).to_be_visible()
    expect(nojs.get_by_role("main")).to_contain_text("确定取消报名吗？")
    nojs.get_by_role("main").get_by_role("button", name="确认取消报名").click()
    expect(nojs.get_by_text("已取消报名。", exact=True)).to_be_visible()
    expect(nojs.get_by_role("main").get_by_role("button", name="报名", exact=True)).to_be_visible()
    context.close()


def test_notification_centre_after_takedown(browser, page, live_server):
    reason = "条目含联系方式，违反发布规则，请修改后重新提交。"
    page.goto(live_server.url + "/")
    sign_in(page, "organizer@rongtong.example")
    _open_listing(page, live_server, SME_LISTING)
    page.get_by_label("下架原因").fill(reason)
    page.get_by_role("button", name="下架", exact=True).click()
    expect(page.get_by_text("已下架，发布单位将看到原因。")).to_be_visible()
    sign_out(page)

    sign_in(page, "sme@rongtong.example")
    bell = page.get_by_role("banner").locator("a.bell")
    expect(bell.locator(".badge")).to_have_text("1")
    expect(page.get_by_role("link", name="通知（1 条未读）")).to_be_visible()
    bell.click()
    expect(page.get_by_role("heading", name="通知", level=1)).to_be_visible()
    notice = page.locator("ul.notifications li.unread")
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text(SME_LISTING)
    expect(notice).to_contain_text(reason)
    assert axe_violations(browser, page.url, cookies=page.context.cookies()) == []

    notice.get_by_role("button").click()
    # The notice leads to the listing, which shows the reason to its owner.
    expect(page.get_by_role("heading", name=SME_LISTING, level=1)).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text(reason)
    expect(bell.locator(".badge")).to_have_count(0)
    page.goto(live_server.url + "/notifications/")
    expect(page.locator("ul.notifications li.unread")).to_have_count(0)
    expect(page.locator("ul.notifications li.read")).to_contain_text(reason)

    switch_language(page, "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    assert axe_violations(browser, page.url, lang="en", cookies=page.context.cookies()) == []


def test_organizer_rejects_enterprise_with_reason(browser, page, live_server):
    reason = "营业执照照片不清晰，且信用代码与执照不一致，请重新上传。"
    main = page.get_by_role("main")
    page.goto(live_server.url + "/")
    sign_in(page, "organizer@rongtong.example")
    page.goto(live_server.url + "/enterprises/review")
    row = page.get_by_role("row").filter(has_text=PENDING)
    row.get_by_role("link", name="驳回或要求补充").click()
    expect(page.get_by_role("heading", name=f"审核：{PENDING}")).to_be_visible()
    assert axe_violations(browser, page.url, cookies=page.context.cookies()) == []
    page.get_by_label("驳回", exact=True).check()
    page.get_by_label("原因或需要补充的内容").fill(reason)
    main.get_by_role("button", name="提交审核意见").click()
    expect(page.get_by_text(f"已将审核意见发给 {PENDING} 的成员。")).to_be_visible()
    waiting = page.get_by_role("table", name="等待单位修改资料").get_by_role("row")
    expect(waiting.filter(has_text=PENDING)).to_contain_text(reason)
    expect(waiting.filter(has_text=PENDING)).to_contain_text("已驳回")
    sign_out(page)

    sign_in(page, "pending@rongtong.example")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="本单位").click()
    expect(page.get_by_role("heading", name=PENDING, level=1)).to_be_visible()
    expect(main).to_contain_text("单位未通过平台审核。")
    expect(main).to_contain_text(reason)


def test_too_large_upload_keeps_the_text(browser, page, live_server, tmp_path):
    summary = "以深度学习Mura量化+多灰阶Demura补偿替代人工目检。"
    plan = "1. 点灯工位加装面阵相机；2. 低灰阶Mura量化模型；3. 补偿写入与复测闭环。"
    big = tmp_path / "方案全集.pdf"
    with big.open("wb") as f:
        f.write(b"%PDF-1.4\n")
        f.truncate(21 * 1024 * 1024)
    main = page.get_by_role("main")
    page.goto(live_server.url + "/")
    sign_in(page, "sme@rongtong.example")
    _open_listing(page, live_server, CHALLENGE)
    main.get_by_role("link", name="阅读并接受保密条款").click()
    page.get_by_label("我代表本单位接受上述保密条款").check()
    main.get_by_role("button", name="接受并查看保密信息").click()
    expect(page.get_by_text("已接受保密条款，现在可以查看保密信息。")).to_be_visible()
    page.locator("#proposals").get_by_role("link", name="揭榜", exact=True).click()
    expect(page.get_by_role("heading", name="揭榜：提交方案")).to_be_visible()
    page.get_by_label("方案摘要").fill(summary)
    page.get_by_label("技术路线与实施方案").fill(plan)
    page.get_by_label("报价（元）").fill("1850000")
    page.get_by_label("附件").set_input_files(big)
    main.get_by_role("button", name="提交方案").click()

    expect(page.get_by_role("heading", name="揭榜：提交方案")).to_be_visible()
    expect(main).to_contain_text(re.compile(r"附件合计超过单次提交 20 MB 的上限"))
    expect(page.get_by_label("方案摘要")).to_have_value(summary)
    expect(page.get_by_label("技术路线与实施方案")).to_have_value(plan)
    expect(page.get_by_label("报价（元）")).to_have_value("1850000")
