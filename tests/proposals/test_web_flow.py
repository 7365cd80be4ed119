"""揭榜 end to end through the pages: propose, review, ask, decide, award, 我的揭榜."""

import io

from rongtong.extensions import db
from rongtong.listings.models import ConfidentialView, TermsAcceptance
from rongtong.outcomes.models import Outcome
from rongtong.proposals.models import Proposal

from .conftest import PDF, mails, proposal_data


def _form(**overrides):
    data = proposal_data(**overrides)
    data["quote"] = str(data["quote"])
    return data


def _proposal_of(enterprise_id) -> Proposal:
    return db.session.execute(
        db.select(Proposal).filter_by(enterprise_id=enterprise_id)
    ).scalar_one()


def test_propose_review_decide_and_award_through_the_pages(
    client, auth, owner, challenge, proposer
):
    first, second = proposer(name="王工"), proposer(kind="research", name="赵教授")

    # A verified SME member sees the 揭榜 button, not the confidential details.
    auth.login(first)
    page = client.get(f"/listings/{challenge.id}").get_data(as_text=True)
    assert f"/listings/{challenge.id}/propose" in page
    assert "内部目标" not in page and f"/listings/{challenge.id}/terms" in page
    form_page = client.get(f"/listings/{challenge.id}/propose").get_data(as_text=True)
    assert "保密条款" in form_page and 'enctype="multipart/form-data"' in form_page

    # Submit with a PDF, accepting the terms on the way.
    response = auth.post(
        f"/listings/{challenge.id}/propose",
        {
            **_form(),
            "accept_terms": "y",
            "submit": "1",
            "attachments": (io.BytesIO(PDF), "技术方案.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    mine = _proposal_of(first.enterprise_id)
    assert mine.status == "submitted" and mine.quote == 380_000
    assert [a.filename for a in mine.attachments] == ["技术方案.pdf"]
    assert mine.response_due_at is not None
    assert (mine.response_due_at - mine.submitted_at).days == 14
    notice = mails("proposal_submitted")
    assert [m.recipient for m in notice] == [owner.email]
    assert notice[0].key == f"proposal:{mine.id}:status:submitted:user:{owner.id}"
    assert "电池托盘激光焊接变形控制" in notice[0].subject and notice[0].html_body

    # Terms accepted: the confidential details show, and the showing is logged.
    page = auth.post(f"/listings/{challenge.id}/confidential").get_data(as_text=True)
    assert "内部目标：年产 20 万件" in page
    assert "本单位的揭榜方案" in page and f"/proposals/{mine.id}" in page
    views = db.session.execute(db.select(ConfidentialView)).scalars().all()
    assert [(v.user_id, v.via) for v in views] == [(first.id, "web")]

    # 我的揭榜 lists it.
    assert "电池托盘激光焊接变形控制" in client.get("/proposals/mine").get_data(as_text=True)
    auth.logout()

    # A second proposer (an institute) saves a draft, then submits it.
    auth.login(second)
    response = auth.post(
        f"/listings/{challenge.id}/propose", {**_form(quote="250000"), "save": "1"}
    )
    assert response.status_code == 302
    draft = _proposal_of(second.enterprise_id)
    assert draft.status == "draft" and draft.submitted_at is None
    response = auth.post(f"/proposals/{draft.id}/submit")
    assert draft.status == "draft"  # terms not accepted yet
    response = auth.post(f"/proposals/{draft.id}/submit", {"accept_terms": "y"})
    assert draft.status == "submitted"
    auth.logout()

    # The owner sees the review list on the challenge page and who saw the details.
    auth.login(owner)
    page = client.get(f"/listings/{challenge.id}").get_data(as_text=True)
    assert first.enterprise.name in page and second.enterprise.name in page
    assert f"/listings/{challenge.id}/proposals" in page
    review = client.get(f"/listings/{challenge.id}/proposals").get_data(as_text=True)
    assert "保密信息查看记录" in review and "王工" in review
    detail = client.get(f"/proposals/{mine.id}").get_data(as_text=True)
    assert "摆动激光焊" in detail and "技术方案.pdf" in detail

    # Question and answer on the thread; each side is told.
    auth.post(f"/proposals/{mine.id}/messages", {"message-body": "夹具能否兼容两种托盘？"})
    assert [m.recipient for m in mails("proposal_question")] == [first.email]
    auth.post(f"/proposals/{mine.id}/shortlist")
    assert mine.status == "shortlisted"
    assert [m.recipient for m in mails("proposal_shortlisted")] == [first.email]
    auth.logout()
    auth.login(first)
    auth.post(f"/proposals/{mine.id}/messages", {"message-body": "可以，换型时间 10 分钟。"})
    assert [m.recipient for m in mails("proposal_answer")] == [owner.email]
    auth.logout()

    # Accept the first with an agreed amount and award; the other open one is declined.
    auth.login(owner)
    response = auth.post(
        f"/proposals/{mine.id}/accept",
        {"accept-amount": "360000", "accept-award": "y", "confirm": "1"},
    )
    assert response.status_code == 302
    assert mine.status == "accepted" and mine.accepted_amount == 360_000
    assert challenge.status == "awarded"
    outcome = db.session.get(Outcome, mine.outcome_id)
    assert (outcome.stage, outcome.deal_type, outcome.amount, outcome.source) == (
        "contract",
        "award",
        360_000,
        "proposal",
    )
    assert outcome.supply_enterprise_id == first.enterprise_id
    assert outcome.demand_enterprise_id == owner.enterprise_id
    assert draft.status == "declined" and draft.decline_reason == "selected_other"
    assert [m.recipient for m in mails("proposal_declined")] == [second.email]
    assert [m.recipient for m in mails("proposal_accepted")] == [first.email]
    auth.logout()

    # The proposers see the outcome on 我的揭榜.
    auth.login(second)
    page = client.get("/proposals/mine").get_data(as_text=True)
    assert "已选择其他方案" in page
    detail = client.get(f"/proposals/{draft.id}").get_data(as_text=True)
    assert "该榜单已揭榜定标" in detail


def test_decline_needs_a_reason_and_a_note_and_withdraw_until_decided(
    client, auth, owner, challenge, proposer
):
    member = proposer()
    auth.login(member)
    auth.post(f"/listings/{challenge.id}/propose", {**_form(), "accept_terms": "y", "submit": "1"})
    proposal = _proposal_of(member.enterprise_id)
    auth.logout()

    auth.login(owner)
    auth.post(f"/proposals/{proposal.id}/decline", {"decline-reason": "price", "decline-note": ""})
    assert proposal.status == "submitted"
    auth.post(f"/proposals/{proposal.id}/decline", {"decline-reason": "bogus", "decline-note": "x"})
    assert proposal.status == "submitted"
    auth.post(
        f"/proposals/{proposal.id}/decline",
        {
            "decline-reason": "price",
            "decline-note": "报价高于预算上限，可在 30 万内再议。",
            "confirm": "1",
        },
    )
    assert proposal.status == "declined" and proposal.decline_reason == "price"
    mail = mails("proposal_declined")[0]
    assert "报价超出预算" in mail.text_body and "30 万内再议" in mail.text_body
    auth.logout()

    auth.login(member)
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "报价超出预算" in page and "30 万内再议" in page
    response = auth.post(f"/proposals/{proposal.id}/withdraw", follow_redirects=True)
    assert "不能撤回" in response.get_data(as_text=True)
    assert proposal.status == "declined"


def test_proposer_withdraws_and_the_owner_is_told(client, auth, owner, challenge, proposer):
    member = proposer()
    auth.login(member)
    auth.post(f"/listings/{challenge.id}/propose", {**_form(), "accept_terms": "y", "submit": "1"})
    proposal = _proposal_of(member.enterprise_id)
    auth.post(f"/proposals/{proposal.id}/withdraw", {"confirm": "1"})
    assert proposal.status == "withdrawn" and proposal.response_due_at is None
    assert [m.recipient for m in mails("proposal_withdrawn")] == [owner.email]
    # One proposal per enterprise: the form leads back to it instead of a second one.
    response = client.get(f"/listings/{challenge.id}/propose")
    assert response.status_code == 302 and f"/proposals/{proposal.id}" in response.location


def test_incomplete_submission_keeps_a_message_and_no_row(client, auth, challenge, proposer):
    auth.login(proposer())
    response = auth.post(
        f"/listings/{challenge.id}/propose",
        {**_form(summary="", quote=""), "accept_terms": "y", "submit": "1"},
    )
    assert response.status_code == 200
    assert "提交前请填写方案摘要" in response.get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count(Proposal.id))).scalar_one() == 0
    response = auth.post(f"/listings/{challenge.id}/propose", {**_form(), "submit": "1"})
    assert "请阅读并接受该榜单的保密条款" in response.get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count(TermsAcceptance.id))).scalar_one() == 0


def test_who_may_propose(
    client, auth, owner, challenge, proposer, make_user, make_enterprise, make_listing
):
    # The owner: its own challenge.
    auth.login(owner)
    assert client.get(f"/listings/{challenge.id}/propose").status_code == 403
    assert f"/listings/{challenge.id}/propose" not in client.get(
        f"/listings/{challenge.id}"
    ).get_data(as_text=True)
    auth.logout()
    # A verified large firm, an unverified SME, an investor: no.
    for user in (
        make_user(enterprise=make_enterprise(kind="large", tier=None)),
        proposer(verified=False),
        make_user(enterprise=make_enterprise(kind="investor", tier=None)),
    ):
        auth.login(user)
        response = client.get(f"/listings/{challenge.id}/propose")
        assert response.status_code == 403, user
        page = client.get(f"/listings/{challenge.id}").get_data(as_text=True)
        assert f"/listings/{challenge.id}/propose" not in page
        auth.logout()
    # Organizers are no enterprise members.
    auth.login(make_user(role="organizer"))
    assert client.get(f"/listings/{challenge.id}/propose").status_code == 403
    auth.logout()
    # Capabilities take no proposals.
    capability = make_listing(kind="capability")
    auth.login(proposer())
    assert client.get(f"/listings/{capability.id}/propose").status_code == 404


def test_organizer_progress_shows_counts_but_no_content(
    client, auth, owner, challenge, proposer, make_user
):
    member = proposer()
    auth.login(member)
    auth.post(f"/listings/{challenge.id}/propose", {**_form(), "accept_terms": "y", "submit": "1"})
    auth.logout()
    auth.login(make_user(role="organizer"))
    page = client.get("/proposals/progress").get_data(as_text=True)
    assert "智能装备与机器人" in page and "电池托盘激光焊接变形控制" in page
    assert "摆动激光焊" not in page
    listing_page = client.get(f"/listings/{challenge.id}").get_data(as_text=True)
    assert "已收到 1 份揭榜方案" in listing_page and "摆动激光焊" not in listing_page
    auth.logout()
    auth.login(member)
    assert client.get("/proposals/progress").status_code == 403
    assert client.get("/proposals/overdue").status_code == 403
