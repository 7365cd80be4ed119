"""Phone: the navigation folds behind 菜单 without JavaScript, tables such as 我的揭榜 turn
into labelled cards below 600 px, and check-in codes never wrap."""

import re

from rongtong.events import registrations as registration_ops


def _css(client) -> str:
    response = client.get("/static/css/app.css")
    try:
        return response.get_data(as_text=True)
    finally:
        response.close()


def _phone_rules(css: str) -> str:
    return css.split("@media (max-width: 600px)")[1]


def test_navigation_folds_with_a_checkbox_and_css_only(client):
    html = client.get("/").get_data(as_text=True)
    header = html.split('<header class="site-header">')[1].split("</header>")[0]
    # The toggle comes before the nav (the CSS sibling selector needs it) and is labelled.
    assert header.index('id="nav-open"') < header.index('<label for="nav-open"')
    assert header.index('<label for="nav-open"') < header.index('class="main-nav"')
    assert ">菜单</label>" in header
    phone = _phone_rules(_css(client))
    assert re.search(r"\.main-nav \{ display: none;", phone)
    assert ".nav-check:checked ~ .main-nav { display: block; }" in phone
    assert ".nav-check:focus-visible + .nav-button" in phone  # the keyboard sees it


def test_my_proposals_table_becomes_cards(client, auth, make_user, make_listing):
    from rongtong.proposals import services

    owner = make_user()
    challenge = make_listing(enterprise=owner.enterprise, kind="challenge")
    member = make_user()
    services.create_proposal(
        member, challenge, {"summary": "摘要", "quote": 1000}, submit=False, accept=True
    )
    auth.login(member)
    html = client.get("/proposals/mine").get_data(as_text=True)
    assert '<table class="table stack">' in html
    for label in ("榜单", "方案状态", "报价", "提交", "结果"):
        assert f'data-label="{label}"' in html
    phone = _phone_rules(_css(client))
    assert ".table.stack td[data-label]::before { content: attr(data-label);" in phone


def test_check_in_codes_do_not_wrap(client, auth, make_user, make_event):
    css = _css(client)
    token = re.search(r"\.token \{([^}]*)\}", css).group(1)
    assert "white-space: nowrap" in token and "break-all" not in token
    event = make_event()
    member = make_user()
    reg = registration_ops.register(event, member.enterprise, member, [])
    auth.login(member)
    html = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert f'<strong class="token">{reg.code}</strong>' in html
