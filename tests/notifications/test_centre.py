"""The notification centre: notices written with the change, shown in the reader's
language, private to their person, marked read on the page and through the API."""

import pytest

from rongtong.extensions import db
from rongtong.mail.models import OutboxMail
from rongtong.notifications import services
from rongtong.notifications.models import Notification
from tests.conftest import csrf_token


def _notify(user, key="t:1", **kw):
    return services.notify(
        [user],
        kind="listing_taken_down",
        key=key,
        params={"title": "激光焊接需求", "reason": "信息不完整"},
        endpoint="notifications.index",
        **kw,
    )


def test_notify_writes_one_entry_and_one_mail_per_person_and_key(make_user):
    user = make_user()
    assert len(_notify(user)) == 1
    assert _notify(user) == []  # the same event again: nothing new
    notes = db.session.scalars(db.select(Notification)).all()
    assert [n.user_id for n in notes] == [user.id]
    mails = db.session.scalars(
        db.select(OutboxMail).where(OutboxMail.purpose == "notice_listing_taken_down")
    ).all()
    assert [m.recipient for m in mails] == [user.email]
    assert "激光焊接需求" in mails[0].subject and "信息不完整" in mails[0].text_body
    assert mails[0].text_body.count("http") >= 1


def test_mail_is_in_the_recipients_language(make_user):
    user = make_user(locale="en")
    _notify(user)
    mail = db.session.scalars(db.select(OutboxMail)).one()
    assert "was taken down" in mail.subject


def test_unknown_kind_is_a_programming_error(make_user):
    with pytest.raises(ValueError, match="unknown notice kind"):
        services.notify([make_user()], kind="nope", key="x")


def test_bell_counts_unread_and_the_centre_lists_them(client, auth, make_user):
    user = make_user()
    _notify(user, key="a")
    _notify(user, key="b", mail=False)
    auth.login(user)
    home = client.get("/").get_data(as_text=True)
    assert 'class="bell"' in home and ">2</span>" in home
    page = client.get("/notifications/").get_data(as_text=True)
    assert page.count("激光焊接需求") == 2 and "未读" in page


def test_reading_a_notice_marks_it_and_follows_its_link(client, auth, make_user):
    user = make_user()
    (note,) = _notify(user)
    auth.login(user)
    response = client.post(
        f"/notifications/{note.id}/read", data={"csrf_token": csrf_token(client, "/")}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/notifications/")
    db.session.refresh(note)
    assert note.read_at is not None
    assert services.unread_count(user) == 0


def test_another_persons_notice_is_not_found(client, auth, make_user):
    owner, other = make_user(), make_user()
    (note,) = _notify(owner)
    auth.login(other)
    response = client.post(
        f"/notifications/{note.id}/read", data={"csrf_token": csrf_token(client, "/")}
    )
    assert response.status_code == 404
    db.session.refresh(note)
    assert note.read_at is None


def test_read_all(client, auth, make_user):
    user = make_user()
    _notify(user, key="a")
    _notify(user, key="b")
    auth.login(user)
    client.post("/notifications/read-all", data={"csrf_token": csrf_token(client, "/")})
    assert services.unread_count(user) == 0


def test_api_lists_and_marks_read(client, make_user, api_token):
    user, other = make_user(), make_user()
    (note,) = _notify(user)
    _notify(other, key="o")
    headers = api_token(user)
    body = client.get("/api/v1/notifications", headers=headers).get_json()
    assert [i["id"] for i in body["items"]] == [note.id]
    assert body["unread"] == 1 and body["items"][0]["kind"] == "listing_taken_down"
    assert "激光焊接需求" in body["items"][0]["text"]
    english = client.get(
        "/api/v1/notifications", headers={**headers, "Accept-Language": "en"}
    ).get_json()
    assert "taken down" in english["items"][0]["text"]
    read = client.post(f"/api/v1/notifications/{note.id}/read", headers=headers)
    assert read.status_code == 200 and read.get_json()["read"] is True
    assert (
        client.get("/api/v1/notifications?unread=true", headers=headers).get_json()["items"] == []
    )
    foreign = client.post(f"/api/v1/notifications/{note.id}/read", headers=api_token(other))
    assert foreign.status_code == 404
    assert client.get("/api/v1/notifications").status_code == 401
