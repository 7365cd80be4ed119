"""Login limits are kept in Redis when RATELIMIT_STORAGE_URI says so, so that every
gunicorn worker and instance counts the same attempts."""

import redis

from rongtong import create_app
from rongtong.extensions import db, limiter
from tests.conftest import TEST_CONFIG, csrf_token

REDIS_URL = "redis://127.0.0.1:6379/15"


def test_login_limit_shared_through_redis(app, make_user):
    user = make_user()  # failed attempts are counted by the email given, known or not
    store = redis.Redis.from_url(REDIS_URL)
    store.flushdb()
    config = {
        **TEST_CONFIG,
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "RATELIMIT_STORAGE_URI": REDIS_URL,
    }
    # Two apps stand for two workers: attempts on one count against the other.
    workers = [create_app(config), create_app(config)]
    try:
        statuses = []
        for i in range(6):
            client = workers[i % 2].test_client()
            response = client.post(
                "/login",
                data={"email": user.email, "password": "wrong", "csrf_token": csrf_token(client)},
            )
            statuses.append(response.status_code)
        assert statuses == [200] * 5 + [429]
        assert any(b"login-account" in key for key in store.keys("*"))
    finally:
        store.flushdb()
        for worker in workers:
            with worker.app_context():
                db.engine.dispose()
        limiter.init_app(app)  # the shared extension goes back to the test app's storage


def test_behind_a_proxy_the_client_address_counts(app, tmp_path):
    config = {
        **TEST_CONFIG,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db",
        "PROXY_FIX_X_FOR": 1,
    }
    proxied = create_app(config)

    @proxied.get("/whoami")
    def whoami():
        from flask import request

        return request.remote_addr

    response = proxied.test_client().get("/whoami", headers={"X-Forwarded-For": "203.0.113.7"})
    assert response.get_data(as_text=True) == "203.0.113.7"
    limiter.init_app(app)
