"""Notices in the recipient's language, once per recipient and purpose; awarding by page."""

import re
from datetime import UTC
from zoneinfo import ZoneInfo

from rongtong.extensions import db
from rongtong.outcomes.models import Outcome
from rongtong.proposals import services

from .conftest import mails, proposal_data


def _submit(challenge, member):
    services.accept_terms(member, challenge)
    return services.create_proposal(member, challenge, proposal_data())


def test_each_recipient_gets_the_notice_in_their_locale(app, owner, challenge, proposer, make_user):
    english = make_user(enterprise=owner.enterprise, locale="en", name="Ann")
    proposal = _submit(challenge, proposer())
    by_user = {m.user_id: m for m in mails("proposal_submitted")}
    assert set(by_user) == {owner.id, english.id}
    # The due date is the Shanghai day of the stored UTC instant, formatted by Babel in each
    # recipient's locale.
    due = proposal.response_due_at.replace(tzinfo=UTC).astimezone(ZoneInfo(app.config["TIMEZONE"]))
    assert f"{due.year}年{due.month}月{due.day}日" in by_user[owner.id].text_body
    assert f"{due.day}, {due.year}" in by_user[english.id].text_body
    assert by_user[english.id].key == f"proposal:{proposal.id}:status:submitted:user:{english.id}"
    # An absolute link (on PUBLIC_URL: a job has no request to take the host from).
    assert f"://127.0.0.1:5000/proposals/{proposal.id}" in by_user[owner.id].text_body
    # Queued once per key: notifying again adds nothing.
    services._notify_owner(proposal, "submitted")
    assert len(mails("proposal_submitted")) == 2


def test_notices_escape_what_users_wrote(owner, challenge, proposer):
    proposal = _submit(challenge, proposer())
    services.post_message(proposal, owner, "<script>alert(1)</script>")
    mail = mails("proposal_question")[0]
    assert "<script>" not in mail.html_body and "&lt;script&gt;" in mail.html_body
    assert "<script>alert(1)</script>" in mail.text_body


def test_award_from_the_review_page(client, auth, owner, challenge, proposer):
    first, second = proposer(), proposer()
    one, two = _submit(challenge, first), _submit(challenge, second)
    db.session.commit()
    auth.login(owner)
    response = auth.post(f"/listings/{challenge.id}/award", follow_redirects=True)
    assert "请先接受至少一份方案" in response.get_data(as_text=True)
    assert challenge.status == "published"
    auth.post(f"/proposals/{one.id}/accept", {"accept-amount": "", "confirm": "1"})
    assert one.status == "accepted" and one.accepted_amount == 380_000
    assert challenge.status == "published"  # accepting alone does not award
    page = client.get(f"/listings/{challenge.id}/proposals").get_data(as_text=True)
    assert f"/listings/{challenge.id}/award" in page
    asked = auth.post(f"/listings/{challenge.id}/award")
    assert asked.status_code == 200 and "确认定标" in asked.get_data(as_text=True)
    assert challenge.status == "published"  # asked, not done
    auth.post(f"/listings/{challenge.id}/award", {"confirm": "1"})
    assert challenge.status == "awarded"
    assert two.status == "declined" and two.decline_reason == "selected_other"
    amounts = db.session.execute(db.select(Outcome.amount)).scalars().all()
    assert amounts == [380_000]
    # Awarding twice changes nothing and records nothing more.
    response = auth.post(f"/listings/{challenge.id}/award", follow_redirects=True)
    assert "不能定标" in response.get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count(Outcome.id))).scalar_one() == 1


def _duplicate_ids(html: str) -> set[str]:
    import re
    from collections import Counter

    counts = Counter(re.findall(r'\sid="([^"]+)"', html))
    return {name for name, n in counts.items() if n > 1}


def test_pages_have_no_duplicate_ids_and_no_inline_script_or_style(
    client, auth, owner, challenge, proposer, make_user
):
    member = proposer()
    proposal = _submit(challenge, member)
    db.session.commit()
    pages = {
        owner: [
            f"/proposals/{proposal.id}",
            f"/listings/{challenge.id}/proposals",
            f"/listings/{challenge.id}",
        ],
        member: [
            f"/proposals/{proposal.id}",
            "/proposals/mine",
            f"/listings/{challenge.id}",
            f"/listings/{challenge.id}/terms",
        ],
        make_user(role="organizer"): ["/proposals/progress", "/proposals/overdue"],
    }
    for user, paths in pages.items():
        auth.login(user)
        for path in paths:
            response = client.get(path)
            html = response.get_data(as_text=True)
            assert response.status_code == 200, path
            assert _duplicate_ids(html) == set(), path
            # Scripts only as files of our own (CSP script-src 'self'), never inline.
            inline = re.sub(r'<script src="/static/[\w/.-]+\.js" defer></script>', "", html)
            assert "<script" not in inline and 'style="' not in html, path
        auth.logout()
    auth.login(proposer())
    html = client.get(f"/listings/{challenge.id}/propose").get_data(as_text=True)
    assert _duplicate_ids(html) == set()
