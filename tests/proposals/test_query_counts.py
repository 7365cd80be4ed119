"""Confidential details in a list: terms read once per request, views written in one batch."""

from sqlalchemy import event

from rongtong.extensions import db
from rongtong.listings.models import ConfidentialView
from rongtong.proposals import services

from .conftest import API


def _count(client, path, headers) -> int:
    statements: list[str] = []

    def listener(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    db.session.expunge_all()
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        response = client.get(path, headers=headers)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    return len(statements)


def test_a_page_of_challenges_costs_the_same_for_5_and_25(
    client, api_token, make_listing, proposer, make_user
):
    member, organizer = proposer(), make_user(role="organizer")
    headers = {"member": api_token(member), "organizer": api_token(organizer)}
    path = f"{API}/listings?per_page=25"

    member_id = member.id

    def add(n):
        user = db.session.get(type(member), member_id)
        for _ in range(n):
            services.accept_terms(user, make_listing())
        db.session.commit()

    counts = {}
    add(5)
    for who, h in headers.items():
        client.get(path, headers=h)  # warm-up
        counts[who] = [_count(client, path, h)]
    add(20)
    for who, h in headers.items():
        counts[who].append(_count(client, path, h))
    assert counts["member"][0] == counts["member"][1], counts
    assert counts["organizer"][0] == counts["organizer"][1], counts
    # Every showing was logged: the member saw 5 (warm-up), 5 and then 25 challenges' details.
    seen = db.session.execute(
        db.select(db.func.count(ConfidentialView.id)).where(ConfidentialView.user_id == member_id)
    ).scalar_one()
    assert seen == 5 + 5 + 25
