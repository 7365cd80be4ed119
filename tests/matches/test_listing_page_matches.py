"""The listing page shows matches with score, reasons and the shared terms highlighted."""


def test_listing_page_shows_matches_with_score_reasons_and_highlight(client, corpus):
    html = client.get(f"/listings/{corpus['challenge'].id}").get_data(as_text=True)
    section = html[html.index('id="matches"') :]
    title = section[section.index("铝合金") - 200 : section.index("工艺与变形") + 20]
    assert "<mark>激光焊接</mark>" in title
    assert "匹配度" in section and "共同关键词" in section
    assert "同属智能网联与新能源汽车产业链" in section
    assert section.index("铝合金") < section.index("机器视觉缺陷检测系统")
    assert "本单位的激光焊接产线" not in section  # never the enterprise's own listing
