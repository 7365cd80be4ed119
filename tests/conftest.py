"""Shared fixtures: one app and schema per run, each test in a rolled-back transaction.

The schema is built by the migrations, so every run also proves that they apply. Under
``CI=true`` the database is PostgreSQL when ``TEST_DATABASE_URL`` says so, and an
unreachable server fails the run rather than skipping it.
"""

import itertools
import os
import random
import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g, request_started
from flask_sqlalchemy.session import Session as FlaskSession

from rongtong import create_app
from rongtong.core.time import local_today
from rongtong.core.validators import CREDIT_CODE_ALPHABET, credit_code_check_char
from rongtong.extensions import db, limiter
from rongtong.listings import services as listing_services
from rongtong.matches import services as match_services

SEED_DIR = Path(__file__).resolve().parent.parent / "seed_data"
PASSWORD = "correct horse battery"
CSRF_RE = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")


def _reset_database(url: str) -> None:
    """Drop everything in the test database (PostgreSQL keeps it between runs)."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("DROP SCHEMA public CASCADE")
                conn.exec_driver_sql("CREATE SCHEMA public")
    except sa.exc.OperationalError as exc:
        pytest.exit(f"Test database {url} cannot be reached: {exc}", returncode=3)
    finally:
        engine.dispose()


TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "rongtong-tests-only-not-for-production-5f2c9a",
    "PASSWORD_ARGON2_TIME_COST": 1,
    "PASSWORD_ARGON2_MEMORY_COST": 64,
    "PASSWORD_ARGON2_PARALLELISM": 1,
    "RATELIMIT_STORAGE_URI": "memory://",
    "SERVER_NAME": "localhost",
    "MATCHER_RELOAD_SECONDS": 0,
    "MATCHER_LIVE_POLL_SECONDS": 0,
}


def _compile_translations() -> None:
    """What ``make`` does, for a bare ``pytest`` run: .po → .mo when the .mo is stale."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (SEED_DIR.parent / "rongtong" / "translations").glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as fh:
                catalog = read_po(fh)
            with mo.open("wb") as fh:
                write_mo(fh, catalog)


def _fresh_g(sender, **extra):
    """Requests reuse the test's app context; give each one a fresh ``g`` as in production."""
    g.__dict__.clear()


def _commit_setup(sender, **extra):
    """A request sees what was committed before it, as in production: the test's own setup is
    committed (into the outer transaction, still rolled back at the end), so that the
    request's rollback at the edge undoes only the request's own changes."""
    db.session.commit()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    _compile_translations()
    url = _database_url(tmp_path_factory)
    _reset_database(url)
    instance = tmp_path_factory.mktemp("instance")
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    app.instance_path = str(instance)
    request_started.connect(_fresh_g, app)
    request_started.connect(_commit_setup, app)
    with app.app_context():
        from flask_migrate import upgrade

        from rongtong.seeding import seed_taxonomies

        upgrade()
        seed_taxonomies(SEED_DIR)
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


class _BoundSession(FlaskSession):
    """Uses the test's connection for every query, so that all of it rolls back."""

    def get_bind(self, *args, **kwargs):
        return self.bind


@pytest.fixture(autouse=True)
def db_session(request, app):
    """Each test runs inside one outer transaction that is rolled back at the end."""
    if "nodb" in request.keywords:
        yield None
        return
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {
                "class_": _BoundSession,
                "bind": connection,
                "join_transaction_mode": "create_savepoint",
            }
        )
        limiter.reset()
        # A matcher index built in a test belongs to its rolled-back transaction.
        match_services._cache.clear()
        listing_services.forget_common_terms()
        try:
            yield db.session
        finally:
            match_services._cache.clear()
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token of the client's session, read from a page as a browser would."""
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def register_form_data(client, **overrides) -> dict:
    """A valid registration form (a new enterprise), with ``overrides``."""
    data = {
        "csrf_token": csrf_token(client, "/register"),
        "email": "new@example.cn",
        "name": "王工",
        "password": "a-long-password",
        "confirm": "a-long-password",
        "enterprise_name": "广州市测试精工科技有限公司",
        "credit_code": valid_credit_code(),
        "kind": "sme",
        "district": "tianhe",
    }
    data.update(overrides)
    return data


class Auth:
    """Log a test client in and out through the real form."""

    def __init__(self, client):
        self.client = client

    def login(self, user_or_email, password: str = PASSWORD):
        email = getattr(user_or_email, "email", user_or_email)
        token = csrf_token(self.client)
        response = self.client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    def logout(self):
        return self.client.post("/logout", data={"csrf_token": csrf_token(self.client, "/")})

    def post(self, path: str, data: dict | None = None, **kwargs):
        """POST a form with the session's CSRF token."""
        data = dict(data or {})
        data.setdefault("csrf_token", csrf_token(self.client, "/"))
        return self.client.post(path, data=data, **kwargs)


@pytest.fixture
def auth(client):
    return Auth(client)


_counter = itertools.count(1)


def valid_credit_code(rng: random.Random | None = None) -> str:
    rng = rng or random.Random()
    body = "91440101" + "".join(rng.choice(CREDIT_CODE_ALPHABET) for _ in range(9))
    return body + credit_code_check_char(body)


def _term(model, code):
    return db.session.execute(sa.select(model).where(model.code == code)).scalar_one()


@pytest.fixture
def make_enterprise():
    from rongtong.enterprises.services import apply_profile, chains_by_codes
    from rongtong.taxonomy.models import District, EnterpriseKind, Tier

    def make(**overrides):
        n = next(_counter)
        verified = overrides.pop("verified", True)
        data = {
            "name": overrides.pop("name", f"测试企业{n}号科技有限公司"),
            "credit_code": overrides.pop("credit_code", valid_credit_code()),
            "kind": _term(EnterpriseKind, overrides.pop("kind", "sme")),
            "tier": (_term(Tier, t) if (t := overrides.pop("tier", "innovative")) else None),
            "district": _term(District, overrides.pop("district", "huangpu")),
            "chains": chains_by_codes(overrides.pop("chains", ["robotics"])),
            "description": overrides.pop("description", "测试用企业。"),
            "contact_name": "测试联系人",
            "contact_email": f"contact{n}@example.cn",
            "contact_mobile": "13800138000",
        }
        data.update(overrides)
        from rongtong.enterprises.models import Enterprise

        enterprise = apply_profile(Enterprise(), data)
        if verified:
            from rongtong.core.time import utcnow

            enterprise.verified_at = utcnow()
        db.session.flush()
        return enterprise

    return make


@pytest.fixture
def make_user(make_enterprise):
    from rongtong.accounts.services import create_user

    def make(role: str = "member", enterprise=..., password: str = PASSWORD, **overrides):
        n = next(_counter)
        if enterprise is ...:
            enterprise = make_enterprise() if role == "member" else None
        return create_user(
            overrides.pop("email", f"user{n}@example.cn"),
            password,
            role=role,
            enterprise=enterprise,
            name=overrides.pop("name", f"用户{n}"),
            **overrides,
        )

    return make


@pytest.fixture
def make_listing(make_enterprise):
    from rongtong.listings.models import Listing
    from rongtong.listings.services import apply_listing
    from rongtong.taxonomy.models import Category, Chain

    def make(**overrides):
        n = next(_counter)
        kind = overrides.pop("kind", "challenge")
        status = overrides.pop("status", "published")
        data = {
            "kind": kind,
            "enterprise": overrides.pop("enterprise", None) or make_enterprise(),
            "category": _term(Category, overrides.pop("category", "rnd")),
            "chain": _term(Chain, overrides.pop("chain", "robotics")),
            "title": overrides.pop("title", f"测试条目{n}：激光焊接工艺优化"),
            "summary": overrides.pop("summary", "寻求电池托盘激光焊接变形控制方案。"),
            "description": overrides.pop("description", "铝合金电池托盘焊接后平面度要求 ≤0.5mm。"),
            "confidential": overrides.pop("confidential", "内部目标：年产 20 万件。"),
            "keywords": overrides.pop("keywords", ["激光焊接", "电池托盘"]),
            "deadline": overrides.pop("deadline", local_today() + timedelta(days=90)),
        }
        if kind == "challenge":
            data["budget_min"] = overrides.pop("budget_min", 100_000)
            data["budget_max"] = overrides.pop("budget_max", 500_000)
        data.update(overrides)
        listing = apply_listing(Listing(), data)
        listing.status = status
        db.session.flush()
        return listing

    return make


@pytest.fixture
def api_token():
    from rongtong.accounts.services import create_api_token

    def make(user) -> dict:
        _token, plain = create_api_token(user, "test")
        db.session.flush()
        return {"Authorization": f"Bearer {plain}"}

    return make
