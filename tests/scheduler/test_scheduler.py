"""The scheduler: one list of jobs, each run in an app context with one commit, one process."""

import os
import signal
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from rongtong import create_app
from rongtong.extensions import db
from rongtong.listings.jobs import remind_deadlines
from rongtong.mail.models import OutboxMail
from rongtong.scheduler import services
from rongtong.scheduler.cli import build_scheduler
from rongtong.scheduler.models import SchedulerLease
from rongtong.scheduler.schedule import JOBS, TIMEZONE
from tests.conftest import TEST_CONFIG
from tests.mail.support import cli_process, dispose, flask_process, migrated_app, wait_for


def test_one_list_of_jobs_with_fixed_ids_and_the_required_settings(app):
    ids = [j.id for j in JOBS]
    assert len(ids) == len(set(ids))
    assert {
        "digests.weekly",
        "digests.monthly",
        "mail.send_outbox",
        "listings.expire",
        "listings.deadline_reminders",
        "matches.rebuild_index",
    } <= set(ids)
    for definition in JOBS:
        assert callable(services.resolve(definition.func)), definition.func
    scheduler = build_scheduler(app)
    assert str(scheduler.timezone) == TIMEZONE == "Asia/Shanghai"
    pending = scheduler._pending_jobs  # (job, jobstore, replace_existing) before start()
    assert [job.id for job, _store, _replace in pending] == ids
    for job, _store, replace_existing in pending:
        assert replace_existing is True
        assert str(job.trigger.timezone) == "Asia/Shanghai"
        assert job.coalesce is True and job.max_instances == 1
        assert job.misfire_grace_time >= 3600 and job.misfire_grace_time % 3600 == 0
    weekly = next(job for job, *_ in pending if job.id == "digests.weekly")
    from datetime import datetime
    from zoneinfo import ZoneInfo

    first = weekly.trigger.get_next_fire_time(
        None, datetime(2026, 11, 25, 12, 0, tzinfo=ZoneInfo(TIMEZONE))
    )
    assert (first.weekday(), first.hour, str(first.tzinfo)) == (0, 8, "Asia/Shanghai")


def test_a_lease_is_held_by_one_holder_until_it_lapses(app):
    assert services.acquire_lease("a", 60)
    assert not services.acquire_lease("b", 60)
    assert services.renew_lease("a", 60) and not services.renew_lease("b", 60)
    lease = services.current_lease()
    lease.expires_at = lease.expires_at - timedelta(seconds=120)
    db.session.flush()
    assert services.acquire_lease("b", 60)  # lapsed: taken over
    assert not services.renew_lease("a", 60)  # and the old holder knows it
    services.release_lease("a")  # not a's to release
    assert services.current_lease().holder == "b"
    services.release_lease("b")
    assert services.current_lease() is None


def test_web_workers_never_start_a_scheduler():
    before = {t.ident for t in threading.enumerate()}
    web = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    web.test_client().get("/healthz")
    started = [t.name for t in threading.enumerate() if t.ident not in before]
    assert started == []


def test_deadline_reminders_are_queued_once_per_reminder_day(make_user, make_listing):
    owner = make_user()
    colleague = make_user(enterprise=owner.enterprise)
    today = date(2026, 11, 30)
    listing = make_listing(enterprise=owner.enterprise, deadline=today + timedelta(days=5))
    make_listing(deadline=today + timedelta(days=30))  # too far ahead
    assert remind_deadlines(today) == 2
    remind_deadlines(today)  # the job ran twice: nothing new
    assert remind_deadlines(today + timedelta(days=4)) == 2  # one day left: the last reminder
    mails = db.session.execute(db.select(OutboxMail).order_by(OutboxMail.id)).scalars().all()
    assert len(mails) == 4
    assert {m.recipient for m in mails} == {owner.email, colleague.email}
    assert [m.key.split(":")[3] for m in mails] == ["7d", "7d", "1d", "1d"]
    assert listing.title in mails[0].subject and f"/listings/{listing.id}" in mails[0].text_body


# ---------------------------------------------------------------- real database, processes


@pytest.mark.nodb
def test_each_job_runs_in_an_app_context_and_commits_once(tmp_path, monkeypatch):
    app = migrated_app(tmp_path / "jobs.db")
    commits = []
    listener = lambda conn: commits.append(conn)  # noqa: E731  (real COMMITs, not savepoints)

    def queue_one():
        from flask import has_app_context

        from rongtong.mail.services import queue_mail

        assert has_app_context()
        queue_mail(key="job:1", purpose="test", to="a@example.cn", subject="s", text="t")
        queue_mail(key="job:2", purpose="test", to="b@example.cn", subject="s", text="t")

    def broken():
        from rongtong.mail.services import queue_mail

        queue_mail(key="job:3", purpose="test", to="c@example.cn", subject="s", text="t")
        raise RuntimeError("boom")

    monkeypatch.setattr("rongtong.mail.jobs.queue_one", queue_one, raising=False)
    monkeypatch.setattr("rongtong.mail.jobs.broken", broken, raising=False)
    with app.app_context():
        engine = db.engine
    event.listen(engine, "commit", listener)
    try:
        services.run_job(app, "mail.jobs:queue_one")
        assert len(commits) == 1
        with pytest.raises(RuntimeError):
            services.run_job(app, "mail.jobs:broken")
        assert len(commits) == 1
    finally:
        event.remove(engine, "commit", listener)
    with app.app_context():
        keys = db.session.execute(db.select(OutboxMail.key)).scalars().all()
    assert sorted(keys) == ["job:1", "job:2"]  # the failed job left nothing behind
    dispose(app)


@pytest.mark.nodb
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_second_scheduler_process_refuses_to_run(process_database):
    app, url = process_database

    def lease():
        with app.app_context():
            found = db.session.get(SchedulerLease, "scheduler")
            db.session.remove()
            return found

    # The first runs the scheduler command in a forked process; the second is a fresh
    # `flask --app wsgi scheduler run`, the entry point itself.
    first = cli_process(url, ["scheduler", "run"])
    try:
        held = wait_for(lease, timeout=30, interval=0.05)
        assert held.holder.split(":")[1] == str(first.pid)
        second = flask_process(["scheduler", "run"], url)
        output = second.communicate(timeout=60)[0]
        assert second.returncode == 1, output
        assert "Another scheduler is running" in output and str(first.pid) in output
        assert first.is_alive()  # the running one is untouched
    finally:
        if first.is_alive():
            os.kill(first.pid, signal.SIGTERM)
        exit_code, first_output = first.result()
        first.join(timeout=10)
    assert exit_code == 0, first_output
    assert "Scheduler stopped." in first_output
    assert lease() is None  # released on a clean stop: the next start needs no waiting
