"""Who may read a proposal and its files: 403 for other enterprises and for organizers who
are not reviewers of the challenge; the challenge's confidential details after the terms."""

import io

import pytest

from rongtong.extensions import db
from rongtong.listings.models import ConfidentialView
from rongtong.proposals import services

from .conftest import API, PDF, fetch, proposal_data


@pytest.fixture
def submitted(auth, client, challenge, proposer):
    """A submitted proposal with a PDF, and its proposer."""
    member = proposer()
    auth.login(member)
    data = {
        **proposal_data(),
        "quote": "380000",
        "accept_terms": "y",
        "submit": "1",
        "attachments": (io.BytesIO(PDF), "方案.pdf"),
    }
    response = auth.post(
        f"/listings/{challenge.id}/propose", data, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    auth.logout()
    proposal = services.proposal_of(member.enterprise_id, challenge)
    db.session.commit()
    return proposal, member


def _paths(proposal):
    attachment = proposal.attachments[0]
    return (
        f"/proposals/{proposal.id}",
        f"/proposals/{proposal.id}/attachments/{attachment.id}",
    ), (
        f"{API}/proposals/{proposal.id}",
        f"{API}/proposals/{proposal.id}/attachments/{attachment.id}",
    )


def test_others_get_403_on_content_and_attachments(
    client, auth, api_token, owner, challenge, submitted, make_user, proposer
):
    proposal, member = submitted
    pages, api_paths = _paths(proposal)
    outsiders = {
        "other enterprise": proposer(),
        "organizer, not a reviewer": make_user(role="organizer"),
    }
    for label, user in outsiders.items():
        headers = api_token(user)
        db.session.commit()
        auth.login(user)
        for path in pages:
            assert client.get(path).status_code == 403, (label, path)
        for path in api_paths:
            response = client.get(path, headers=headers)
            assert response.status_code == 403, (label, path)
            assert response.get_json()["error"]["code"] == "forbidden"
        listed = client.get(f"{API}/listings/{challenge.id}/proposals", headers=headers)
        assert listed.get_json()["items"] == [], label
        auth.logout()
    # Anonymous: to the login page; the API wants a token.
    assert client.get(pages[1]).status_code == 302
    assert client.get(api_paths[1]).status_code == 401

    # Those allowed get the file, as a download under its own name, with the right type.
    for user in (member, owner, make_user(role="admin", enterprise=None)):
        auth.login(user)
        response = fetch(client, pages[1])
        assert response.status_code == 200, user
        assert response.data == PDF and response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert "filename*=UTF-8''%E6%96%B9%E6%A1%88.pdf" in response.headers["Content-Disposition"]
        assert response.headers["Cache-Control"] == "private, no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        auth.logout()


def test_an_organizer_made_reviewer_may_read(
    client, auth, api_token, owner, challenge, submitted, make_user
):
    proposal, _member = submitted
    organizer = make_user(role="organizer", name="评审专家")
    headers = api_token(organizer)
    db.session.commit()
    pages, api_paths = _paths(proposal)
    auth.login(organizer)
    assert client.get(pages[0]).status_code == 403
    # An organizer cannot make itself a reviewer.
    assert (
        auth.post(f"/listings/{challenge.id}/reviewers", {"user_id": organizer.id}).status_code
        == 403
    )
    auth.logout()

    auth.login(owner)
    response = auth.post(f"/listings/{challenge.id}/reviewers", {"user_id": organizer.id})
    assert response.status_code == 302
    assert "评审专家" in client.get(f"/listings/{challenge.id}/proposals").get_data(as_text=True)
    auth.logout()

    auth.login(organizer)
    for path in pages:
        assert fetch(client, path).status_code == 200
    for path in api_paths:
        assert fetch(client, path, headers=headers).status_code == 200
    items = client.get(f"{API}/listings/{challenge.id}/proposals", headers=headers).get_json()
    assert [p["id"] for p in items["items"]] == [proposal.id]
    assert client.get(f"/listings/{challenge.id}/proposals").status_code == 200
    # A reviewer reads; deciding stays with the owner.
    response = client.post(
        f"{API}/proposals/{proposal.id}/decision", json={"decision": "shortlist"}, headers=headers
    )
    assert response.status_code == 403
    auth.logout()

    auth.login(owner)
    auth.post(f"/listings/{challenge.id}/reviewers/{organizer.id}/remove")
    auth.logout()
    auth.login(organizer)
    assert client.get(pages[0]).status_code == 403


def test_a_draft_is_its_enterprises_alone(client, auth, owner, challenge, proposer):
    member = proposer()
    auth.login(member)
    auth.post(f"/listings/{challenge.id}/propose", {**proposal_data(), "save": "1"})
    draft = services.proposal_of(member.enterprise_id, challenge)
    assert client.get(f"/proposals/{draft.id}").status_code == 200
    auth.logout()
    auth.login(owner)
    assert client.get(f"/proposals/{draft.id}").status_code == 403
    assert member.enterprise.name not in client.get(f"/listings/{challenge.id}/proposals").get_data(
        as_text=True
    )
    assert auth.post(f"/proposals/{draft.id}/shortlist").status_code == 403


def test_other_members_cannot_act_on_a_proposal(client, auth, challenge, submitted, proposer):
    proposal, _member = submitted
    auth.login(proposer())
    for action in ("withdraw", "shortlist", "accept", "decline", "messages", "submit"):
        assert auth.post(f"/proposals/{proposal.id}/{action}").status_code == 403, action
    assert proposal.status == "submitted"


def test_confidential_details_only_after_the_terms(
    client, auth, api_token, owner, challenge, proposer, make_user, make_enterprise
):
    secret = "内部目标：年产 20 万件"
    member = proposer()
    headers = api_token(member)
    db.session.commit()
    auth.login(member)
    assert secret not in auth.post(f"/listings/{challenge.id}/confidential").get_data(as_text=True)
    assert (
        client.get(f"{API}/listings/{challenge.id}", headers=headers).get_json()["confidential"]
        is None
    )
    terms_page = client.get(f"/listings/{challenge.id}/terms").get_data(as_text=True)
    assert "保密" in terms_page and challenge.ref in terms_page
    assert auth.post(f"/listings/{challenge.id}/terms", {}).status_code == 200  # unticked
    assert not services.has_accepted_terms(member, challenge)
    response = auth.post(f"/listings/{challenge.id}/terms", {"accept": "y"})
    assert response.status_code == 302
    assert secret in auth.post(f"/listings/{challenge.id}/confidential").get_data(as_text=True)
    auth.logout()

    # A colleague of the same enterprise sees them too (the enterprise accepted), logged.
    colleague = make_user(enterprise=member.enterprise, name="同事甲")
    auth.login(colleague)
    assert secret in auth.post(f"/listings/{challenge.id}/confidential").get_data(as_text=True)
    auth.logout()
    # Another verified SME has not accepted: nothing.
    auth.login(proposer())
    assert secret not in auth.post(f"/listings/{challenge.id}/confidential").get_data(as_text=True)
    auth.logout()
    # A verified large firm cannot propose, so cannot accept the terms.
    large = make_user(enterprise=make_enterprise(kind="large", tier=None))
    auth.login(large)
    assert auth.post(f"/listings/{challenge.id}/terms", {"accept": "y"}).status_code == 403
    assert secret not in auth.post(f"/listings/{challenge.id}/confidential").get_data(as_text=True)
    auth.logout()

    # The owner sees who has seen them (and never logs its own views).
    auth.login(owner)
    assert secret in client.get(f"/listings/{challenge.id}").get_data(as_text=True)
    review = client.get(f"/listings/{challenge.id}/proposals").get_data(as_text=True)
    assert "同事甲" in review and member.enterprise.name in review
    viewers = {row.user.id: row.count for row in services.confidential_viewers(challenge)}
    assert viewers == {member.id: 1, colleague.id: 1}
    assert (
        db.session.execute(
            db.select(db.func.count(ConfidentialView.id)).where(
                ConfidentialView.user_id == owner.id
            )
        ).scalar_one()
        == 0
    )


def test_capabilities_keep_the_old_rule(client, auth, make_listing, proposer):
    capability = make_listing(kind="capability", confidential="产能数据")
    auth.login(proposer())
    assert "产能数据" in client.get(f"/listings/{capability.id}").get_data(as_text=True)
