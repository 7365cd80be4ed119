"""Scheduled work for proposals; each job runs in an app context and commits once."""

from ..extensions import db
from . import services


def close_challenges_at_deadline() -> int:
    """Published challenges past their deadline expire and take no more proposals."""
    count = services.close_past_deadline()
    db.session.commit()
    return count


def remind_overdue_owners() -> int:
    """Owners past their response deadline are reminded (once a week per proposal)."""
    count = services.remind_overdue()
    db.session.commit()
    return count
