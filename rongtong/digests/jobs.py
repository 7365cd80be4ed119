"""Scheduled work: queue each period's digests; the outbox job sends them."""

from .services import period_for, queue_digests


def weekly_digests() -> None:
    queue_digests(period_for("weekly"))


def monthly_digests() -> None:
    queue_digests(period_for("monthly"))
