"""The scheduler's lease and its job runner. Lease functions flush; the caller commits."""

import importlib
import logging
import os
import secrets
import socket
from datetime import timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError

from ..core.time import utcnow
from ..extensions import db
from .models import SchedulerLease

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
    """One job run: an app context, the function, one commit (a rollback if it fails)."""
    with app.app_context():
        try:
            resolve(func)()
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("Job %s failed", func)
            raise
        finally:
            db.session.remove()
