"""Scheduled work of the outbox."""

from .sender import send_queued


def send_outbox() -> None:
    """Send every mail that is due; the sender commits each outcome itself."""
    send_queued()
