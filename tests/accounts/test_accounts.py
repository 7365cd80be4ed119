import re

from flask import Flask

from rongtong.accounts.models import ApiToken, User
from rongtong.accounts.services import check_password, user_for_api_token
from rongtong.config import DefaultConfig
from rongtong.enterprises.models import Enterprise
from rongtong.extensions import db
from tests.conftest import PASSWORD, csrf_token, register_form_data, valid_credit_code


def _count(model) -> int:
    return db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one()


def test_register_creates_unverified_enterprise_and_logs_in(client):
    response = client.post("/register", data=register_form_data(client))
    assert response.status_code == 302
    user = db.session.execute(db.select(User).filter_by(email="new@example.cn")).scalar_one()
    assert user.role == "member"
    assert user.enterprise.name == "广州市测试精工科技有限公司"
    assert not user.enterprise.verified
    assert user.password_hash.startswith("$argon2id$")
    assert client.get("/account").status_code == 200


def test_register_full_width_credit_code_is_normalised(client):
    code = valid_credit_code()
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)
    response = client.post("/register", data=register_form_data(client, credit_code=full_width))
    assert response.status_code == 302
    assert db.session.execute(db.select(Enterprise).filter_by(credit_code=code)).scalar_one()


def test_register_rejects_bad_input_per_field_and_writes_nothing(client):
    users, enterprises = _count(User), _count(Enterprise)
    data = register_form_data(
        client,
        email="not-an-email",
        credit_code="91440300708461136A",
        kind="spaceship",
        password="short",
        confirm="other",
        enterprise_name="",
    )
    response = client.post("/register", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "邮箱格式不正确" in html
    assert "校验位错误：第 18 位应为 T" in html
    assert "请选择列表中的一项" in html
    assert "密码长度应为 10–128 位" in html
    assert "请填写单位名称" in html
    assert (_count(User), _count(Enterprise)) == (users, enterprises)


def test_register_refuses_duplicate_email_and_credit_code(client, make_user):
    existing = make_user(email="taken@example.cn")
    response = client.post("/register", data=register_form_data(client, email="TAKEN@example.cn"))
    # Registration reveals no account: the same "check your mail" answer, and no new user.
    assert response.status_code == 302
    assert _count(User) == 1
    response = client.post(
        "/register", data=register_form_data(client, credit_code=existing.enterprise.credit_code)
    )
    assert "该统一社会信用代码已注册" in response.get_data(as_text=True)


def test_oversize_fields_are_refused(client):
    response = client.post("/register", data=register_form_data(client, enterprise_name="企" * 121))
    assert response.status_code == 200
    assert "不能超过 120 个字符" in response.get_data(as_text=True)
    assert _count(Enterprise) == 0


def test_login_logout_and_wrong_password(client, auth, make_user):
    user = make_user()
    bad = client.post(
        "/login",
        data={"email": user.email, "password": "wrong", "csrf_token": csrf_token(client)},
    )
    assert bad.status_code == 200
    assert "邮箱或密码不正确" in bad.get_data(as_text=True)
    auth.login(user)
    assert client.get("/account").status_code == 200
    auth.logout()
    assert client.get("/account").status_code == 302


def test_login_email_is_case_insensitive(auth, make_user):
    user = make_user(email="mixed@example.cn")
    auth.login("MIXED@Example.cn")
    assert user.last_login_at is not None


def test_next_redirect_stays_on_site(client, make_user):
    user = make_user()
    for target, expected in [
        ("/listings/mine", "/listings/mine"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
    ]:
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
        response = client.post(
            f"/login?next={target}",
            data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)},
        )
        assert response.status_code == 302
        location = response.headers["Location"]
        assert location.endswith(expected) and "evil" not in location


def test_login_is_rate_limited_per_account(client, make_user):
    user = make_user()
    statuses = []
    for _ in range(6):
        response = client.post(
            "/login",
            data={"email": user.email, "password": "wrong", "csrf_token": csrf_token(client)},
        )
        statuses.append(response.status_code)
    assert statuses[:5] == [200] * 5
    assert statuses[5] == 429


def test_login_is_rate_limited_per_ip(client, make_user):
    statuses = []
    for i in range(21):
        response = client.post(
            "/login",
            data={
                "email": f"nobody{i}@example.cn",
                "password": "x",
                "csrf_token": csrf_token(client),
            },
        )
        statuses.append(response.status_code)
    assert statuses[-1] == 429
    assert set(statuses[:20]) == {200}


def test_change_password_ends_other_sessions(app, auth, make_user):
    user = make_user()
    other = app.test_client()
    from tests.conftest import Auth

    Auth(other).login(user)
    auth.login(user)
    response = auth.post(
        "/account",
        {
            "pw-current": PASSWORD,
            "pw-password": "a-brand-new-password",
            "pw-confirm": "a-brand-new-password",
            "pw-submit": "1",
        },
    )
    assert response.status_code == 302
    assert check_password(user, "a-brand-new-password")
    assert auth.client.get("/account").status_code == 200
    assert other.get("/account").status_code == 302  # the other session ended


def test_change_password_requires_current(auth, make_user):
    user = make_user()
    auth.login(user)
    response = auth.post(
        "/account",
        {"pw-current": "wrong", "pw-password": "x" * 12, "pw-confirm": "x" * 12, "pw-submit": "1"},
    )
    assert "当前密码不正确" in response.get_data(as_text=True)
    assert check_password(user, PASSWORD)


def test_api_token_created_once_stored_hashed_and_revocable(auth, make_user):
    user = make_user()
    auth.login(user)
    response = auth.post("/account", {"tok-name": "ERP 同步", "tok-submit": "1"})
    plain = re.search(r"(rt_[A-Za-z0-9_\-]+)", response.get_data(as_text=True)).group(1)
    token = db.session.execute(db.select(ApiToken).filter_by(user_id=user.id)).scalar_one()
    assert plain not in token.token_hash and len(token.token_hash) == 64
    assert user_for_api_token(plain) == user
    assert plain not in auth.client.get("/account").get_data(as_text=True)
    auth.post(f"/account/tokens/{token.id}/revoke")
    assert user_for_api_token(plain) is None


def test_cannot_revoke_someone_elses_token(auth, make_user, api_token):
    owner, intruder = make_user(), make_user()
    api_token(owner)
    token = db.session.execute(db.select(ApiToken).filter_by(user_id=owner.id)).scalar_one()
    auth.login(intruder)
    assert auth.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert token.revoked_at is None


def test_csrf_is_refused(client, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "安全令牌" in response.get_data(as_text=True)


def test_default_password_hash_meets_owasp_floor():
    # OWASP: argon2id with m ≥ 19 MiB, t ≥ 2, p ≥ 1.
    assert DefaultConfig.PASSWORD_ARGON2_MEMORY_COST >= 19 * 1024
    assert DefaultConfig.PASSWORD_ARGON2_TIME_COST >= 2
    assert DefaultConfig.PASSWORD_ARGON2_PARALLELISM >= 1


def test_session_cookie_flags_in_production(tmp_path):
    from rongtong import create_app

    app = create_app(
        {
            "SECRET_KEY": "x" * 48,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
            "DEVELOPMENT": False,
            "PUBLIC_URL": "https://rongtong.example.cn",  # whatever the environment says
        }
    )
    assert isinstance(app, Flask)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_cli_create_user_and_token(runner, make_enterprise):
    enterprise = make_enterprise()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "cli@example.cn",
            "--role",
            "organizer",
            "--password",
            "cli-password-123",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.execute(db.select(User).filter_by(email="cli@example.cn")).scalar_one()
    assert user.role == "organizer"
    result = runner.invoke(args=["users", "token", "cli@example.cn"])
    assert result.exit_code == 0
    assert user_for_api_token(result.output.strip()) == user
    result = runner.invoke(
        args=[
            "users",
            "create",
            "m@example.cn",
            "--enterprise",
            enterprise.credit_code,
            "--password",
            "cli-password-123",
        ]
    )
    assert result.exit_code == 0, result.output
    bad = runner.invoke(args=["users", "create", "cli@example.cn", "--password", "x" * 12])
    assert bad.exit_code != 0 and "already registered" in bad.output
