"""Retrying a unit of work that PostgreSQL aborted for a conflict, not for a mistake.

For the unit-of-work edge (a request, a job): a serialization failure (SQLSTATE 40001) or a
deadlock (40P01) says "run it again", and a second run usually succeeds. Anything else, or
a second conflict, is raised as it is.
"""

from sqlalchemy.exc import DBAPIError

from ..extensions import db

#: serialization_failure, deadlock_detected
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


def is_retryable(exc: BaseException) -> bool:
    """True for a serialization failure or deadlock reported by the database."""
    if not isinstance(exc, DBAPIError):
        return False
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return code in RETRYABLE_SQLSTATES


def run_with_retry(unit, *, retries: int = 1):
    """``unit()`` then commit; on a retryable conflict roll back and run it again."""
    for attempt in range(retries + 1):
        try:
            result = unit()
            db.session.commit()
            return result
        except DBAPIError as exc:
            db.session.rollback()
            if attempt == retries or not is_retryable(exc):
                raise
    raise AssertionError("unreachable")  # the loop returns or raises
