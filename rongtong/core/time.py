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


def to_utc(local: datetime, tz: str) -> datetime:
    """A wall-clock time in ``tz`` as the naive UTC the database holds."""
    if local.tzinfo is None:
        local = local.replace(tzinfo=ZoneInfo(tz))
    return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def to_local(utc: datetime, tz: str) -> datetime:
    """Naive UTC to an aware datetime in ``tz``."""
    return utc.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(tz))


def year_bounds(year: int, tz: str) -> tuple[datetime, datetime]:
    """The UTC instants at which ``year`` starts and ends in ``tz``."""
    return to_utc(datetime(year, 1, 1), tz), to_utc(datetime(year + 1, 1, 1), tz)
