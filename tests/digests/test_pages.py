"""Unsubscribe links (signed, purpose-bound, expiring), preferences, the admin outbox, the CLI."""

import time
from datetime import date
from pathlib import Path

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from rongtong.digests import services
from rongtong.digests.models import DigestPreference
from rongtong.extensions import db
from rongtong.mail.models import OutboxMail
from rongtong.mail.services import queue_mail
from rongtong.matches.models import MatchJudgement
from rongtong.matches.services import mark_not_relevant
from tests.conftest import CSRF_RE, csrf_token

WEEK = services.period_for("weekly", date(2026, 11, 30))


def _frequency(user) -> str:
    row = db.session.execute(
        db.select(DigestPreference)
        .where(DigestPreference.user_id == user.id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    return row.frequency if row else "weekly"


def _url(token: str) -> str:
    return f"/digests/unsubscribe/{token}"


def test_get_shows_a_confirmation_and_post_unsubscribes(client, make_user):
    user = make_user()
    token = services.unsubscribe_token(user)
    page = client.get(_url(token))
    assert page.status_code == 200
    assert "确认退订" in page.get_data(as_text=True) and user.email in page.get_data(as_text=True)
    assert _frequency(user) == "weekly"  # a GET (a link scanner, a preview) changes nothing
    form_token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
    done = client.post(_url(token), data={"csrf_token": form_token})
    assert done.status_code == 200 and "已退订" in done.get_data(as_text=True)
    assert _frequency(user) == "off"


def test_rfc8058_one_click_post_works_without_a_csrf_token(client, make_user):
    user = make_user()
    response = client.post(
        _url(services.unsubscribe_token(user)),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert _frequency(user) == "off"
    again = client.post(_url(services.unsubscribe_token(user)), data="List-Unsubscribe=One-Click")
    assert again.status_code == 200  # idempotent


def test_tampered_token_is_refused(client, make_user):
    user, other = make_user(), make_user()
    token = services.unsubscribe_token(user)
    payload, stamp, signature = token.split(".")
    forged_payload = services.unsubscribe_token(other).split(".")[0]
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    for bad in (f"{forged_payload}.{stamp}.{signature}", f"{payload}.{stamp}.{flipped}", "x"):
        assert client.get(_url(bad)).status_code == 400
        response = client.post(_url(bad), data="List-Unsubscribe=One-Click")
        assert response.status_code == 400 and "无效" in response.get_data(as_text=True)
    assert _frequency(user) == _frequency(other) == "weekly"


def test_expired_token_is_refused(app, client, make_user, monkeypatch):
    user = make_user()
    max_age = app.config["DIGEST_UNSUBSCRIBE_MAX_AGE"]
    monkeypatch.setattr(
        TimestampSigner, "get_timestamp", lambda self: int(time.time()) - max_age - 60
    )
    old = services.unsubscribe_token(user)
    monkeypatch.undo()
    response = client.post(_url(old), data="List-Unsubscribe=One-Click")
    assert response.status_code == 400 and "过期" in response.get_data(as_text=True)
    assert _frequency(user) == "weekly"


def test_an_unsubscribe_token_is_no_other_token_and_no_other_token_unsubscribes(
    app, client, auth, make_user
):
    user = make_user()
    token = services.unsubscribe_token(user)
    # Not a session cookie.
    client.set_cookie("session", token, domain="localhost")
    assert client.get("/digests/preferences").status_code == 302
    # Not a CSRF token.
    auth.login(user)
    response = client.post("/digests/preferences", data={"csrf_token": token, "frequency": "off"})
    assert response.status_code == 400 and _frequency(user) == "weekly"
    # Not an API token.
    api = client.get("/api/v1/listings", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401
    # Same secret, other purposes: the CSRF token, a token of another salt, another payload.
    csrf = csrf_token(client, "/digests/preferences")
    other_salt = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="rongtong.other").dumps(
        {"p": services.UNSUBSCRIBE_PURPOSE, "u": user.id}
    )
    other_purpose = URLSafeTimedSerializer(
        app.config["SECRET_KEY"], salt=services.UNSUBSCRIBE_SALT
    ).dumps({"p": "preferences", "u": user.id})
    for foreign in (csrf, other_salt, other_purpose):
        assert client.post(_url(foreign), data="List-Unsubscribe=One-Click").status_code == 400
    assert _frequency(user) == "weekly"


def test_csrf_is_exempt_only_on_the_unsubscribe_route(client, auth, make_user):
    user = make_user()
    auth.login(user)
    assert client.post("/digests/preferences", data={"frequency": "off"}).status_code == 400
    assert client.post("/digests/preferences/judgements/1/restore").status_code == 400
    assert _frequency(user) == "weekly"


def test_preferences_page_saves_frequency_chains_and_minimum_score(client, auth, make_user):
    user = make_user()
    auth.login(user)
    page = client.get("/digests/preferences")
    assert page.status_code == 200 and "关注的产业链" in page.get_data(as_text=True)
    response = auth.post(
        "/digests/preferences",
        {"frequency": "monthly", "chains": ["auto", "biomed"], "min_score": "35"},
    )
    assert response.status_code == 302
    row = services.preference_for(user)
    db.session.refresh(row)
    assert row.frequency == "monthly" and row.min_score == pytest.approx(0.35)
    assert sorted(c.code for c in row.chains) == ["auto", "biomed"]
    bad = auth.post("/digests/preferences", {"frequency": "daily", "min_score": "150"})
    assert bad.status_code == 200 and "0 到 100" in bad.get_data(as_text=True)


def test_preferences_list_and_restore_judgements_of_own_enterprise_only(
    client, auth, make_user, make_listing
):
    user, stranger = make_user(), make_user()
    own = make_listing(enterprise=user.enterprise)
    other = make_listing(kind="capability", title="焊接夹具设计服务")
    judgement = mark_not_relevant(own, other, user)
    auth.login(stranger)
    assert auth.post(f"/digests/preferences/judgements/{judgement.id}/restore").status_code == 404
    auth.logout()
    auth.login(user)
    assert "焊接夹具设计服务" in client.get("/digests/preferences").get_data(as_text=True)
    assert auth.post(f"/digests/preferences/judgements/{judgement.id}/restore").status_code == 302
    assert db.session.execute(db.select(MatchJudgement)).first() is None


def test_preferences_need_a_member(client, auth, make_user):
    assert client.get("/digests/preferences").status_code == 302
    auth.login(make_user(role="organizer"))
    assert client.get("/digests/preferences").status_code == 403


def test_admins_read_the_outbox_others_get_403(client, auth, make_user):
    mail = queue_mail(
        key="t:1",
        purpose="digest",
        to="reader@example.cn",
        subject="3 个新匹配",
        text="纯文本正文",
        html="<p class=x>HTML 正文</p>",
        headers={"List-Unsubscribe": "<https://x.example/u>"},
    )
    assert client.get("/admin/outbox/").status_code == 302
    for role in ("member", "organizer"):
        auth.login(make_user(role=role))
        assert client.get("/admin/outbox/").status_code == 403
        assert client.get(f"/admin/outbox/{mail.id}").status_code == 403
        assert client.get(f"/admin/outbox/{mail.id}/html").status_code == 403
        auth.logout()
    auth.login(make_user(role="admin"))
    listing = client.get("/admin/outbox/?status=queued&q=reader")
    assert listing.status_code == 200 and "3 个新匹配" in listing.get_data(as_text=True)
    detail = client.get(f"/admin/outbox/{mail.id}").get_data(as_text=True)
    assert "纯文本正文" in detail and "List-Unsubscribe" in detail
    assert "&lt;p class=x&gt;" in detail  # the HTML source, escaped
    part = client.get(f"/admin/outbox/{mail.id}/html")
    assert part.get_data(as_text=True) == "<p class=x>HTML 正文</p>"
    assert part.headers["Content-Security-Policy"].startswith("sandbox")


def test_admin_requeues_a_failed_mail(client, auth, make_user):
    mail = queue_mail(key="t:2", purpose="test", to="x@example.cn", subject="s", text="t")
    mail.status, mail.attempts, mail.last_error = "failed", 3, "550 no such user"
    db.session.flush()
    auth.login(make_user(role="admin"))
    assert auth.post(f"/admin/outbox/{mail.id}/retry").status_code == 302
    db.session.refresh(mail)
    assert mail.status == "queued" and mail.attempts == 0


def test_cli_preview_renders_without_queueing(runner, city):
    result = runner.invoke(args=["digest", "preview", city["maker"].email, "--period", "2026-W49"])
    assert result.exit_code == 0, result.output
    assert "Subject: 1 个新匹配：铝合金激光焊接工艺与变形控制" in result.output
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in result.output
    assert db.session.execute(db.select(OutboxMail)).first() is None
    nothing = runner.invoke(args=["digest", "preview", city["ferment"].email])
    assert "Nothing new" in nothing.output
    unknown = runner.invoke(args=["digest", "preview", "nobody@example.cn"])
    assert unknown.exit_code != 0


def test_cli_send_queues_and_writes_eml_files(app, runner, city):
    result = runner.invoke(args=["digest", "send", "--period", "2026-W49"])
    assert result.exit_code == 0, result.output
    assert "3 queued, 2 with nothing new" in result.output and "3 sent" in result.output
    files = list((Path(app.instance_path) / "outbox").glob("*.eml"))
    assert len(files) >= 3
    again = runner.invoke(args=["digest", "send", "--period", "2026-W49"])
    assert "0 queued" in again.output and "3 already queued" in again.output
    bad = runner.invoke(args=["digest", "send", "--period", "soon"])
    assert bad.exit_code == 2
