"""Concurrent writers on one SQLite file: they wait for the write lock, none fails."""

import threading
from collections import Counter

import pytest

from rongtong.extensions import db
from rongtong.listings.models import Listing
from tests.api.test_listings_api import new_listing
from tests.mail.support import dispose, migrated_app

pytestmark = pytest.mark.nodb

WRITERS = 8
PER_WRITER = 6


@pytest.fixture
def shared_app(tmp_path, make_user, api_token):
    """A migrated SQLite file and one API token per writer, committed."""
    app = migrated_app(tmp_path / "writers.db")
    with app.app_context():
        headers = [api_token(make_user()) for _ in range(WRITERS)]
        db.session.commit()
        db.session.remove()
    yield app, headers
    dispose(app)


def _hammer(app, headers) -> tuple[Counter, int]:
    """Every writer posts listings while a reader browses; (outcomes, listings stored)."""
    outcomes: Counter = Counter()
    lock = threading.Lock()
    start = threading.Barrier(WRITERS + 1)

    def record(outcome):
        with lock:
            outcomes[outcome] += 1

    def write(auth):
        client = app.test_client()
        start.wait()
        for _ in range(PER_WRITER):
            try:
                with app.app_context():  # the listing's deadline is a Shanghai date
                    body = new_listing()
                response = client.post("/api/v1/listings", json=body, headers=auth)
                record(response.status_code)
            except Exception as exc:  # TESTING propagates what production answers with 500
                record(type(exc).__name__)

    def read():
        client = app.test_client()
        start.wait()
        for _ in range(PER_WRITER * 2):
            record(f"GET {client.get('/api/v1/listings', headers=headers[0]).status_code}")

    threads = [threading.Thread(target=write, args=(h,)) for h in headers]
    threads.append(threading.Thread(target=read))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with app.app_context():
        stored = db.session.execute(db.select(db.func.count(Listing.id))).scalar_one()
        db.session.remove()
    return outcomes, stored


def test_concurrent_api_writers_all_succeed(shared_app):
    app, headers = shared_app
    outcomes, stored = _hammer(app, headers)
    assert outcomes == {201: WRITERS * PER_WRITER, "GET 200": PER_WRITER * 2}
    assert stored == WRITERS * PER_WRITER  # every acknowledged write is there


def test_the_same_writers_fail_with_deferred_transactions(shared_app, monkeypatch):
    """The load above is a real contest: with the old deferred BEGIN some writers fail."""
    app, headers = shared_app
    monkeypatch.setattr("rongtong.unit_of_work_writes", lambda: False)
    outcomes, stored = _hammer(app, headers)
    failed = WRITERS * PER_WRITER - outcomes[201]
    assert failed > 0, outcomes
    assert stored == outcomes[201]


def test_reads_begin_deferred_and_writes_immediate(app):
    from rongtong import unit_of_work_writes

    with app.test_request_context("/", method="GET"):
        assert not unit_of_work_writes()
    for method in ("POST", "PATCH", "PUT", "DELETE"):
        with app.test_request_context("/", method=method):
            assert unit_of_work_writes()
    with app.app_context():  # a job or a CLI command
        assert unit_of_work_writes()


def test_a_logins_password_check_holds_no_write_lock(tmp_path, make_user, monkeypatch):
    """Argon2 takes ~0.1 s: a login reads first, so other writers do not queue behind it."""
    import sqlite3

    from rongtong.accounts import services as account_services
    from tests.conftest import PASSWORD, csrf_token

    path = tmp_path / "login.db"
    app = migrated_app(path)
    with app.app_context():
        user = make_user()
        email = user.email
        db.session.commit()
        db.session.remove()
    seen = []
    real_check = account_services.check_password

    def probe(user, password):
        other = sqlite3.connect(path, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")  # free only if the login holds no write lock
            other.rollback()
            seen.append("free")
        except sqlite3.OperationalError:
            seen.append("locked")
        finally:
            other.close()
        return real_check(user, password)

    monkeypatch.setattr(account_services, "check_password", probe)
    client = app.test_client()
    response = client.post(
        "/login",
        data={"csrf_token": csrf_token(client), "email": email, "password": PASSWORD},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert seen == ["free"]
    with app.app_context():
        assert (
            db.session.execute(
                db.select(db.func.count()).where(
                    account_services.User.email == email,
                    account_services.User.last_login_at.isnot(None),
                )
            ).scalar_one()
            == 1
        )  # the login is recorded, after the check
        db.session.remove()
    dispose(app)
