"""Journeys: an organizer merges a newly registered near-duplicate into the enterprise it
repeats (its member and draft move, the member is told, the audit log keeps it); an
organizer writes to an event's registrants, audience by audience, and exactly they receive
it, each in their language, an unsubscribed member left out of promotional mail."""

from playwright.sync_api import expect

from .conftest import (
    axe_violations,
    fill_listing,
    logout,
    mail_text,
    nav,
    register_firm,
    shot,
    sign_in,
    sign_out,
    switch_language,
)

NEWCOMER_PASSWORD = "zhouyang-aoi-2026!"


def _violations_in_both_languages(browser, page, act=None) -> dict:
    """The page (and, with ``act``, what it leads to) in Chinese, then in English; the user
    is left in Chinese."""
    found = {}
    for lang in ("zh-CN", "en"):
        switch_language(page, lang)  # from a GET page the switch comes back to it
        cookies = page.context.cookies()
        found[(lang, "page")] = axe_violations(browser, page.url, lang=lang, cookies=cookies)
        if act is not None:
            found[(lang, "after")] = axe_violations(
                browser, page.url, lang=lang, cookies=cookies, act=act
            )
    switch_language(page, "zh-CN")
    return {key: value for key, value in found.items() if value}


# --- 1. a near-duplicate, merged ------------------------------------------------------------

ORIGINAL = "广州明澈视觉检测技术有限公司"  # sme@rongtong.example's enterprise in seed_data
ORIGINAL_LISTING = "显示面板机器视觉缺陷识别与Demura设备"  # sme@'s, published
DUPLICATE = "明澈视觉检测技术（广州）有限公司"  # the same distinctive name: flagged at 100%
DUPLICATE_CODE = "91440112MA5GQ8RT2E"  # a valid code no enterprise has
NEWCOMER = "zhou.yang@mingche-vision.cn"
NEWCOMER_NAME = "周扬"
DRAFT = "锂电极片表面缺陷AOI在线检测"


def _register_duplicate(page) -> None:
    """A newcomer registers their firm under a slightly different name and drafts a listing."""
    main = page.get_by_role("main")
    register_firm(
        page,
        email=NEWCOMER,
        name=NEWCOMER_NAME,
        password=NEWCOMER_PASSWORD,
        firm=DUPLICATE,
        code=DUPLICATE_CODE,
    )

    nav(page, "我的发布")
    main.get_by_role("link", name="发布能力").click()
    expect(main.get_by_text("单位待审核：现在可以保存草稿，审核通过后再发布。")).to_be_visible()
    fill_listing(
        page,
        chain="新能源与新型储能",
        title=DRAFT,
        summary="面阵相机+深度学习，识别极片划痕、漏箔、颗粒等缺陷。",
        keywords="锂电、极片、AOI、缺陷检测",
    )
    main.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_text("已保存为草稿。", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=DRAFT, level=1)).to_be_visible()
    sign_out(page)


def test_organizer_merges_a_near_duplicate(browser, page, live_server):
    main = page.get_by_role("main")
    page.goto(live_server.url + "/")
    _register_duplicate(page)

    # 1. The review queue flags the newcomer's enterprise as a near-copy of ours, among the
    # flagged ones (they come first, the unflagged after).
    sign_in(page, "organizer@rongtong.example")
    nav(page, "审核")
    expect(page.get_by_role("heading", name="单位审核", level=1)).to_be_visible()
    queue = page.get_by_role("table", name="待审核单位").get_by_role("row")
    flagged = queue.filter(has=page.get_by_role("link", name="对比"))
    newcomer = flagged.filter(has_text=DUPLICATE)
    expect(newcomer).to_contain_text(DUPLICATE_CODE)
    compare = newcomer.get_by_role("link", name=f"与 {ORIGINAL} 对比（100%）")
    expect(compare).to_be_visible()
    flags = [bool(row.get_by_role("link", name="对比").count()) for row in queue.all()[1:]]
    assert flags == sorted(flags, reverse=True), flags
    assert _violations_in_both_languages(browser, page) == {}

    # 2. Side by side: who is who, members and listings counted.
    compare.click()
    expect(page.get_by_role("heading", name="疑似重名单位对比", level=1)).to_be_visible()
    table = page.get_by_role("table", name="两家单位的资料")

    def row(name: str):
        header = page.get_by_role("rowheader", name=name, exact=True)
        return table.get_by_role("row").filter(has=header)

    expect(row("单位名称").get_by_role("cell")).to_have_text([DUPLICATE, ORIGINAL])
    expect(row("统一社会信用代码").get_by_role("cell")).to_have_text(
        [DUPLICATE_CODE, "91440112MA5FMECWGK"]
    )
    expect(row("审核状态").get_by_role("cell")).to_have_text(["待审核", "已认证"])
    expect(row("成员").get_by_role("cell")).to_have_text(["1", "1"])
    original_listings = int(row("发布的需求与能力").get_by_role("cell").nth(1).inner_text())
    assert original_listings >= 1
    expect(row("发布的需求与能力").get_by_role("cell").first).to_have_text("1")
    # Two firms on paper are not at stake (the newcomer is unverified): no box to tick.
    expect(
        page.get_by_label("我已核对：两家都已认证、信用代码不同，仍确认是同一家单位")
    ).to_have_count(0)
    shot(page, "review-01-merge-comparison")
    merge_button = main.get_by_role("button", name="合并到原单位")

    def open_the_dialog(other):
        other.get_by_role("main").locator("form[data-confirm] [type=submit]").click()
        expect(other.locator("dialog.confirm-dialog")).to_be_visible()

    assert _violations_in_both_languages(browser, page, open_the_dialog) == {}

    # 3. Merge, with the second step: saying no changes nothing; yes merges.
    merge_button.click()
    dialog = page.locator("dialog.confirm-dialog")
    expect(dialog).to_contain_text(f"{DUPLICATE} 的成员、需求与能力等将全部转到 {ORIGINAL}")
    expect(dialog).to_contain_text("不能撤销。确定合并吗？")
    dialog.get_by_role("button", name="取消", exact=True).click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_role("heading", name="疑似重名单位对比", level=1)).to_be_visible()
    compare_url = page.url
    merge_button.click()
    page.locator("dialog.confirm-dialog").get_by_role("button", name="确认合并").click()
    expect(page.get_by_text(f"已将 {DUPLICATE} 合并到 {ORIGINAL}。")).to_be_visible()
    expect(page.get_by_role("heading", name=ORIGINAL, level=1)).to_be_visible()

    # 4. The newcomer is now one of the original's members; the duplicate is gone.
    main.get_by_role("link", name="成员", exact=True).click()
    expect(page.get_by_role("heading", name=f"成员 · {ORIGINAL}")).to_be_visible()
    members = page.get_by_role("table", name="当前成员").get_by_role("row")
    expect(members.filter(has_text=NEWCOMER)).to_contain_text(NEWCOMER_NAME)
    expect(members.filter(has_text="sme@rongtong.example")).to_have_count(1)
    expect(main.get_by_role("heading", name="当前成员（2 人）")).to_be_visible()
    duplicate_id, original_id = compare_url.split("/enterprises/")[1].split("/compare/")
    assert page.goto(f"{live_server.url}/enterprises/{duplicate_id}").status == 404
    page.go_back()
    nav(page, "审核")
    expect(page.get_by_role("table", name="待审核单位")).not_to_contain_text(DUPLICATE)
    sign_out(page)

    # 5. The audit log keeps what was merged into what, and how much moved (an admin reads).
    sign_in(page, "admin@rongtong.example")
    nav(page, "审核")
    main.get_by_role("link", name="审核记录").click()
    expect(page.get_by_role("heading", name="审计日志", level=1)).to_be_visible()
    page.get_by_label("操作", exact=True).select_option(label="合并重复单位")
    main.get_by_role("button", name="筛选", exact=True).click()
    log = page.get_by_role("table", name="共 1 条记录")
    entry = log.get_by_role("row").nth(1)
    expect(entry).to_contain_text("陈静怡")  # organizer@rongtong.example
    expect(entry).to_contain_text("合并重复单位")
    expect(entry).to_contain_text(f"单位：{ORIGINAL}")
    expect(entry).to_contain_text(f"单位名称：{DUPLICATE} → {ORIGINAL}")
    expect(entry).to_contain_text(f"统一社会信用代码：{DUPLICATE_CODE} → 91440112MA5FMECWGK")
    expect(entry).to_contain_text("成员：— → 1")
    expect(entry).to_contain_text("条目：— → 1")
    assert _violations_in_both_languages(browser, page) == {}
    sign_out(page)

    # 6. The newcomer is told, in the notification centre and by mail, and finds their draft
    # among the original's listings.
    sign_in(page, NEWCOMER, NEWCOMER_PASSWORD)
    told = f"平台已将“{DUPLICATE}”并入“{ORIGINAL}”：您现在是“{ORIGINAL}”的成员"
    bell = page.get_by_role("banner").locator("a.bell")
    expect(bell.locator(".badge")).to_have_text("1")
    bell.click()
    notice = page.locator("ul.notifications li.unread")
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text(told)
    notice.get_by_role("button").click()
    expect(page.get_by_role("heading", name=ORIGINAL, level=1)).to_be_visible()
    nav(page, "本单位")
    expect(page.get_by_role("heading", name=ORIGINAL, level=1)).to_be_visible()
    nav(page, "我的发布")
    mine = page.get_by_role("table", name="本单位的需求与能力")
    expect(mine.get_by_role("row").filter(has_text=DRAFT)).to_contain_text("草稿")
    expect(mine.get_by_role("row").filter(has_text=ORIGINAL_LISTING)).to_have_count(1)
    mail = live_server.mail_to(NEWCOMER, "并入")
    text = mail_text(mail)
    assert told in text and f"你好，{NEWCOMER_NAME}：" in text
    assert f"{live_server.url}/enterprises/{original_id}\n" in text


# --- 2. bulk mail to an event's registrants ---------------------------------------------------

#: Held in 2025: of its registrants with accounts, large@'s enterprise did not come (no-show)
#: and lab@'s checked in; sme@'s and soe@'s enterprises did not register.
EVENT = "专项供需对接·技术研发（半导体与集成电路） 第8场"
LARGE, LARGE_FIRM = "large@rongtong.example", "广州曜晶新型显示有限公司"
LAB, LAB_FIRM = "lab@rongtong.example", "广州南粤理工大学智能制造研究院"
SUBJECT = "会后资料：半导体检测设备对接清单"
BODY = "各位好，会上介绍的检测设备与需求清单已整理完毕，请登录平台活动页查看。"
NO_SHOW_SUBJECT = "未能到场的单位：补寄会议资料"
PROMO_SUBJECT = "欢迎报名12月软件与互联网产业链路演"


def _prepare_readers(browser, page) -> None:
    """large@ reads the platform in English; lab@ turned its digests off."""
    sign_in(page, LARGE)
    switch_language(page, "en")
    logout(page)  # the header is in English now
    expect(page.get_by_text("您已退出登录。")).to_be_visible()

    sign_in(page, LAB)
    page.get_by_role("banner").get_by_role("link", name="陶建国").click()
    page.get_by_role("main").get_by_role("link", name="匹配摘要的频率与内容").click()
    expect(page.get_by_role("heading", name="邮件摘要设置")).to_be_visible()
    page.get_by_label("不接收", exact=True).check()
    page.get_by_role("main").get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("摘要设置已保存。")).to_be_visible()
    expect(page.get_by_label("不接收", exact=True)).to_be_checked()
    assert _violations_in_both_languages(browser, page) == {}
    sign_out(page)


def _write(page, audience: str, subject: str, body: str, *, promotional: bool = False) -> None:
    page.get_by_label("收件范围").select_option(label=audience)
    page.get_by_label("主题", exact=True).fill(subject)
    page.get_by_label("正文", exact=True).fill(body)
    page.get_by_label("推广性质（如其他活动、项目推介）").set_checked(promotional)
    page.get_by_role("main").get_by_role("button", name="预览", exact=True).click()
    expect(page.get_by_role("heading", name="预览", level=2)).to_be_visible()


def _send(page, count: int) -> None:
    page.get_by_role("main").get_by_role("button", name="确认发送").click()
    expect(page.get_by_text(f"已向 {count} 位收件人发出邮件。")).to_be_visible()


def _received(server, subject: str) -> dict:
    """Recipient → the mail whose subject contains ``subject``."""
    found = {}
    for message in server.mails():
        if subject in message["Subject"]:
            assert message["To"] not in found, f"{message['To']} got {subject!r} twice"
            found[message["To"]] = message
    return found


def test_organizer_mails_an_events_registrants_by_audience(browser, page, live_server):
    main = page.get_by_role("main")
    page.goto(live_server.url + "/")
    _prepare_readers(browser, page)

    # 1. The organizer finds last year's event and its 群发邮件 page.
    sign_in(page, "organizer@rongtong.example")
    nav(page, "活动")
    main.get_by_role("link", name="2025", exact=True).click()
    expect(page.get_by_role("heading", name="2025 年活动")).to_be_visible()
    main.get_by_role("link", name=EVENT, exact=True).first.click()
    expect(page.get_by_role("heading", name=EVENT, level=1)).to_be_visible()
    page.get_by_role("navigation", name="活动").get_by_role("link", name="群发邮件").click()
    expect(page.get_by_role("heading", name=f"群发邮件：{EVENT}")).to_be_visible()

    def preview_to_confirmed(other):
        other.select_option("#audience", "confirmed")
        other.fill("#subject", SUBJECT)
        other.fill("#body", BODY)
        other.locator("button[name=preview]").click()
        expect(other.locator("section.preview pre.mail-preview")).to_have_count(2)

    assert _violations_in_both_languages(browser, page, preview_to_confirmed) == {}

    # 2. To the enterprises that came or registered (confirmed): both readers, each in
    # their language, previewed first.
    _write(page, "报名成功的单位", SUBJECT, BODY)
    preview = main.locator("section.preview")
    expect(preview).to_contain_text("将发送给 2 位收件人（2 家单位）：")
    expect(preview).to_contain_text(LARGE_FIRM)
    expect(preview).to_contain_text(LAB_FIRM)
    expect(preview.get_by_role("heading", level=3)).to_have_text(
        ["英文界面的收件人看到的邮件", "中文界面的收件人看到的邮件"]
    )
    samples = preview.locator("pre.mail-preview")
    expect(samples.nth(0)).to_contain_text("Hello 黄晓彤,")
    expect(samples.nth(0)).to_contain_text(f"The organizers of “{EVENT}” write to you:")
    expect(samples.nth(1)).to_contain_text("你好，陶建国：")
    expect(samples.nth(1)).to_contain_text(BODY)
    expect(preview).to_contain_text(f"[{EVENT}] {SUBJECT}")
    expect(preview).to_contain_text(f"【{EVENT}】{SUBJECT}")
    shot(page, "mail-01-bulk-mail-preview")
    _send(page, 2)
    got = _received(live_server, SUBJECT)
    assert sorted(got) == [LAB, LARGE]
    assert got[LARGE]["Subject"] == f"[{EVENT}] {SUBJECT}"
    assert mail_text(got[LARGE]).startswith("Hello 黄晓彤,")
    assert got[LAB]["Subject"] == f"【{EVENT}】{SUBJECT}"
    assert mail_text(got[LAB]).startswith("你好，陶建国：") and BODY in mail_text(got[LAB])

    # 3. Those who came: lab@'s enterprise (previewed only); those who did not: large@'s.
    _write(page, "已签到的单位", "感谢参会", "感谢各位到场参加对接会。")
    expect(main.locator("section.preview")).to_contain_text("将发送给 1 位收件人（1 家单位）：")
    expect(main.locator("section.preview")).to_contain_text(LAB_FIRM)
    expect(main.locator("section.preview")).not_to_contain_text(LARGE_FIRM)
    _write(page, "报名成功但未签到的单位", NO_SHOW_SUBJECT, "会议资料请见附件链接。")
    expect(main.locator("section.preview")).to_contain_text("将发送给 1 位收件人（1 家单位）：")
    expect(main.locator("section.preview")).not_to_contain_text(LAB_FIRM)
    _send(page, 1)
    assert sorted(_received(live_server, NO_SHOW_SUBJECT)) == [LARGE]

    # 4. The waiting list is empty: nothing to send.
    _write(page, "候补名单", "候补通知", "如有名额空出，我们会通知您。")
    expect(main.locator("section.preview")).to_contain_text("该收件范围内没有收件人。")
    expect(main.get_by_role("button", name="确认发送")).to_have_count(0)

    # 5. A promotional message to everyone registered leaves out lab@, who unsubscribed.
    promo = "12月17日软件与互联网产业链路演开放报名，欢迎参加。"
    _write(page, "全部报名单位（已报名、候补、待审核）", PROMO_SUBJECT, promo, promotional=True)
    expect(main.locator("section.preview")).to_contain_text("将发送给 1 位收件人（1 家单位）：")
    expect(main.locator("section.preview")).not_to_contain_text(LAB_FIRM)
    _send(page, 1)
    assert sorted(_received(live_server, PROMO_SUBJECT)) == [LARGE]

    # Nobody outside the audiences got anything of this event's.
    others = [m["To"] for m in live_server.mails() if EVENT in m["Subject"]]
    assert sorted(set(others)) == [LAB, LARGE]
