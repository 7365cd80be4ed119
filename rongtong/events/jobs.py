"""Scheduled work for events; the scheduler's runner gives each job an app context and
commits once after it."""

from .meetings import expire_meeting_requests


def expire_meeting_requests_job() -> int:
    """Lapse pending meeting requests past their expiry (every few minutes)."""
    return expire_meeting_requests()
