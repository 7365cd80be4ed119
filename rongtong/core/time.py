"""Time helpers: the database stores UTC; pages show Asia/Shanghai."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow() -> datetime:
    """Now, in UTC, as a naive datetime (what the database columns hold)."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_today() -> date:
    """Today's date in the platform's time zone."""
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()
