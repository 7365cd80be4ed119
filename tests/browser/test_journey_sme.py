"""Journey: a new SME registers, is verified, completes its profile, publishes a capability,
sees its matches with reasons, hides one as not relevant and submits a proposal (揭榜)."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from rongtong.core.validators import credit_code_check_char

from .conftest import nav, register_firm, shot, sign_in, sign_out, small_pdf, violations_here

NEXT_YEAR = datetime.now(ZoneInfo("Asia/Shanghai")).year + 1
EMAIL = "zhao@luminvision.example"
PASSWORD = "luminvision-2026!"
NAME = "广州光屿视觉科技有限公司"
CODE = "91440112MA5RT7X2Q" + credit_code_check_char("91440112MA5RT7X2Q")
CAPABILITY = "OLED面板Mura缺陷检测与Demura补偿算法"
CHALLENGE = "柔性AMOLED面板Mura缺陷自动检测与Demura补偿"  # large@'s published challenge


def test_sme_registers_publishes_and_proposes(browser, page, live_server, tmp_path):
    main = page.get_by_role("main")
    page.goto(live_server.url + "/")

    # 1. Register the enterprise and its first account, then complete its profile.
    register_firm(page, email=EMAIL, name="赵一鸣", password=PASSWORD, firm=NAME, code=CODE)
    expect(page.get_by_role("heading", name="编辑单位资料")).to_be_visible()
    expect(page.get_by_text("单位待平台审核；审核通过前可以起草但不能发布。")).to_be_visible()
    shot(page, "sme-01-registered")
    # The tier is part of what review vouches for (a verified firm's own change of it goes
    # back to review), so the profile is completed before the organizer looks at it.
    page.get_by_label("梯度培育层级").select_option(label="创新型中小企业")
    page.get_by_label("所属产业链").select_option(label=["超高清视频与新型显示", "人工智能"])
    page.get_by_label("单位简介").fill(
        "专注OLED/LCD面板外观与点灯缺陷的机器视觉检测，自研Mura量化与Demura补偿算法。"
    )
    page.get_by_label("联系人", exact=True).fill("赵一鸣")
    page.get_by_label("联系手机").fill("13800138000")
    main.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("单位资料已保存。")).to_be_visible()
    head = page.locator(".page-head")
    expect(head).to_contain_text("创新型中小企业")
    expect(head).to_contain_text("黄埔区")
    expect(main.locator(".tag", has_text="超高清视频与新型显示")).to_be_visible()
    expect(main.locator(".tag", has_text="人工智能")).to_be_visible()
    sign_out(page)

    # 2. An organizer verifies it from the review queue.
    sign_in(page, "organizer@rongtong.example")
    nav(page, "审核")
    expect(page.get_by_role("heading", name="单位审核")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=NAME)
    expect(row).to_contain_text(CODE)
    expect(row).to_contain_text("中小企业")
    shot(page, "sme-02-review-queue")
    row.get_by_role("button", name="通过审核").click()
    expect(page.get_by_text(f"已通过审核：{NAME}")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=NAME)).to_have_count(0)
    sign_out(page)

    # 3. The SME logs in again: verified, with the profile it completed.
    sign_in(page, EMAIL, PASSWORD)
    nav(page, "本单位")
    expect(page.get_by_role("heading", name=NAME, exact=True)).to_be_visible()
    expect(page.locator(".page-head")).to_contain_text("已认证")
    head = page.locator(".page-head")
    expect(head).to_contain_text("创新型中小企业")
    expect(head).to_contain_text("黄埔区")
    expect(main.locator(".tag", has_text="超高清视频与新型显示")).to_be_visible()
    expect(main.locator(".tag", has_text="人工智能")).to_be_visible()
    main.get_by_role("link", name="编辑单位资料").click()
    expect(page.get_by_text("单位待平台审核")).to_have_count(0)
    expect(page.get_by_label("梯度培育层级")).to_have_value(re.compile(r".+"))
    page.go_back()
    shot(page, "sme-03-profile")

    # 4. Publish a capability with the listing form.
    nav(page, "我的发布")
    expect(page.get_by_role("cell", name="还没有发布。")).to_be_visible()
    main.get_by_role("link", name="发布能力").click()
    expect(page.get_by_label("类型", exact=True)).to_have_value("capability")
    page.get_by_label("对接类别").select_option(label="技术研发")
    page.get_by_label("产业链", exact=True).select_option(label="超高清视频与新型显示")
    page.get_by_label("标题").fill(CAPABILITY)
    page.get_by_label("公开摘要").fill(
        "面向AMOLED模组点灯段的Mura缺陷自动检测与Demura光学补偿，低灰阶Mura检出率99%。"
    )
    page.get_by_label("详细说明").fill("可提供产线验证、算法授权与整机交付。")
    page.get_by_label("关键词").fill("Mura检测、Demura、AMOLED、缺陷检测、光学补偿")
    page.get_by_label("截止日期").fill(f"{NEXT_YEAR}-12-31")
    main.get_by_role("button", name="保存并发布").click()
    expect(page.get_by_text("已发布。", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=CAPABILITY, level=1)).to_be_visible()
    expect(page.locator(".page-head .badge", has_text="发布中")).to_be_visible()

    # 5. Its matches, each with a score and the reasons.
    matches = page.locator("#matches")
    expect(matches.get_by_role("heading", name="匹配的需求")).to_be_visible()
    items = matches.locator("li.match")
    expect(items.first).to_be_visible()
    assert items.count() >= 3
    expect(items.first.locator(".match-head a")).to_have_text(CHALLENGE)
    # Listing pages show a calibrated band (强/中/弱) in words rather than a percentage.
    expect(items.first.locator(".band")).to_have_text(re.compile(r"^匹配度：[强中弱]$"))
    reasons = items.first.locator("ul.reasons li")
    assert reasons.count() >= 2
    expect(items.first.locator("ul.reasons")).to_contain_text("同属超高清视频与新型显示产业链")
    expect(items.first.locator("ul.reasons")).to_contain_text("共同关键词")
    shot(page, "sme-04-capability-matches")
    assert violations_here(browser, page) == []

    # 6. One of them is not relevant: it disappears from the list. Matches under the
    # matcher's floor are folded under 更多弱相关; open it to reach the others.
    matches.locator("details.weak-matches summary").click()
    unwanted = items.nth(1).locator(".match-head a").inner_text()
    items.nth(1).get_by_role(
        "button", name=re.compile(rf"^不相关\s*：{re.escape(unwanted)}$")
    ).click()
    hidden = page.locator("#matches li.match-hidden")
    expect(hidden).to_contain_text(f"{unwanted} · 已标记不相关")
    expect(
        hidden.get_by_role("button", name=re.compile(rf"^撤销\s*：{re.escape(unwanted)}$"))
    ).to_be_visible()
    # It keeps its place only as a line with an undo; the matches proper no longer list it.
    shown = page.locator("#matches li.match:not(.match-hidden)")
    expect(shown.first).to_be_visible()
    expect(page.locator("#matches .match-head a", has_text=unwanted)).to_have_count(0)
    expect(shown.first.locator(".match-head a")).to_have_text(CHALLENGE)
    shot(page, "sme-05-not-relevant")

    # 7. Open the best-matching challenge, accept its terms and propose.
    page.locator("#matches").get_by_role("link", name=CHALLENGE).click()
    expect(page.get_by_role("heading", name=CHALLENGE, level=1)).to_be_visible()
    main.get_by_role("link", name="阅读并接受保密条款").click()
    expect(page.get_by_role("heading", name="保密条款")).to_be_visible()
    page.get_by_label("我代表本单位接受上述保密条款").check()
    main.get_by_role("button", name="接受并查看保密信息").click()
    expect(page.get_by_text("已接受保密条款，现在可以查看保密信息。")).to_be_visible()
    # Each viewing is logged for the publisher, so it is its own explicit step.
    expect(main.get_by_text("每次查看保密信息都会被记录")).to_be_visible()
    main.get_by_role("button", name="查看保密信息").click()
    expect(page.locator(".confidential")).to_be_visible()
    page.locator("#proposals").get_by_role("link", name="揭榜", exact=True).click()
    expect(page.get_by_role("heading", name="揭榜：提交方案")).to_be_visible()
    expect(page.get_by_text("本单位已接受该条款。")).to_be_visible()
    page.get_by_label("方案摘要").fill("以深度学习Mura量化+多灰阶Demura补偿替代人工目检。")
    page.get_by_label("技术路线与实施方案").fill(
        "1. 点灯工位加装高分辨率面阵相机；2. 低灰阶Mura量化模型；3. 补偿数据写入与复测闭环。"
    )
    page.get_by_label("团队").fill("算法 4 人，光学 2 人，现场交付 3 人。")
    page.get_by_label("进度安排").fill("第 1–2 月样机，第 3 月产线验证，第 4 月量产导入。")
    page.get_by_label("报价（元）").fill("1850000")
    page.get_by_label("附件").set_input_files(small_pdf(tmp_path / "方案说明.pdf"))
    shot(page, "sme-06-proposal-form")
    assert violations_here(browser, page) == []
    main.get_by_role("button", name="提交方案").click()
    expect(page.get_by_text("方案已提交，发榜单位会收到通知。")).to_be_visible()
    expect(page.get_by_role("heading", name=f"揭榜方案：{NAME}")).to_be_visible()
    expect(page.locator(".page-head .proposal-status")).to_have_text("已提交")
    expect(main.get_by_role("link", name="方案说明.pdf")).to_be_visible()
    expect(main.locator(".attachment-list")).to_contain_text("PDF")
    shot(page, "sme-07-proposal-submitted")
    assert violations_here(browser, page) == []

    # 8. It is listed under 我的揭榜.
    nav(page, "我的揭榜")
    row = page.get_by_role("row").filter(has_text=CHALLENGE)
    expect(row).to_contain_text("已提交")
    expect(row).to_contain_text("185 万元")
    expect(row).to_contain_text("广州曜晶新型显示有限公司")
    shot(page, "sme-08-my-proposals")
