"""Journey: a large firm publishes a challenge, an SME proposes, the firm reviews the
proposals, asks a question, accepts one with an amount and awards the challenge; the award
reaches the outcome ledger that organizers read on the dashboard."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from .conftest import nav, shot, sign_in, sign_out, small_pdf, violations_here

NEXT_YEAR = datetime.now(ZoneInfo("Asia/Shanghai")).year + 1
FIRM = "广州曜晶新型显示有限公司"  # large@rongtong.example
SME = "广州明澈视觉检测技术有限公司"  # sme@rongtong.example
TITLE = "大尺寸OLED电视面板残影在线检测与寿命预测"
CHAIN = "超高清视频与新型显示"


def _ledger_row(page, caption: str, label: str) -> list[str]:
    """The cells (对接, 意向, 合同, 签约金额) of one row of a dashboard ledger table."""
    table = page.get_by_role("table", name=caption)
    row = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=label, exact=True))
    if row.count() == 0:
        return ["0", "0", "0", "¥0"]
    return [cell.strip() for cell in row.get_by_role("cell").all_inner_texts()]


def _dashboard_contracts(page) -> tuple[int, str]:
    nav(page, "活动")
    page.get_by_role("main").get_by_role("link", name="成果看板").click()
    expect(page.get_by_role("heading", name=re.compile(r"\d{4} 年活动成果看板"))).to_be_visible()
    cells = _ledger_row(page, "按产业链", CHAIN)
    return int(cells[2]), cells[3]


def _open_my_challenge(page) -> None:
    nav(page, "我的发布")
    page.get_by_role("main").get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()


def test_large_firm_publishes_reviews_and_awards(browser, page, live_server, tmp_path):
    main = page.get_by_role("main")
    page.goto(live_server.url + "/")

    # 0. What the ledger holds for the chain before (an organizer's dashboard).
    sign_in(page, "organizer@rongtong.example")
    contracts_before, amount_before = _dashboard_contracts(page)
    sign_out(page)

    # 1. The large firm publishes a new challenge.
    sign_in(page, "large@rongtong.example")
    nav(page, "我的发布")
    main.get_by_role("link", name="发布需求（发榜）").click()
    expect(page.get_by_role("heading", name="新建需求或能力")).to_be_visible()
    expect(page.get_by_label("类型", exact=True)).to_have_value("challenge")
    page.get_by_label("对接类别").select_option(label="技术研发")
    page.get_by_label("产业链", exact=True).select_option(label=CHAIN)
    page.get_by_label("标题").fill(TITLE)
    page.get_by_label("公开摘要").fill(
        "征集65—98英寸OLED电视面板残影（Image Sticking）在线检测与像素寿命预测方案，"
        "替代抽检老化试验。"
    )
    page.get_by_label("详细说明").fill("要求：检测节拍≤45秒/片；寿命预测误差≤10%；可接入MES。")
    page.get_by_label("保密信息").fill("现有老化试验数据约1.2万片，揭榜后提供脱敏样本。")
    page.get_by_label("关键词").fill("残影检测、寿命预测、OLED、机器视觉")
    page.get_by_label("预算下限（元）").fill("1500000")
    page.get_by_label("预算上限（元）").fill("2500000")
    page.get_by_label("截止日期").fill(f"{NEXT_YEAR}-08-31")
    main.get_by_role("button", name="保存并发布").click()
    expect(page.get_by_text("已发布。", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(page.locator(".page-head .badge", has_text="发布中")).to_be_visible()
    expect(main.locator(".facts")).to_contain_text("150 万元 – 250 万元")
    expect(page.locator("#proposals")).to_contain_text("还没有收到揭榜方案。")
    shot(page, "large-01-challenge-published")
    sign_out(page)

    # 2. A verified SME finds it, accepts the terms in the form and proposes.
    sign_in(page, "sme@rongtong.example")
    nav(page, "发榜需求")
    page.get_by_label("关键词或单位名称").fill("寿命预测")
    main.get_by_role("button", name="筛选").click()
    main.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    page.locator("#proposals").get_by_role("link", name="揭榜", exact=True).click()
    expect(page.get_by_role("heading", name="揭榜：提交方案")).to_be_visible()
    page.get_by_label("方案摘要").fill("基于多光谱点灯成像的残影量化与像素老化模型，在线全检。")
    page.get_by_label("技术路线与实施方案").fill(
        "点灯工位多灰阶成像→残影量化→基于老化数据的寿命预测模型→MES接口。"
    )
    page.get_by_label("团队").fill("算法 5 人，光学 2 人。")
    page.get_by_label("进度安排").fill("第 1–3 月样机，第 4–6 月产线验证。")
    page.get_by_label("报价（元）").fill("2200000")
    page.get_by_label("附件").set_input_files(small_pdf(tmp_path / "残影检测方案.pdf"))
    page.get_by_label("我已阅读并接受本榜单的保密条款").check()
    main.get_by_role("button", name="提交方案").click()
    expect(page.get_by_text("方案已提交，发榜单位会收到通知。")).to_be_visible()
    expect(page.locator(".page-head .proposal-status")).to_have_text("已提交")
    sign_out(page)

    # 3. The firm reviews the proposals and asks a question in the thread.
    sign_in(page, "large@rongtong.example")
    _open_my_challenge(page)
    expect(page.locator("#proposals").get_by_role("row").filter(has_text=SME)).to_contain_text(
        "已提交"
    )
    main.get_by_role("link", name="评审揭榜方案").click()
    expect(page.get_by_role("heading", name="揭榜方案评审")).to_be_visible()
    row = main.get_by_role("row").filter(has_text=SME)
    expect(row).to_contain_text("已提交")
    expect(row).to_contain_text("220 万元")
    expect(row).to_contain_text("基于多光谱点灯成像")
    shot(page, "large-02-proposal-review")
    assert violations_here(browser, page) == []
    row.get_by_role("link", name=SME).click()
    expect(page.get_by_role("heading", name=f"揭榜方案：{SME}")).to_be_visible()
    expect(main.get_by_role("link", name="残影检测方案.pdf")).to_be_visible()
    question = "寿命预测模型需要多少片老化样本才能达到10%误差？"
    page.get_by_label("留言", exact=True).fill(question)
    main.get_by_role("button", name="发送").click()
    expect(page.get_by_text("留言已发送，对方会收到通知。")).to_be_visible()
    expect(page.locator("#thread .message-owner")).to_contain_text(question)
    sign_out(page)

    # 4. The SME answers from 我的揭榜.
    sign_in(page, "sme@rongtong.example")
    nav(page, "我的揭榜")
    main.get_by_role("row").filter(has_text=TITLE).get_by_role("link", name=TITLE).click()
    expect(page.locator("#thread .message-owner")).to_contain_text(question)
    answer = "约3000片即可；贵方已有的1.2万片数据足够，首月完成模型标定。"
    page.get_by_label("留言", exact=True).fill(answer)
    main.get_by_role("button", name="发送").click()
    expect(page.get_by_text("留言已发送，对方会收到通知。")).to_be_visible()
    expect(page.locator("#thread .message-proposer")).to_contain_text(answer)
    sign_out(page)

    # 5. The firm accepts the proposal with an amount, then awards the challenge.
    sign_in(page, "large@rongtong.example")
    _open_my_challenge(page)
    main.get_by_role("link", name="评审揭榜方案").click()
    main.get_by_role("row").filter(has_text=SME).get_by_role("link", name=SME).click()
    expect(page.locator("#thread .message-proposer")).to_contain_text(answer)
    shot(page, "large-03-proposal-thread")
    assert violations_here(browser, page) == []
    page.get_by_label("成交金额（元）").fill("2000000")
    main.get_by_role("button", name="接受方案").click()
    # Accepting cannot be undone, so the owner confirms it in the dialog first.
    page.locator("dialog.confirm-dialog").get_by_role("button", name="确认接受").click()
    expect(page.get_by_text("已接受该方案，揭榜方会收到通知。")).to_be_visible()
    expect(page.locator(".page-head .proposal-status")).to_have_text("已接受")
    expect(main.get_by_text("该方案已被接受。")).to_contain_text("200 万元")
    page.locator(".page-head").get_by_role("link", name=TITLE).click()
    main.get_by_role("link", name="评审揭榜方案").click()
    expect(main.get_by_role("row").filter(has_text=SME)).to_contain_text("已接受")
    main.get_by_role("button", name="揭榜定标（按已接受的方案）").click()
    page.locator("dialog.confirm-dialog").get_by_role("button", name="确认定标").click()
    expect(page.get_by_text("已揭榜定标，成交已计入对接成效。")).to_be_visible()
    expect(page.locator(".page-head .badge", has_text="已揭榜")).to_be_visible()
    expect(main.get_by_role("button", name="揭榜定标（按已接受的方案）")).to_have_count(0)
    shot(page, "large-04-awarded")

    # 6. The challenge shows as awarded on its page and in the firm's list.
    page.locator(".page-head").get_by_role("link", name=TITLE).click()
    expect(page.locator(".page-head .badge", has_text="已揭榜")).to_be_visible()
    expect(page.locator("#proposals").get_by_role("link", name="揭榜", exact=True)).to_have_count(0)
    nav(page, "我的发布")
    expect(main.get_by_role("row").filter(has_text=TITLE)).to_contain_text("已揭榜")
    sign_out(page)

    # 7. The SME sees the result under 我的揭榜.
    sign_in(page, "sme@rongtong.example")
    nav(page, "我的揭榜")
    row = main.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_contain_text("已接受")
    expect(row).to_contain_text("已揭榜")
    expect(row).to_contain_text("200 万元")
    sign_out(page)

    # 8. The award is in the outcome ledger: one more contract on the chain, and its amount.
    sign_in(page, "organizer@rongtong.example")
    contracts_after, amount_after = _dashboard_contracts(page)
    assert contracts_after == contracts_before + 1
    assert _yuan(amount_after) == _yuan(amount_before) + 2_000_000
    shot(page, "large-05-dashboard-ledger")
    assert violations_here(browser, page) == []


def _yuan(text: str) -> int:
    """A money cell ("¥0", "¥9,800", "1,280 万元", "12.5 万元") in yuan."""
    text = text.strip()
    if text.endswith("万元"):
        return round(float(text.removesuffix("万元").replace(",", "").strip()) * 10_000)
    return int(text.lstrip("¥").replace(",", "") or 0)
