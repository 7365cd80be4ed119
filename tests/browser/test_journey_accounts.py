"""Journeys: a member who forgot their password resets it from the mailed link; a newcomer
registers with the credit code of an enterprise already on the platform, asks to join it and
is let in by a colleague."""

import re

from playwright.sync_api import expect

from .conftest import (
    PASSWORD,
    mail_text,
    nav,
    shot,
    sign_in,
    sign_out,
    violations_here,
)

SME = "sme@rongtong.example"
SME_NAME = "广州明澈视觉检测技术有限公司"  # sme@'s enterprise in seed_data
SME_CODE = "91440112MA5FMECWGK"
NEW_PASSWORD = "mingche-reset-2026!"
RESET_SUBJECT = "重置您在融通平台的密码"
SENT = "如果该邮箱已注册，重置密码的链接已发往该邮箱，请查收。"


def _try_login(page, email: str, password: str) -> None:
    page.get_by_label("邮箱", exact=True).fill(email)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("main").get_by_role("button", name="登录", exact=True).click()


def test_member_resets_a_forgotten_password(browser, page, live_server):
    main = page.get_by_role("main")
    page.goto(live_server.url + "/")

    # 1. From the login page to 忘记密码; an unknown address gets the same answer, no mail.
    page.get_by_role("banner").get_by_role("link", name="登录", exact=True).click()
    main.get_by_role("link", name="忘记密码？").click()
    expect(page.get_by_role("heading", name="忘记密码")).to_be_visible()
    page.get_by_label("邮箱", exact=True).fill("nobody@rongtong.example")
    main.get_by_role("button", name="发送重置链接").click()
    expect(page.get_by_text(SENT)).to_be_visible()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    assert [m for m in live_server.mails() if m["To"] == "nobody@rongtong.example"] == []

    # 2. Now the member's own address.
    main.get_by_role("link", name="忘记密码？").click()
    page.get_by_label("邮箱", exact=True).fill(SME)
    shot(page, "accounts-01-forgot-password")
    main.get_by_role("button", name="发送重置链接").click()
    expect(page.get_by_text(SENT)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login$"))

    # 3. The mail the platform sent, with its link (on this server's public URL).
    mail = live_server.mail_to(SME, RESET_SUBJECT)
    text = mail_text(mail)
    assert "高俊杰" in text
    assert "60 分钟内有效" in text
    link = re.search(r"http\S+/reset-password/\S+", text).group()
    assert link.startswith(live_server.url + "/reset-password/")
    assert link in mail.get_body(("html",)).get_content()

    # 4. Follow it and set a new password (a mismatch is caught first).
    page.goto(link)
    expect(page.get_by_role("heading", name="重置密码")).to_be_visible()
    expect(page.get_by_text(f"为 {SME} 设置新密码")).to_be_visible()
    page.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("确认新密码", exact=True).fill(NEW_PASSWORD + "x")
    main.get_by_role("button", name="设置新密码").click()
    expect(page.get_by_text("两次输入的密码不一致。")).to_be_visible()
    page.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("确认新密码", exact=True).fill(NEW_PASSWORD)
    shot(page, "accounts-02-reset-password")
    assert violations_here(browser, page) == []
    main.get_by_role("button", name="设置新密码").click()
    expect(page.get_by_text("密码已重置，请用新密码登录。")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login$"))

    # 5. The old password no longer works; the new one does.
    _try_login(page, SME, PASSWORD)
    expect(page.get_by_text("邮箱或密码不正确。")).to_be_visible()
    expect(page.get_by_role("banner").get_by_role("button", name="退出")).to_have_count(0)
    _try_login(page, SME, NEW_PASSWORD)
    expect(page.get_by_role("banner").get_by_role("button", name="退出")).to_be_visible()
    page.get_by_role("banner").get_by_role("link", name="高俊杰").click()
    expect(page.get_by_role("heading", name="我的账号")).to_be_visible()
    expect(main.get_by_role("link", name=SME_NAME)).to_be_visible()
    shot(page, "accounts-03-logged-in-with-new-password")
    sign_out(page)

    # 6. The link was good for one change only.
    page.goto(link)
    expect(page.get_by_text("重置密码的链接无效或已使用，请重新申请。")).to_be_visible()
    expect(page.get_by_label("新密码", exact=True)).to_have_count(0)
    expect(main.get_by_role("link", name="重新申请重置链接")).to_be_visible()


JOINER = "wu.qiming@mingche-aoi.com"
JOINER_NAME = "吴启明"
JOINER_PASSWORD = "wuqiming-aoi-2026"
JOIN_MESSAGE = "质量部视觉算法工程师，负责AOI缺陷分类模型。"


def test_newcomer_joins_an_existing_enterprise(browser, page, live_server):
    main = page.get_by_role("main")
    page.goto(live_server.url + "/")

    # 1. Register with the credit code of an enterprise already on the platform.
    page.get_by_role("banner").get_by_role("link", name="注册", exact=True).click()
    expect(page.get_by_role("heading", name="注册单位账号")).to_be_visible()
    expect(page.get_by_label("申请加入该单位")).to_have_count(0)
    page.get_by_label("邮箱", exact=True).fill(JOINER)
    page.get_by_label("姓名", exact=True).fill(JOINER_NAME)
    page.get_by_label("密码", exact=True).fill(JOINER_PASSWORD)
    page.get_by_label("确认密码", exact=True).fill(JOINER_PASSWORD)
    page.get_by_label("单位名称", exact=True).fill(SME_NAME)
    page.get_by_label("统一社会信用代码", exact=True).fill(SME_CODE)
    page.get_by_label("单位类型", exact=True).select_option(label="中小企业")
    page.get_by_label("所在区", exact=True).select_option(label="黄埔区")
    main.get_by_role("button", name="注册", exact=True).click()

    # 2. The code is taken: the form offers to ask that enterprise instead.
    expect(page.get_by_text("该统一社会信用代码已注册。")).to_be_visible()
    expect(page.get_by_role("group", name="加入已注册的单位")).to_be_visible()
    expect(page.get_by_label("邮箱", exact=True)).to_have_value(JOINER)
    expect(page.get_by_label("密码", exact=True)).to_have_value("")
    shot(page, "accounts-04-credit-code-taken")
    assert violations_here(browser, page) == []
    page.get_by_label("申请加入该单位").check()
    page.get_by_label("给该单位同事的留言").fill(JOIN_MESSAGE)
    page.get_by_label("密码", exact=True).fill(JOINER_PASSWORD)
    page.get_by_label("确认密码", exact=True).fill(JOINER_PASSWORD)
    main.get_by_role("button", name="注册", exact=True).click()

    # 3. An account without an enterprise, and its pending request.
    expect(
        page.get_by_text("账号已创建，加入申请已发给该单位的成员；获批前您可以浏览平台。")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="我的账号")).to_be_visible()
    notice = main.locator(".notice[role=status]")
    expect(notice).to_contain_text(f"申请加入 {SME_NAME}，等待该单位成员审批")
    expect(main.get_by_role("button", name="撤回申请")).to_be_visible()
    expect(main.get_by_role("link", name=SME_NAME)).to_have_count(0)
    menu = page.get_by_role("navigation", name="主导航")
    expect(menu.get_by_role("link", name="我的发布")).to_have_count(0)
    shot(page, "accounts-05-join-pending")
    assert violations_here(browser, page) == []
    page.goto(live_server.url + "/listings/new?kind=capability")
    expect(page.get_by_role("heading", name="没有权限")).to_be_visible()

    # 4. The enterprise's member is told by mail, with a link to the members page.
    mail = live_server.mail_to(SME, f"{JOINER_NAME} 申请加入 {SME_NAME}")
    text = mail_text(mail)
    assert JOINER in text
    assert JOIN_MESSAGE in text
    members_link = re.search(r"http\S+/enterprises/\d+/members", text).group()
    assert members_link.startswith(live_server.url)

    # 5. The member, in a browser of their own, approves from the members page.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    colleague = context.new_page()
    colleague.set_default_timeout(15_000)
    try:
        colleague.goto(live_server.url + "/")
        sign_in(colleague, SME)
        nav(colleague, "本单位")
        expect(colleague.get_by_role("heading", name=SME_NAME, exact=True)).to_be_visible()
        colleague.get_by_role("main").get_by_role("link", name="成员（1 个待审批）").click()
        assert colleague.url == members_link
        expect(colleague.get_by_role("heading", name=f"成员 · {SME_NAME}")).to_be_visible()
        row = colleague.get_by_role("row").filter(has_text=JOINER)
        expect(row).to_contain_text(JOINER_NAME)
        expect(row).to_contain_text(JOIN_MESSAGE)
        shot(colleague, "accounts-06-members-pending")
        assert violations_here(browser, colleague) == []
        row.get_by_role("button", name="批准").click()
        expect(colleague.get_by_text(f"已批准 {JOINER_NAME} 加入本单位。")).to_be_visible()
        expect(colleague.get_by_role("cell", name="没有待审批的申请。")).to_be_visible()
        current = colleague.get_by_role("row").filter(has_text=JOINER)
        expect(current).to_have_count(1)
        expect(current).not_to_contain_text("批准")
        expect(colleague.get_by_role("heading", name="当前成员（2 人）")).to_be_visible()
        shot(colleague, "accounts-07-members-approved")
    finally:
        context.close()

    # 6. The newcomer is told, and after a reload belongs to the enterprise.
    text = mail_text(live_server.mail_to(JOINER, f"您已加入 {SME_NAME}"))
    assert "申请已获批准" in text
    page.goto(live_server.url + "/account")
    expect(page.get_by_role("heading", name="我的账号")).to_be_visible()
    expect(main.get_by_role("link", name=SME_NAME)).to_be_visible()
    expect(main.get_by_text("等待该单位成员审批")).to_have_count(0)
    shot(page, "accounts-08-joined")
    nav(page, "我的发布")
    main.get_by_role("link", name="发布能力").click()
    expect(page.get_by_label("类型", exact=True)).to_have_value("capability")
    expect(main.get_by_role("button", name="保存并发布")).to_be_visible()
    shot(page, "accounts-09-new-listing-form")
