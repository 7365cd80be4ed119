"""揭榜 through the JSON API: submit, list, read, withdraw, decide; documented in OpenAPI."""

import openapi_spec_validator

from rongtong.extensions import db
from rongtong.listings.models import ConfidentialView
from rongtong.outcomes.models import Outcome

from .conftest import API, api_error, mails, proposal_count, proposal_data


def test_submit_list_read_decide_and_award(
    client, api_token, owner, challenge, proposer, make_user
):
    first, second = proposer(), proposer(kind="research")
    owner_h, first_h, second_h = api_token(owner), api_token(first), api_token(second)
    db.session.commit()
    url = f"{API}/listings/{challenge.id}/proposals"

    # Submitting needs the terms; accept_terms accepts them on the way.
    api_error(client.post(url, json=proposal_data(), headers=first_h), 422, "terms")
    response = client.post(url, json={**proposal_data(), "accept_terms": True}, headers=first_h)
    assert response.status_code == 201, response.get_json()
    one = response.get_json()
    assert one["status"] == "submitted" and one["quote"] == 380_000
    assert one["enterprise"]["id"] == first.enterprise_id and one["response_due_at"]
    assert [m.recipient for m in mails("proposal_submitted")] == [owner.email]

    # A second from the same enterprise is a 409, whoever sends it.
    colleague = make_user(enterprise=first.enterprise)
    colleague_h = api_token(colleague)
    db.session.commit()
    error = api_error(
        client.post(url, json={**proposal_data(), "accept_terms": True}, headers=colleague_h),
        409,
        "duplicate",
    )
    assert "每个单位每个榜单限一份" in error["message"]
    assert proposal_count(challenge.id) == 1

    # A draft, then submitted.
    response = client.post(
        url, json={"summary": "草稿", "status": "draft", "accept_terms": True}, headers=second_h
    )
    assert response.status_code == 201 and response.get_json()["status"] == "draft"
    two = response.get_json()
    api_error(
        client.post(f"{API}/proposals/{two['id']}/submit", json={}, headers=second_h), 422
    )  # incomplete: no approach, no quote

    # Lists: the owner sees the submitted ones (not the draft), a proposer its own.
    items = client.get(url, headers=owner_h).get_json()["items"]
    assert [p["id"] for p in items] == [one["id"]]
    assert [p["id"] for p in client.get(url, headers=second_h).get_json()["items"]] == [two["id"]]
    api_error(client.get(url), 401)

    # Read; the confidential details of the listing show to the proposer and are logged.
    assert client.get(f"{API}/proposals/{one['id']}", headers=owner_h).get_json()["summary"]
    detail = client.get(f"{API}/listings/{challenge.id}", headers=first_h).get_json()
    assert detail["confidential"] == "内部目标：年产 20 万件，单价 80 元以内"
    assert db.session.execute(
        db.select(ConfidentialView.via).where(ConfidentialView.user_id == first.id)
    ).scalars().all() == ["api"]

    # Decide: a decline needs a reason and a note; an unknown decision is a 422.
    decision = f"{API}/proposals/{one['id']}/decision"
    error = api_error(client.post(decision, json={"decision": "decline"}, headers=owner_h), 422)
    assert {"reason", "note"} <= set(error["fields"])
    api_error(client.post(decision, json={"decision": "maybe"}, headers=owner_h), 422)
    # Only the owner decides.
    api_error(client.post(decision, json={"decision": "shortlist"}, headers=first_h), 403)
    response = client.post(decision, json={"decision": "shortlist"}, headers=owner_h)
    assert response.get_json()["status"] == "shortlisted"
    response = client.post(
        f"{API}/proposals/{one['id']}/messages", json={"body": "周期能缩短吗？"}, headers=owner_h
    )
    assert response.status_code == 201 and response.get_json()["side"] == "owner"
    response = client.post(decision, json={"decision": "accept", "award": True}, headers=owner_h)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "accepted"
    assert response.get_json()["accepted_amount"] == 380_000
    assert challenge.status == "awarded"
    outcomes = db.session.execute(db.select(Outcome)).scalars().all()
    assert [(o.stage, o.amount, o.source_id) for o in outcomes] == [
        ("contract", 380_000, one["id"])
    ]
    # Decided: no withdrawing, no deciding again.
    api_error(
        client.post(f"{API}/proposals/{one['id']}/withdraw", headers=first_h), 409, "bad_state"
    )
    api_error(client.post(decision, json={"decision": "shortlist"}, headers=owner_h), 409)
    # The awarded challenge takes no more: the draft cannot be submitted.
    api_error(client.post(f"{API}/proposals/{two['id']}/submit", json={}, headers=second_h), 409)
    response = client.post(f"{API}/proposals/{two['id']}/withdraw", headers=second_h)
    assert response.get_json()["status"] == "withdrawn"


def test_decline_by_api_tells_the_proposer_why(client, api_token, owner, challenge, proposer):
    member = proposer()
    owner_h, member_h = api_token(owner), api_token(member)
    db.session.commit()
    one = client.post(
        f"{API}/listings/{challenge.id}/proposals",
        json={**proposal_data(), "accept_terms": True},
        headers=member_h,
    ).get_json()
    response = client.post(
        f"{API}/proposals/{one['id']}/decision",
        json={"decision": "decline", "reason": "technical", "note": "平面度指标无法保证。"},
        headers=owner_h,
    )
    assert response.status_code == 200
    body = client.get(f"{API}/proposals/{one['id']}", headers=member_h).get_json()
    assert (body["status"], body["decline_reason"], body["decline_note"]) == (
        "declined",
        "technical",
        "平面度指标无法保证。",
    )
    mail = mails("proposal_declined")[0]
    assert mail.recipient == member.email and "技术方案不满足要求" in mail.text_body


def test_bad_bodies_are_4xx(client, api_token, challenge, proposer):
    member = proposer()
    headers = api_token(member)
    db.session.commit()
    url = f"{API}/listings/{challenge.id}/proposals"
    for body in (
        {**proposal_data(), "quote": -1},
        {**proposal_data(), "quote": "三十万"},
        {**proposal_data(), "summary": "摘" * 501},
        {**proposal_data(), "status": "accepted"},
        {**proposal_data(), "extra": 1},
        {**proposal_data(), "summary": "a\x00b"},
        [],
    ):
        response = client.post(url, json=body, headers=headers)
        assert 400 <= response.status_code < 500, (body, response.status_code)
    assert (
        client.post(f"{API}/listings/999999/proposals", json={}, headers=headers).status_code == 404
    )
    assert client.get(f"{API}/proposals/{2**70}", headers=headers).status_code == 404
    assert proposal_count() == 0


def test_openapi_documents_the_proposal_endpoints(client):
    spec = client.get(f"{API}/openapi.json").get_json()
    openapi_spec_validator.validate(spec)
    paths = spec["paths"]
    assert {"get", "post"} <= set(paths[f"{API}/listings/{{listing_id}}/proposals"])
    assert "get" in paths[f"{API}/proposals/{{proposal_id}}"]
    for action in ("withdraw", "decision", "submit", "messages"):
        assert "post" in paths[f"{API}/proposals/{{proposal_id}}/{action}"]
    post = paths[f"{API}/listings/{{listing_id}}/proposals"]["post"]
    assert post["security"] == [{"bearerAuth": []}]
    assert {"401", "403", "409", "422"} <= set(post["responses"])
    decision = spec["components"]["schemas"]["Decision"]
    assert decision["required"] == ["decision"]
