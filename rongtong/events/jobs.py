"""Scheduled work for events; the scheduler's runner gives each job an app context and
commits once after it."""

from ..core.time import local_today
from .lifecycle import advance_events
from .meetings import expire_meeting_requests
from .reminders import remind_registrants


def expire_meeting_requests_job() -> int:
    """Lapse pending meeting requests past their expiry (every few minutes)."""
    return expire_meeting_requests()


def advance_events_job() -> int:
    """Open and close registration and mark events held by the clock (every few minutes,
    and at scheduler start to catch up). Returns how many events moved."""
    return len(advance_events())


def remind_registrants_job() -> int:
    """Remind confirmed registrants 3 days and 1 day before the event (daily)."""
    return remind_registrants(local_today())
