"""The scheduler's lease and its job runner. Lease functions flush; the caller commits."""

import importlib
import logging
import os
import secrets
import socket
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError

from ..core.retry import run_with_retry
from ..core.time import utcnow
from ..extensions import db
from .models import JobStatus, SchedulerLease

log = logging.getLogger(__name__)

LEASE_NAME = "scheduler"


def holder_id() -> str:
    return f"{socket.gethostname()[:50]}:{os.getpid()}:{secrets.token_hex(4)}"


def acquire_lease(holder: str, seconds: float, *, name: str = LEASE_NAME) -> bool:
    """Take the lease if it is free, lapsed or already ours; False if someone else holds it.

    Works the same on SQLite and PostgreSQL: a conditional UPDATE, else an INSERT that the
    primary key lets only one process win.
    """
    now = utcnow()
    expires = now + timedelta(seconds=seconds)
    taken = db.session.execute(
        update(SchedulerLease)
        .where(
            SchedulerLease.name == name,
            db.or_(SchedulerLease.expires_at < now, SchedulerLease.holder == holder),
        )
        .values(holder=holder, acquired_at=now, expires_at=expires)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken:
        return True
    try:
        with db.session.begin_nested():
            db.session.add(
                SchedulerLease(name=name, holder=holder, acquired_at=now, expires_at=expires)
            )
    except IntegrityError:
        return False
    return True


def renew_lease(holder: str, seconds: float, *, name: str = LEASE_NAME) -> bool:
    """Extend our lease; False if it lapsed and another process took it."""
    return (
        db.session.execute(
            update(SchedulerLease)
            .where(SchedulerLease.name == name, SchedulerLease.holder == holder)
            .values(expires_at=utcnow() + timedelta(seconds=seconds))
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def release_lease(holder: str, *, name: str = LEASE_NAME) -> None:
    db.session.execute(
        delete(SchedulerLease)
        .where(SchedulerLease.name == name, SchedulerLease.holder == holder)
        .execution_options(synchronize_session=False)
    )


def current_lease(name: str = LEASE_NAME) -> SchedulerLease | None:
    return db.session.get(SchedulerLease, name, populate_existing=True)


def resolve(path: str):
    """``"digests.jobs:weekly_digests"`` (inside ``rongtong``) or a full dotted path."""
    module, _sep, attr = path.partition(":")
    if not module.startswith("rongtong."):
        module = f"rongtong.{module}"
    return getattr(importlib.import_module(module), attr)


def run_job(app, func: str) -> None:
    """One job run: an app context, the function, one commit (a rollback if it fails).

    A run PostgreSQL aborts for a serialization failure or deadlock runs again at once (once);
    any other failure is retried later with backoff (``run_scheduled``).
    """
    with app.app_context():
        try:
            run_with_retry(resolve(func))
        except Exception:
            db.session.rollback()
            log.exception("Job %s failed", func)
            raise
        finally:
            db.session.remove()


# ---------------------------------------------------------------- scheduled runs and retries

#: Set by the scheduler process (``build_scheduler``): the app its jobs run in, and the
#: scheduler that retries a failed job. Jobs in the store name only picklable things.
runtime: dict = {}


def job_status(job_id: str) -> JobStatus:
    """The job's status row, created on first use (flushes)."""
    status = db.session.get(JobStatus, job_id, populate_existing=True)
    if status is None:
        status = JobStatus(job_id=job_id, last_error="", failures=0)
        db.session.add(status)
    return status


def _note_run(app, job_id: str, *, started, error: BaseException | None) -> int:
    """Record how the run went, in a transaction of its own; the failures in a row."""
    with app.app_context():
        try:
            status = job_status(job_id)
            status.last_started_at = started
            if error is None:
                status.last_succeeded_at, status.failures = utcnow(), 0
            else:
                status.last_failed_at, status.failures = utcnow(), status.failures + 1
                status.last_error = f"{type(error).__name__}: {error}"[:2000]
            db.session.commit()
            return status.failures
        finally:
            db.session.remove()


def retry_delay(failures: int, base: float) -> timedelta:
    """base, 2×base, 4×base … capped at an hour."""
    return timedelta(seconds=min(base * 2 ** min(max(failures - 1, 0), 20), 3600))


def run_scheduled(job_id: str, func: str, attempt: int = 0) -> None:
    """What the scheduler runs: the job, its status noted, a retry scheduled if it failed.

    A failed job is retried SCHEDULER_RETRIES times with backoff by a one-off job in the
    persistent store (``<id>:retry``), so a retry survives a restart too.
    """
    app = runtime["app"]
    started = utcnow()
    try:
        run_job(app, func)
    except Exception as exc:  # logged by run_job; noted and retried here
        failures = _note_run(app, job_id, started=started, error=exc)
        retries = int(app.config["SCHEDULER_RETRIES"])
        scheduler = runtime.get("scheduler")
        # Not while the scheduler stops: shutdown(wait=True) holds the job stores' lock while
        # it waits for running jobs, so adding a job then would wait for ever. The job's own
        # next run stays stored, and a scheduler that starts again catches it up.
        if attempt < retries and scheduler is not None and scheduler.running:
            delay = retry_delay(failures, float(app.config["SCHEDULER_RETRY_SECONDS"]))
            scheduler.add_job(
                RUN_SCHEDULED,
                "date",
                run_date=datetime.now(UTC) + delay,
                args=[job_id, func, attempt + 1],
                id=f"{job_id}{RETRY_SUFFIX}",
                name=f"{job_id} (retry {attempt + 1})",
                replace_existing=True,
                misfire_grace_time=None,
            )
            log.warning("Job %s failed; retry %d in %s", job_id, attempt + 1, delay)
        else:
            log.error("Job %s failed; no retry left until its next run", job_id)
        return
    _note_run(app, job_id, started=started, error=None)


RUN_SCHEDULED = f"{__name__}:run_scheduled"
RETRY_SUFFIX = ":retry"
