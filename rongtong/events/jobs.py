"""Scheduled work for events; the scheduler's runner gives each job an app context and
commits once after it."""

from .lifecycle import advance_events
from .meetings import expire_meeting_requests


def expire_meeting_requests_job() -> int:
    """Lapse pending meeting requests past their expiry (every few minutes)."""
    return expire_meeting_requests()


def advance_events_job() -> int:
    """Open and close registration and mark events held by the clock (every few minutes,
    and at scheduler start to catch up). Returns how many events moved."""
    return len(advance_events())
