"""Every scheduled job, in one list; adding one is one line in ``JOBS`` below.

Ids are fixed (they name the job in logs, in the job store and in ``flask scheduler
run-job``). Times are Asia/Shanghai. Jobs and their next run times live in the database
(APScheduler's job store), so a run that fell due while no scheduler was up happens when
one starts, if it is at most ``misfire_hours`` late (None: however late); missed runs are
coalesced into one. Every job is idempotent, so such a catch-up is safe. ``at_start``: the
job also runs as soon as the scheduler starts, for work that must catch up with the clock
(an event's lifecycle).
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
    misfire_hours: float | None = 1
    #: Also run once when the scheduler starts.
    at_start: bool = False


def cron(**fields) -> tuple[str, dict]:
    return "cron", fields


def every(**interval) -> tuple[str, dict]:
    return "interval", interval


def job(
    id: str,
    func: str,
    when: tuple[str, dict],
    misfire_hours: float | None = 1,
    at_start: bool = False,
) -> JobDef:
    trigger, args = when
    return JobDef(id, func, trigger, args, misfire_hours, at_start)


# fmt: off
#: id, function (in ``rongtong.``), when, catch-up window in hours (None: always).
JOBS: list[JobDef] = [
    job("mail.send_outbox", "mail.jobs:send_outbox", every(minutes=1)),
    # Before the nightly build, which then uses the blend it keeps (if the guard lets it).
    job("matches.retrain_blend", "matches.learning:retrain_blend", cron(hour=2), 24),
    # Missed nights are rebuilt once (coalesced), whenever the scheduler is back that day.
    job("matches.rebuild_index", "matches.services:rebuild_index", cron(hour=2, minute=30), 24),
    # Between nightly builds: rebuild once the live delta passes MATCHER_REBUILD_SHARE.
    job("matches.refresh_index", "matches.services:refresh_index", every(minutes=10)),
    # Expiry also closes challenges to new proposals (揭榜) at their deadline: always caught up.
    job("listings.expire", "listings.services:expire_listings", cron(hour=0, minute=5), None),
    job("listings.deadline_reminders", "listings.jobs:remind_deadlines", cron(hour=9), 12),
    # A digest keyed by its period goes out once, even a few days late.
    job("digests.weekly", "digests.jobs:weekly_digests", cron(day_of_week="mon", hour=8), 72),
    job("digests.monthly", "digests.jobs:monthly_digests", cron(day=1, hour=8, minute=30), 72),
    job("events.expire_requests", "events.jobs:expire_meeting_requests_job", every(minutes=10)),
    # Registration opens and closes, events are held when they end; catches up at start.
    job("events.lifecycle", "events.jobs:advance_events_job", every(minutes=5), at_start=True),
    job("proposals.remind", "proposals.jobs:remind_overdue_owners", cron(hour=9, minute=30), 12),
    job("events.remind_registrants", "events.jobs:remind_registrants_job", cron(hour=8), 12),
    job("surveys.send", "surveys.jobs:send_surveys", cron(hour=10), 24),
    job("favourites.alert", "favourites.jobs:alert_followers", cron(hour=7, minute=30), 12),
    job("favourites.challenge_deadlines", "favourites.jobs:remind_challenge_deadlines",
        cron(hour=9, minute=10), 12),
]
# fmt: on
