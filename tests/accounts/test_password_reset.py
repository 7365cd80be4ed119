"""Forgot password: a neutral answer; a mailed link bound to its purpose, for 1 h and one use."""

import re

import pytest
from flask import current_app
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from rongtong.accounts import services
from rongtong.digests.services import unsubscribe_token
from rongtong.extensions import db
from rongtong.mail.models import OutboxMail
from tests.conftest import PASSWORD, Auth, csrf_token

NEW_PASSWORD = "a brand new passphrase"
LINK_RE = re.compile(r"https?://\S+/reset-password/([\w.-]+)")
NEUTRAL = "如果该邮箱已注册，重置密码的链接已发往该邮箱，请查收。"


def _reset_mails() -> list[OutboxMail]:
    return list(
        db.session.execute(
            db.select(OutboxMail).where(OutboxMail.purpose == "password_reset")
        ).scalars()
    )


def _ask(client, email: str):
    return client.post(
        "/forgot-password",
        data={"email": email, "csrf_token": csrf_token(client, "/forgot-password")},
    )


def _token_from(mail: OutboxMail) -> str:
    match = LINK_RE.search(mail.text_body)
    assert match, mail.text_body
    assert f'href="{match.group(0)}"' in mail.html_body
    return match.group(1)


def _reset(client, token: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    return client.post(
        f"/reset-password/{token}",
        data={
            "password": password,
            "confirm": password if confirm is None else confirm,
            "csrf_token": csrf_token(client, "/forgot-password"),
        },
    )


def _login_status(app, email: str, password: str) -> int:
    client = app.test_client()
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_token(client)}
    ).status_code


def _token_made_ago(monkeypatch, user, seconds: int) -> str:
    real = TimestampSigner.get_timestamp
    with monkeypatch.context() as m:
        m.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) - seconds)
        return services.password_reset_token(user)


def test_login_page_links_to_forgot_password(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'href="/forgot-password"' in html and "忘记密码？" in html
    page = client.get("/forgot-password").get_data(as_text=True)
    assert '<label for="email">邮箱</label>' in page and 'name="csrf_token"' in page


def test_request_queues_one_mail_with_a_link(client, make_user):
    user = make_user(email="forgot@example.cn", name="李工")
    response = _ask(client, "Forgot@Example.cn")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert NEUTRAL in client.get("/login").get_data(as_text=True)
    [mail] = _reset_mails()
    assert mail.recipient == "forgot@example.cn" and mail.user_id == user.id
    assert mail.subject == "重置您在融通平台的密码"
    assert "李工" in mail.text_body and "60 分钟" in mail.text_body
    assert mail.text_body.count("/reset-password/") == 1
    assert services.user_for_password_reset_token(_token_from(mail)) is user


def test_mail_is_in_the_recipients_language(client, make_user):
    make_user(email="english@example.cn", locale="en")
    _ask(client, "english@example.cn")
    [mail] = _reset_mails()
    assert mail.subject == "Reset your Rongtong password"
    assert "The link is valid for 60 minutes and works only once." in mail.text_body
    assert '<html lang="en">' in mail.html_body
    # The page itself stays in the asker's language.
    assert NEUTRAL in client.get("/login").get_data(as_text=True)


def test_unknown_or_inactive_address_gets_the_same_answer_and_no_mail(client, make_user):
    make_user(email="known@example.cn")
    make_user(email="gone@example.cn").active = False
    known = _ask(client, "known@example.cn")
    known_page = client.get("/login").get_data(as_text=True)
    db.session.execute(db.delete(OutboxMail))
    for email in ("nobody@example.cn", "gone@example.cn"):
        response = _ask(client, email)
        assert response.status_code == known.status_code
        assert response.headers["Location"] == known.headers["Location"]
        page = client.get("/login").get_data(as_text=True)
        assert NEUTRAL in page and NEUTRAL in known_page
    assert _reset_mails() == []


def test_bad_email_is_a_field_error(client):
    response = _ask(client, "not-an-email")
    assert response.status_code == 200
    assert "邮箱格式不正确" in response.get_data(as_text=True)
    assert _reset_mails() == []


def test_reset_with_the_link_sets_the_password_and_ends_sessions(app, client, make_user):
    user = make_user()
    elsewhere = app.test_client()
    Auth(elsewhere).login(user)
    _ask(client, user.email)
    token = _token_from(_reset_mails()[0])

    page = client.get(f"/reset-password/{token}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert user.email in html and 'name="confirm"' in html and 'name="csrf_token"' in html

    response = _reset(client, token)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert "密码已重置，请用新密码登录。" in client.get("/login").get_data(as_text=True)
    assert user.password_hash.startswith("$argon2id$")
    assert services.check_password(user, NEW_PASSWORD)
    assert _login_status(app, user.email, PASSWORD) == 200  # the old one no longer works
    assert _login_status(app, user.email, NEW_PASSWORD) == 302
    assert elsewhere.get("/account").status_code == 302  # the other session has ended


def test_reset_while_logged_in_logs_out(client, auth, make_user):
    user = make_user()
    auth.login(make_user())
    token = services.password_reset_token(user)
    assert client.get(f"/reset-password/{token}").status_code == 200
    assert _reset(client, token).status_code == 302
    assert client.get("/account").status_code == 302
    assert services.check_password(user, NEW_PASSWORD)


def test_token_works_only_once(client, make_user):
    user = make_user()
    token = services.password_reset_token(user)
    assert _reset(client, token).status_code == 302
    again = _reset(client, token, password="yet another passphrase")
    assert again.status_code == 400
    html = again.get_data(as_text=True)
    assert "重置密码的链接无效或已使用，请重新申请。" in html
    assert 'href="/forgot-password"' in html
    assert services.check_password(user, NEW_PASSWORD)
    assert client.get(f"/reset-password/{token}").status_code == 400


def test_a_password_change_voids_earlier_links(client, make_user):
    user = make_user()
    token = services.password_reset_token(user)
    services.change_password(user, "changed meanwhile 123")
    db.session.flush()
    assert client.get(f"/reset-password/{token}").status_code == 400


def test_expired_token_is_refused(client, make_user):
    user = make_user()
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE"]
    assert max_age == 3600
    with pytest.MonkeyPatch.context() as monkeypatch:
        fresh = _token_made_ago(monkeypatch, user, max_age - 60)
        stale = _token_made_ago(monkeypatch, user, max_age + 60)
    assert client.get(f"/reset-password/{fresh}").status_code == 200
    response = _reset(client, stale)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "重置密码的链接已过期，请重新申请。" in html and 'href="/forgot-password"' in html
    assert services.check_password(user, PASSWORD)


def test_tampered_token_is_refused(client, make_user):
    user = make_user()
    other = make_user()
    token = services.password_reset_token(user)
    payload, timestamp, signature = token.split(".")
    forged_payload = services.password_reset_token(other).split(".")[0]
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    for bad in (
        f"{payload}.{timestamp}.{flipped}",
        f"{forged_payload}.{timestamp}.{signature}",
        token[:-5],
        "not-a-token",
    ):
        response = _reset(client, bad)
        assert response.status_code == 400, bad
        assert "重置密码的链接无效或已使用" in response.get_data(as_text=True)
    assert services.check_password(user, PASSWORD)
    assert services.check_password(other, PASSWORD)


def test_token_of_another_purpose_is_refused(client, make_user):
    user = make_user()
    # A digest unsubscribe link of the same user, and the reset payload under another salt.
    unsubscribe = unsubscribe_token(user)
    other_salt = URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt="rongtong.digests.unsubscribe"
    ).dumps({"p": "password-reset", "u": user.id, "h": services._password_fingerprint(user)})
    for token in (unsubscribe, other_salt):
        assert _reset(client, token).status_code == 400
    assert services.check_password(user, PASSWORD)


def test_deactivated_account_cannot_reset(client, make_user):
    user = make_user()
    token = services.password_reset_token(user)
    user.active = False
    db.session.flush()
    assert _reset(client, token).status_code == 400
    assert services.check_password(user, PASSWORD)


def test_mismatched_confirmation_rerenders_and_changes_nothing(client, make_user):
    user = make_user()
    token = services.password_reset_token(user)
    response = _reset(client, token, confirm="something different")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<p class="error" id="confirm-error">两次输入的密码不一致。</p>' in html
    short = _reset(client, token, password="short")
    assert "密码长度应为 10–128 位" in short.get_data(as_text=True)
    assert services.check_password(user, PASSWORD)
    assert _reset(client, token).status_code == 302  # the link still works afterwards


def test_forms_need_a_csrf_token(client, make_user):
    user = make_user()
    token = services.password_reset_token(user)
    assert client.post("/forgot-password", data={"email": user.email}).status_code == 400
    data = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert client.post(f"/reset-password/{token}", data=data).status_code == 400
    assert _reset_mails() == []
    assert services.check_password(user, PASSWORD)


def test_requests_are_rate_limited_per_address(client, make_user):
    user = make_user()
    statuses = [_ask(client, user.email.upper()).status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 429]
    assert _ask(client, "someone-else@example.cn").status_code == 302


def test_requests_are_rate_limited_per_ip(client):
    statuses = [_ask(client, f"nobody{i}@example.cn").status_code for i in range(11)]
    assert statuses == [302] * 10 + [429]


def test_admins_reading_the_outbox_do_not_see_the_link(app, client, auth, make_user):
    make_user(email="private@example.cn")
    _ask(client, "private@example.cn")
    [mail] = _reset_mails()
    token = _token_from(mail)
    auth.login(make_user(role="admin"))

    pages = [
        auth.client.get(f"/admin/outbox/{mail.id}"),
        auth.client.get(f"/admin/outbox/{mail.id}/html"),
    ]

    for page in pages:
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "/reset-password/" in html
        assert token not in html and token.split(".")[-1] not in html
