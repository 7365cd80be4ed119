"""After the award: both sides see each other's contacts, the proposal's timeline
(submitted → shortlisted → questions → accepted → awarded → outcome) and next steps."""

from rongtong.extensions import db

from .test_confirmations import _submitted


def _section(html: str) -> str:
    return html.split('class="panel proposal-progress"')[1].split("</section>")[0]


def test_both_sides_see_contacts_timeline_and_next_steps(client, auth, owner, challenge, proposer):
    member = proposer()
    member.enterprise.contact_name = "王经理"
    member.enterprise.contact_mobile = "13800138000"
    owner.enterprise.contact_email = "bd@gac-test.example.cn"
    db.session.flush()
    proposal = _submitted(auth, challenge, member)

    # Before a decision: a timeline and next steps, but no contacts.
    auth.login(member)
    section = _section(client.get(f"/proposals/{proposal.id}").get_data(as_text=True))
    assert "提交方案" in section and "等待发榜单位答复" in section
    assert "对方联系方式" not in section
    auth.logout()

    auth.login(owner)
    auth.post(f"/proposals/{proposal.id}/shortlist")
    auth.post(f"/proposals/{proposal.id}/messages", {"message-body": "换型时间多长？"})
    auth.post(
        f"/proposals/{proposal.id}/accept",
        {"accept-amount": "360000", "accept-award": "y", "confirm": "1"},
    )
    assert proposal.status == "accepted" and challenge.status == "awarded"
    section = _section(client.get(f"/proposals/{proposal.id}").get_data(as_text=True))
    labels = ["提交方案", "列入入围", "问答", "接受方案", "揭榜定标", "成交计入对接成效"]
    positions = [section.index(label) for label in labels]
    assert positions == sorted(positions)
    assert section.count('class="done"') == 6
    assert "1 条留言" in section and "成交金额 360,000 元" in section
    assert "王经理" in section and "13800138000" in section and member.email in section
    assert "约定签约" in section
    auth.logout()

    auth.login(member)
    section = _section(client.get(f"/proposals/{proposal.id}").get_data(as_text=True))
    assert "bd@gac-test.example.cn" in section and owner.email in section
    assert "王经理" not in section  # one's own contact is not "the other side"


def test_outsiders_and_declined_proposals_show_no_contacts(
    client, auth, owner, challenge, proposer, make_user
):
    member = proposer()
    proposal = _submitted(auth, challenge, member)
    auth.login(owner)
    auth.post(
        f"/proposals/{proposal.id}/decline",
        {"decline-reason": "price", "decline-note": "超预算", "confirm": "1"},
    )
    auth.logout()
    auth.login(member)
    section = _section(client.get(f"/proposals/{proposal.id}").get_data(as_text=True))
    assert "未采纳" in section and "对方联系方式" not in section
    assert owner.email not in section
