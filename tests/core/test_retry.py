"""The unit-of-work retry helper: conflicts run again once, mistakes are raised at once."""

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from rongtong.core.retry import is_retryable, run_with_retry
from rongtong.extensions import db
from rongtong.mail.models import OutboxMail
from rongtong.mail.services import queue_mail
from tests.mail.support import database_kinds, process_database  # noqa: F401 (fixture)


class _Orig(Exception):
    def __init__(self, sqlstate):
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _conflict(sqlstate="40001"):
    return OperationalError("UPDATE …", {}, _Orig(sqlstate))


def test_serialization_failures_and_deadlocks_are_retryable():
    assert is_retryable(_conflict("40001")) and is_retryable(_conflict("40P01"))
    assert not is_retryable(IntegrityError("INSERT …", {}, _Orig("23505")))
    assert not is_retryable(RuntimeError("40001"))


def test_a_conflict_runs_the_unit_again_once_from_a_clean_session():
    calls = []

    def unit():
        calls.append(len(calls))
        queue_mail(key=f"retry:{len(calls)}", purpose="t", to="a@example.cn", subject="s", text="t")
        if len(calls) == 1:
            db.session.flush()
            raise _conflict()
        return "done"

    assert run_with_retry(unit) == "done" and calls == [0, 1]
    keys = db.session.execute(db.select(OutboxMail.key)).scalars().all()
    assert keys == ["retry:2"]  # the first run's work was rolled back


def test_a_second_conflict_or_another_error_is_raised():
    def always():
        raise _conflict("40P01")

    with pytest.raises(OperationalError):
        run_with_retry(always)
    calls = []

    def mistake():
        calls.append(1)
        raise IntegrityError("INSERT …", {}, _Orig("23505"))

    with pytest.raises(IntegrityError):
        run_with_retry(mistake)
    assert calls == [1]


# --- The request edge: a conflict replays the whole request once (core/retry.py) -----------


@pytest.fixture
def probe_app(tmp_path):
    """A fresh app with a probe route (routes cannot be added to the shared test app)."""
    from rongtong import create_app
    from rongtong.extensions import csrf
    from tests.conftest import TEST_CONFIG

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"})
    app.instance_path = str(tmp_path)
    app.probe_calls = []
    app.probe_fail = {"times": 1, "error": lambda: _conflict("40P01")}

    def probe():
        from flask import request

        app.probe_calls.append(request.form.get("note") or request.get_json(silent=True))
        if len(app.probe_calls) <= app.probe_fail["times"]:
            raise app.probe_fail["error"]()
        return {"note": app.probe_calls[-1]}

    for path in ("/_probe", "/api/v1/_probe"):
        app.add_url_rule(path, path, csrf.exempt(probe), methods=["POST"])
    yield app
    with app.app_context():
        db.engine.dispose()


def test_a_request_aborted_by_a_deadlock_runs_again_on_the_same_body(probe_app):
    response = probe_app.test_client().post("/_probe", data={"note": "第一次填写的内容"})
    assert response.status_code == 200, response.data
    assert response.json == {"note": "第一次填写的内容"}
    assert probe_app.probe_calls == ["第一次填写的内容"] * 2  # the body was read twice


def test_a_second_conflict_answers_busy_with_a_retry_after(probe_app):
    probe_app.probe_fail["times"] = 5
    client = probe_app.test_client()
    page = client.post("/_probe", data={"note": "x"})
    assert page.status_code == 503 and page.headers["Retry-After"] == "1"
    assert "系统繁忙" in page.get_data(as_text=True)
    assert len(probe_app.probe_calls) == 2  # once, then once again; never more
    api = client.post("/api/v1/_probe", json={"a": 1})
    assert api.status_code == 503 and api.json["error"]["code"] == "busy"
    assert probe_app.probe_calls[2:] == [{"a": 1}, {"a": 1}]


def test_other_database_errors_are_not_replayed(probe_app):
    probe_app.probe_fail["error"] = lambda: OperationalError("SELECT", {}, _Orig("57014"))
    probe_app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: a 500 page
    response = probe_app.test_client().post("/_probe", data={"note": "x"})
    assert response.status_code == 500
    assert len(probe_app.probe_calls) == 1


def test_a_conflict_at_the_commit_itself_replays_the_request(probe_app):
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    probe_app.probe_fail["times"] = 0
    failures = []

    def conflict_once(session):
        if not failures:
            failures.append(1)
            raise _conflict("40001")

    event.listen(Session, "before_commit", conflict_once)
    try:
        response = probe_app.test_client().post("/_probe", data={"note": "提交时冲突"})
    finally:
        event.remove(Session, "before_commit", conflict_once)
    assert response.status_code == 200 and failures == [1]
    assert probe_app.probe_calls == ["提交时冲突"] * 2


def _serialization_probe(app):
    """A route whose first run PostgreSQL really aborts: another writer commits between its
    read and its write under SERIALIZABLE (SQLSTATE 40001), as two organizers might."""
    from sqlalchemy import text

    from rongtong.extensions import csrf

    app.probe_calls = []

    def probe():
        from flask import request

        app.probe_calls.append(request.form["note"])
        db.session.connection(execution_options={"isolation_level": "SERIALIZABLE"})
        n = db.session.execute(text("SELECT n FROM retry_probe WHERE id = 1")).scalar_one()
        if len(app.probe_calls) == 1:
            with db.engine.begin() as other:
                other.execute(text("UPDATE retry_probe SET n = n + 100 WHERE id = 1"))
        db.session.execute(text("UPDATE retry_probe SET n = :n WHERE id = 1"), {"n": n + 1})
        return {"n": n + 1}

    app.add_url_rule("/_probe", "probe", csrf.exempt(probe), methods=["POST"])


if "postgresql" in database_kinds():  # a real conflict needs PostgreSQL (CI runs it)

    @pytest.mark.nodb
    @pytest.mark.parametrize("process_database", ["postgresql"], indirect=True)
    def test_a_real_serialization_failure_on_postgresql_is_replayed_once(process_database):
        from sqlalchemy import text

        app, _url = process_database
        _serialization_probe(app)
        with app.app_context(), db.engine.begin() as conn:
            conn.execute(text("CREATE TABLE retry_probe (id int PRIMARY KEY, n int)"))
            conn.execute(text("INSERT INTO retry_probe VALUES (1, 0)"))
        response = app.test_client().post("/_probe", data={"note": "两位组织者同时修改"})
        assert response.status_code == 200, response.data
        assert app.probe_calls == ["两位组织者同时修改"] * 2
        with app.app_context():
            n = db.session.execute(text("SELECT n FROM retry_probe")).scalar_one()
            db.session.remove()
        assert response.json == {"n": 101} and n == 101  # the other write kept, ours once


def test_a_scheduled_job_aborted_by_a_conflict_runs_again_at_once(app, monkeypatch):
    from rongtong.scheduler import services as scheduler_services

    calls = []

    def job():
        calls.append(1)
        if len(calls) == 1:
            raise _conflict("40P01")

    monkeypatch.setattr(scheduler_services, "resolve", lambda func: job)
    scheduler_services.run_job(app, "test:job")
    assert calls == [1, 1]  # no failure noted, no retry an hour later: it ran again at once
