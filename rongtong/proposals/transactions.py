"""The commit of a proposal request, retried when SQLite refuses a stale writer.

Under WAL, a transaction that read before another writer committed cannot write: SQLite
answers "database is locked" at once (no busy wait). The unit of work is then run again from
the start, in a fresh transaction, where the unique constraint gives the clear answer.
PostgreSQL waits on the unique index instead and never needs the retry.
"""

import time
from collections.abc import Callable

from sqlalchemy.exc import OperationalError

from ..extensions import db


def _is_sqlite_lock(exc: OperationalError) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in text or "database table is locked" in text


def commit_with_retry(work: Callable, *, attempts: int = 8, on_failure: Callable | None = None):
    """Run ``work()`` and commit; on a SQLite lock roll back and run it again."""
    for attempt in range(1, attempts + 1):
        try:
            result = work()
            db.session.commit()
            return result
        except OperationalError as exc:
            db.session.rollback()
            if on_failure is not None:
                on_failure()
            if attempt == attempts or not _is_sqlite_lock(exc):
                raise
            time.sleep(0.02 * attempt)
        except Exception:
            db.session.rollback()
            if on_failure is not None:
                on_failure()
            raise
    return None  # pragma: no cover (the loop returns or raises)
