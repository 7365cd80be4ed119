"""Closing challenges at their deadline and reminding owners past the response deadline."""

from datetime import timedelta

import pytest

from rongtong.core.services import ServiceError
from rongtong.core.time import local_today, utcnow
from rongtong.extensions import db
from rongtong.proposals import jobs, services
from rongtong.scheduler.schedule import JOBS

from .conftest import API, mails, proposal_count, proposal_data


def _submitted(owner_listing, member):
    services.accept_terms(member, owner_listing)
    return services.create_proposal(member, owner_listing, proposal_data())


def test_the_deadline_closes_the_challenge(client, api_token, owner, make_listing, proposer):
    past = make_listing(enterprise=owner.enterprise, deadline=local_today() - timedelta(days=1))
    today = make_listing(enterprise=owner.enterprise, deadline=local_today())
    member = proposer()
    headers = api_token(member)
    db.session.commit()

    # Past the deadline no proposal is taken, even before the job has run.
    response = client.post(
        f"{API}/listings/{past.id}/proposals",
        json={**proposal_data(), "accept_terms": True},
        headers=headers,
    )
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "closed"
    assert past.status == "published"

    assert jobs.close_challenges_at_deadline() == 1
    assert (past.status, today.status) == ("expired", "published")
    assert jobs.close_challenges_at_deadline() == 0  # a second run changes nothing
    # The deadline day itself still takes proposals.
    response = client.post(
        f"{API}/listings/{today.id}/proposals",
        json={**proposal_data(), "accept_terms": True},
        headers=headers,
    )
    assert response.status_code == 201
    # An expired challenge's page offers no 揭榜 button.
    with pytest.raises(ServiceError) as caught:
        services.create_proposal(member, past, proposal_data(), submit=False)
    assert caught.value.code == "closed" and proposal_count(past.id) == 0


def test_the_cli_runs_the_jobs(runner, owner, make_listing):
    make_listing(enterprise=owner.enterprise, deadline=local_today() - timedelta(days=3))
    result = runner.invoke(args=["proposals", "close"])
    assert result.exit_code == 0 and "expired: 1" in result.output
    result = runner.invoke(args=["proposals", "remind"])
    assert result.exit_code == 0 and "reminded: 0" in result.output


def test_the_jobs_are_scheduled():
    funcs = {job.func for job in JOBS}
    # Challenges close to proposals through listing expiry at their deadline.
    assert {"listings.services:expire_listings", "proposals.jobs:remind_overdue_owners"} <= funcs


def test_owners_past_the_response_deadline_are_reminded(
    app, client, auth, owner, challenge, proposer, make_user
):
    colleague = make_user(enterprise=owner.enterprise, locale="en")
    first, second = proposer(), proposer()
    late = _submitted(challenge, first)
    fresh = _submitted(challenge, second)
    assert app.config["PROPOSAL_RESPONSE_DAYS"] == 14
    assert late.response_due_at - late.submitted_at == timedelta(days=14)
    late.response_due_at = utcnow() - timedelta(days=2)
    db.session.flush()

    assert jobs.remind_overdue_owners() == 1
    reminders = mails("proposal_reminder")
    assert sorted(m.recipient for m in reminders) == sorted([owner.email, colleague.email])
    assert all(f"proposal:{late.id}:overdue:" in m.key for m in reminders)
    assert late.reminded_at is not None and fresh.reminded_at is None
    # Running again the same day sends nothing more; a week later the owner is reminded again.
    assert jobs.remind_overdue_owners() == 0
    assert services.remind_overdue(utcnow() + timedelta(days=7)) == 1
    assert len(mails("proposal_reminder")) == 4

    # Organizers see the overdue list; answering takes the proposal off it.
    organizer = make_user(role="organizer")
    auth.login(organizer)
    page = client.get("/proposals/overdue").get_data(as_text=True)
    assert first.enterprise.name in page and second.enterprise.name not in page
    assert challenge.title in page
    auth.logout()
    services.shortlist_proposal(late, owner)
    assert services.overdue_proposals() == []
    assert late.response_due_at > utcnow() + timedelta(days=13)


def test_a_question_restarts_the_owners_clock(owner, challenge, proposer):
    member = proposer()
    proposal = _submitted(challenge, member)
    proposal.response_due_at = utcnow() - timedelta(days=1)
    services.post_message(proposal, owner, "能否提供样件？")
    assert proposal.response_due_at > utcnow() + timedelta(days=13)
    assert services.overdue_proposals() == []
