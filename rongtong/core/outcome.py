"""Work outside the database that follows the unit of work's outcome: files.

A service that writes a file for a row registers its removal ``on_rollback``; one that
deletes a row registers the file's removal ``on_commit``. Services still never commit: the
edge does (a request, a job), and these run then, whichever way it ends. As Django's
``transaction.on_commit``. A SAVEPOINT's rollback (one row of an import) runs nothing: the
outer unit of work goes on.
"""

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db

_KEY = "rongtong.outcome"


def _hooks(session) -> dict[str, list[Callable[[], None]]]:
    if not session.in_transaction():
        session.begin()  # no SQL yet; a rollback must have a unit of work to end
    return session.info.setdefault(_KEY, {"commit": [], "rollback": []})


def on_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` once the current unit of work is committed (never if rolled back)."""
    _hooks(db.session())["commit"].append(callback)


def on_rollback(callback: Callable[[], None]) -> None:
    """Run ``callback`` if the current unit of work is rolled back (never if committed)."""
    _hooks(db.session())["rollback"].append(callback)


@event.listens_for(Session, "after_commit")
def _committed(session) -> None:
    for callback in session.info.pop(_KEY, {}).get("commit", []):
        callback()


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session, previous_transaction) -> None:
    if previous_transaction.nested or previous_transaction.parent is not None:
        return
    for callback in session.info.pop(_KEY, {}).get("rollback", []):
        callback()
