"""Every scheduled job, in one list; adding one is one line in ``JOBS`` below.

Ids are fixed (they name the job in logs and in ``flask scheduler run-job``). Times are
Asia/Shanghai. ``misfire_hours``: how late a run may still start after the scheduler was
down; missed runs are coalesced into one.
"""

from dataclasses import dataclass, field
from typing import Any

TIMEZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class JobDef:
    id: str
    #: ``"module:function"`` inside the ``rongtong`` package (or a full dotted path),
    #: called with no arguments inside an app context.
    func: str
    trigger: str  # "cron" or "interval"
    trigger_args: dict[str, Any] = field(default_factory=dict)
    misfire_hours: float = 1


def cron(**fields) -> tuple[str, dict]:
    return "cron", fields


def every(**interval) -> tuple[str, dict]:
    return "interval", interval


def job(id: str, func: str, when: tuple[str, dict], misfire_hours: float = 1) -> JobDef:
    trigger, args = when
    return JobDef(id, func, trigger, args, misfire_hours)


# fmt: off
#: id, function (in ``rongtong.``), when, misfire grace in hours.
JOBS: list[JobDef] = [
    job("mail.send_outbox", "mail.jobs:send_outbox", every(minutes=1)),
    job("matches.rebuild_index", "matches.services:rebuild_index", cron(hour=2, minute=30), 6),
    # Expiry also closes challenges to new proposals (揭榜) at their deadline.
    job("listings.expire", "listings.services:expire_listings", cron(hour=0, minute=5), 12),
    job("listings.deadline_reminders", "listings.jobs:remind_deadlines", cron(hour=9), 12),
    job("digests.weekly", "digests.jobs:weekly_digests", cron(day_of_week="mon", hour=8), 24),
    job("digests.monthly", "digests.jobs:monthly_digests", cron(day=1, hour=8, minute=30), 48),
    job("events.expire_requests", "events.jobs:expire_meeting_requests_job", every(minutes=10)),
    job("proposals.remind", "proposals.jobs:remind_overdue_owners", cron(hour=9, minute=30), 12),
    job("events.remind_registrants", "events.jobs:remind_registrants_job", cron(hour=8), 12),
    job("surveys.send", "surveys.jobs:send_surveys", cron(hour=10), 24),
    job("favourites.alert", "favourites.jobs:alert_followers", cron(hour=7, minute=30), 12),
    job("favourites.challenge_deadlines", "favourites.jobs:remind_challenge_deadlines",
        cron(hour=9, minute=10), 12),
]
# fmt: on
