"""Irreversible actions take a second step: without JavaScript a page asks and posts the
same fields again with confirm=1; refusals come out as on the real post, without asking."""

from rongtong.extensions import db

from .conftest import mails


def _submitted(auth, challenge, member):
    from .test_web_flow import _form, _proposal_of

    auth.login(member)
    auth.post(f"/listings/{challenge.id}/propose", {**_form(), "accept_terms": "y", "submit": "1"})
    proposal = _proposal_of(member.enterprise_id)
    auth.logout()
    return proposal


def test_withdraw_asks_first_then_acts(client, auth, owner, challenge, proposer):
    member = proposer()
    proposal = _submitted(auth, challenge, member)
    auth.login(member)
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert 'data-confirm="撤回后发榜单位不再审阅这份方案' in page
    asked = auth.post(f"/proposals/{proposal.id}/withdraw")
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "确认撤回方案" in html
    assert 'name="confirm" value="1"' in html and "返回，不执行" in html
    db.session.refresh(proposal)
    assert proposal.status == "submitted" and mails("proposal_withdrawn") == []
    auth.post(f"/proposals/{proposal.id}/withdraw", {"confirm": "1"})
    assert proposal.status == "withdrawn"


def test_decline_confirmation_carries_the_typed_reason(client, auth, owner, challenge, proposer):
    proposal = _submitted(auth, challenge, proposer())
    auth.login(owner)
    fields = {"decline-reason": "price", "decline-note": "报价高于预算上限，可再议。"}
    asked = auth.post(f"/proposals/{proposal.id}/decline", fields)
    html = asked.get_data(as_text=True)
    assert "确认不予采纳" in html
    assert 'name="decline-note" value="报价高于预算上限，可再议。"' in html
    assert proposal.status == "submitted"
    auth.post(f"/proposals/{proposal.id}/decline", {**fields, "confirm": "1"})
    assert proposal.status == "declined" and proposal.decline_note == "报价高于预算上限，可再议。"


def test_accept_and_award_asks_first(client, auth, owner, challenge, proposer):
    proposal = _submitted(auth, challenge, proposer())
    auth.login(owner)
    fields = {"accept-amount": "360000", "accept-award": "y"}
    asked = auth.post(f"/proposals/{proposal.id}/accept", fields)
    assert "确认接受并定标" in asked.get_data(as_text=True)
    assert proposal.status == "submitted" and challenge.status == "published"
    auth.post(f"/proposals/{proposal.id}/accept", {**fields, "confirm": "1"})
    assert proposal.status == "accepted" and challenge.status == "awarded"


def test_refusal_is_not_asked_about(client, auth, owner, challenge, proposer, make_user):
    proposal = _submitted(auth, challenge, proposer())
    auth.login(make_user())  # another enterprise: not theirs to withdraw
    assert auth.post(f"/proposals/{proposal.id}/withdraw").status_code in (403, 404)
    auth.logout()
    auth.login(owner)
    fields = {"decline-reason": "price", "decline-note": "x"}
    auth.post(f"/proposals/{proposal.id}/decline", {**fields, "confirm": "1"})
    # Already decided: the message, not a question.
    again = auth.post(
        f"/proposals/{proposal.id}/decline",
        {"decline-reason": "price", "decline-note": "x"},
        follow_redirects=True,
    )
    assert "确认不予采纳" not in again.get_data(as_text=True)


def test_confirm_script_is_a_file_and_dialog_ready(client):
    html = client.get("/").get_data(as_text=True)
    assert '<script src="/static/js/confirm.js" defer></script>' in html
    response = client.get("/static/js/confirm.js")
    script = response.get_data(as_text=True)
    response.close()
    assert "showModal" in script and 'flag.name = "confirm"' in script
