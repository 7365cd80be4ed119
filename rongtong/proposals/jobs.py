"""Scheduled work for proposals. The scheduler's runner (or the CLI) commits once."""

from . import services


def close_challenges_at_deadline() -> int:
    """Published challenges past their deadline expire and take no more proposals."""
    return services.close_past_deadline()


def remind_overdue_owners() -> int:
    """Owners past their response deadline are reminded (once a week per proposal)."""
    return services.remind_overdue()
