"""Second security round: identity of verified enterprises, sessions, tokens, lockout,
registration that reveals no account, production secrets and demo accounts."""

import pytest
from flask import Flask

from rongtong import create_app
from rongtong.accounts import services as accounts
from rongtong.accounts.models import ApiToken
from rongtong.extensions import db
from rongtong.mail.models import OutboxMail
from tests.conftest import PASSWORD, csrf_token, register_form_data


def _edit_data(client, enterprise, **changes) -> dict:
    data = {
        "name": enterprise.name,
        "credit_code": enterprise.credit_code,
        "kind": enterprise.kind.code,
        "tier": enterprise.tier.code if enterprise.tier else "",
        "district": enterprise.district.code,
        "chains": [c.code for c in enterprise.chains],
        "description": enterprise.description,
        "website": "",
        "contact_name": enterprise.contact_name,
        "contact_email": enterprise.contact_email,
        "contact_mobile": enterprise.contact_mobile,
        "csrf_token": csrf_token(client, f"/enterprises/{enterprise.id}/edit"),
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    "change",
    [{"name": "广州另一家企业有限公司"}, {"kind": "sme"}, {"tier": "little_giant"}],
    ids=["name", "kind", "tier"],
)
def test_identity_change_sends_a_verified_enterprise_back_to_review(
    client, auth, make_user, make_enterprise, change
):
    enterprise = make_enterprise(kind="large", tier=None)
    user = make_user(enterprise=enterprise)
    auth.login(user)
    response = client.post(
        f"/enterprises/{enterprise.id}/edit", data=_edit_data(client, enterprise, **change)
    )
    assert response.status_code == 302
    db.session.refresh(enterprise)
    assert enterprise.verified is False
    queue = client.get("/enterprises/review")  # members cannot see it; organizers can
    assert queue.status_code in (302, 403)


def test_profile_edit_without_identity_change_keeps_verification(client, auth, make_user):
    user = make_user()
    enterprise = user.enterprise
    auth.login(user)
    client.post(
        f"/enterprises/{enterprise.id}/edit",
        data=_edit_data(client, enterprise, description="新的简介，不涉及身份。"),
    )
    db.session.refresh(enterprise)
    assert enterprise.description == "新的简介，不涉及身份。"
    assert enterprise.verified is True


def test_large_firm_turned_sme_cannot_propose(
    client, auth, make_user, make_enterprise, make_listing
):
    from rongtong.proposals.services import eligibility_error

    firm = make_enterprise(kind="large", tier=None)
    user = make_user(enterprise=firm)
    auth.login(user)
    client.post(f"/enterprises/{firm.id}/edit", data=_edit_data(client, firm, kind="sme"))
    db.session.refresh(firm)
    assert firm.kind.code == "sme"
    # Any published challenge of another firm: the unverified "SME" may not take it up.
    listing = make_listing(kind="challenge")
    assert eligibility_error(user, listing).code == "not_verified"


def test_password_change_revokes_api_tokens(make_user):
    user = make_user()
    _, plain = accounts.create_api_token(user, "ci")
    assert accounts.user_for_api_token(plain) == user
    accounts.change_password(user, "a new long password")
    db.session.flush()
    assert accounts.user_for_api_token(plain) is None
    assert all(t.revoked_at is not None for t in db.session.scalars(db.select(ApiToken)))


def test_api_token_refused_after_password_reset(client, make_user):
    user = make_user()
    _, plain = accounts.create_api_token(user, "ci")
    token = accounts.password_reset_token(user)
    client.post(
        f"/reset-password/{token}",
        data={
            "password": "another long password",
            "confirm": "another long password",
            "csrf_token": csrf_token(client, "/forgot-password"),
        },
    )
    response = client.get("/api/v1/listings", headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 401


def test_session_cookie_saved_before_logout_is_dead_after_it(app, client, auth, make_user):
    user = make_user()
    auth.login(user)
    saved = client.get_cookie("session").value
    assert client.get("/account").status_code == 200
    auth.logout()
    replay = app.test_client()
    replay.set_cookie("session", saved, domain="localhost")
    response = replay.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_remember_me_lasts_at_most_30_days(app):
    assert app.config["REMEMBER_COOKIE_DURATION"] <= 30 * 24 * 3600


def test_guessing_from_one_address_does_not_lock_the_owner_out(app, make_user):
    user = make_user()
    attacker = app.test_client()
    for _ in range(6):
        status = attacker.post(
            "/login",
            data={"email": user.email, "password": "wrong", "csrf_token": csrf_token(attacker)},
            environ_base={"REMOTE_ADDR": "203.0.113.9"},
        ).status_code
    assert status == 429
    owner = app.test_client()
    response = owner.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(owner)},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert response.status_code == 302


def test_reset_requests_from_one_address_do_not_block_the_owner(app, make_user):
    user = make_user()
    attacker = app.test_client()
    statuses = [
        attacker.post(
            "/forgot-password",
            data={"email": user.email, "csrf_token": csrf_token(attacker, "/forgot-password")},
            environ_base={"REMOTE_ADDR": "203.0.113.9"},
        ).status_code
        for _ in range(4)
    ]
    assert statuses[-1] == 429
    owner = app.test_client()
    response = owner.post(
        "/forgot-password",
        data={"email": user.email, "csrf_token": csrf_token(owner, "/forgot-password")},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert response.status_code == 302


def test_registration_does_not_reveal_an_account_and_tells_its_owner(client, make_user):
    existing = make_user(email="owner@example.cn")
    response = client.post(
        "/register",
        data=register_form_data(client, email="OWNER@example.cn"),
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "已注册" not in html
    assert "请查收" in html
    mails = db.session.scalars(
        db.select(OutboxMail).where(OutboxMail.purpose == "registration_attempt")
    ).all()
    assert [m.recipient for m in mails] == [existing.email]


@pytest.mark.nodb
@pytest.mark.parametrize("key", ["change-me-to-64-random-characters", "short-key"])
def test_production_refuses_a_placeholder_secret_key(tmp_path, key):
    with pytest.raises(RuntimeError, match="RONGTONG_SECRET_KEY"):
        create_app(
            {
                "SECRET_KEY": key,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db",
                "DEVELOPMENT": False,
                "PUBLIC_URL": "https://rongtong.example.cn",
            }
        )


@pytest.mark.nodb
def test_production_starts_with_a_random_secret_key(tmp_path):
    app = create_app(
        {
            "SECRET_KEY": "Jd8s-2kq9Vx_fL0pQm4nR7tY1uW3zA5cE6gH",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db",
            "DEVELOPMENT": False,
            "PUBLIC_URL": "https://rongtong.example.cn",
        }
    )
    assert isinstance(app, Flask)


def test_seed_outside_development_creates_no_demo_account(app, tmp_path):
    from pathlib import Path

    from rongtong.accounts.models import User
    from rongtong.seeding import seed_all

    before = db.session.scalar(db.select(db.func.count(User.id)))
    app.config.update(TESTING=False, DEVELOPMENT=False)
    try:
        seed_all(Path(app.config["SEED_DATA_DIR"]))
    finally:
        app.config.update(TESTING=True)
    assert db.session.scalar(db.select(db.func.count(User.id))) == before


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("张三\r\nBcc: victim@example.cn", "不能换行"),
        ("发票\u202egpj.exe", "改变文字方向"),
        ("广州\x0b某公司", "控制字符"),
    ],
    ids=["crlf", "bidi", "control"],
)
def test_names_refuse_line_breaks_bidi_and_control_characters(
    client, auth, make_user, name, message
):
    user = make_user()
    enterprise = user.enterprise
    auth.login(user)
    response = client.post(
        f"/enterprises/{enterprise.id}/edit", data=_edit_data(client, enterprise, name=name)
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    db.session.refresh(enterprise)
    assert enterprise.name != name


def test_multiline_text_keeps_its_line_breaks(client, auth, make_user):
    user = make_user()
    enterprise = user.enterprise
    auth.login(user)
    client.post(
        f"/enterprises/{enterprise.id}/edit",
        data=_edit_data(client, enterprise, description="第一行\r\n第二行"),
    )
    db.session.refresh(enterprise)
    assert "第二行" in enterprise.description and enterprise.verified


def test_admin_outbox_redacts_signed_links_in_headers(client, auth, make_user):
    from rongtong.mail.services import queue_mail

    secret = "eyJ1IjoxMjN9.aBcDeF.0123456789abcdefXYZ_-"
    mail = queue_mail(
        key="t:unsub",
        purpose="digest",
        to="reader@example.cn",
        subject="摘要",
        text="正文",
        headers={"List-Unsubscribe": f"<https://x.example/unsubscribe/{secret}>"},
    )
    auth.login(make_user(role="admin"))
    page = client.get(f"/admin/outbox/{mail.id}").get_data(as_text=True)
    assert "List-Unsubscribe" in page
    assert secret not in page


def test_an_awarded_challenge_cannot_be_published_again(client, auth, make_user, make_listing):
    from rongtong.core.services import ServiceError
    from rongtong.listings import services as listing_services

    owner = make_user()
    listing = make_listing(kind="challenge", enterprise=owner.enterprise)
    listing_services.set_status(listing, "awarded")
    db.session.flush()
    with pytest.raises(ServiceError):
        listing_services.publish_listing(listing)
    auth.login(owner)
    client.post(f"/listings/{listing.id}/publish", data={"csrf_token": csrf_token(client, "/")})
    db.session.refresh(listing)
    assert listing.status == "awarded"
    for status in ("published", "draft", "closed"):
        with pytest.raises(ServiceError):
            listing_services.set_status(listing, status)


def test_any_form_refuses_an_integer_beyond_the_database_range(app):
    from werkzeug.datastructures import MultiDict

    from rongtong.events.forms import RequestForm

    with app.test_request_context(method="POST"):
        form = RequestForm(
            formdata=MultiDict({"recipient_id": "99999999999999999999"}), meta={"csrf": False}
        )
        assert form.validate() is False
        assert "数值超出允许范围。" in form.recipient_id.errors


def _production_app(tmp_path, **config):
    return create_app(
        {
            "SECRET_KEY": "Jd8s-2kq9Vx_fL0pQm4nR7tY1uW3zA5cE6gH",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db",
            "DEVELOPMENT": False,
            **config,
        }
    )


@pytest.mark.nodb
def test_production_refuses_to_start_without_public_url(tmp_path, monkeypatch):
    monkeypatch.delenv("RONGTONG_PUBLIC_URL", raising=False)
    with pytest.raises(RuntimeError, match="RONGTONG_PUBLIC_URL"):
        _production_app(tmp_path)


@pytest.mark.nodb
def test_production_answers_400_to_an_unknown_host(tmp_path):
    app = _production_app(tmp_path, PUBLIC_URL="https://rongtong.example.cn")
    client = app.test_client()
    assert client.get("/healthz", base_url="https://rongtong.example.cn").status_code == 200
    assert client.get("/healthz", base_url="https://evil.example").status_code == 400


@pytest.mark.nodb
def test_development_links_follow_the_recorded_public_url(tmp_path, monkeypatch):
    from rongtong.mail.services import external_url

    (tmp_path / "public_url").write_text("http://127.0.0.1:5600\n")  # as make run writes it
    monkeypatch.setenv("RONGTONG_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("RONGTONG_PUBLIC_URL", raising=False)
    dev = create_app(
        {
            "DEVELOPMENT": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/d.db",
            "SECRET_KEY": "x" * 48,
        }
    )
    assert dev.config["PUBLIC_URL"] == "http://127.0.0.1:5600"
    with dev.test_request_context("/", base_url="http://attacker.example"):
        assert external_url("main.home") == "http://127.0.0.1:5600/"
