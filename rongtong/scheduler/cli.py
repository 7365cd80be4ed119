"""``flask scheduler run``: the one scheduler process. Also ``jobs`` and ``run-job ID``."""

import logging
import pickle
import signal
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import MetaData

from ..extensions import db
from . import services
from .models import JobStatus, SchedulerJob
from .schedule import JOBS, TIMEZONE

scheduler_cli = AppGroup("scheduler", help="The job scheduler (its own process).")
log = logging.getLogger(__name__)


def _trigger(definition, zone):
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    if definition.trigger == "cron":
        return CronTrigger(timezone=zone, **definition.trigger_args)
    return IntervalTrigger(timezone=zone, **definition.trigger_args)


def stored_jobs() -> dict[str, dict]:
    """The job store's jobs as APScheduler pickled them (id → state)."""
    rows = db.session.execute(db.select(SchedulerJob)).scalars()
    # Our own table, written by our own scheduler: unpickling it is what the store does.
    return {row.id: pickle.loads(row.job_state) for row in rows}  # noqa: S301


def build_scheduler(app, jobs=JOBS):
    """A scheduler over the persistent job store, its jobs re-synced with ``jobs``.

    A job whose trigger did not change keeps its stored next run time, so a run that fell
    due while no scheduler was up happens at ``start()`` (within its catch-up window,
    once). Jobs no longer in the list are removed. Nothing runs until ``start()``.
    """
    from apscheduler.jobstores.memory import MemoryJobStore
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    zone = ZoneInfo(TIMEZONE)
    with app.app_context():
        engine = db.engine
        stored = stored_jobs()
        ids = {definition.id for definition in jobs}
        gone = [
            job_id for job_id in stored if job_id.removesuffix(services.RETRY_SUFFIX) not in ids
        ]
        if gone:
            db.session.execute(db.delete(SchedulerJob).where(SchedulerJob.id.in_(gone)))
        db.session.commit()
        db.session.remove()
    store = SQLAlchemyJobStore(engine=engine, tablename="scheduler_jobs", metadata=MetaData())
    scheduler = BackgroundScheduler(
        timezone=zone, jobstores={"default": store, "local": MemoryJobStore()}
    )
    services.runtime.update(app=app, scheduler=scheduler)
    started = datetime.now(zone)
    for definition in jobs:
        trigger = _trigger(definition, zone)
        keep = {}
        previous = stored.get(definition.id)
        if previous and str(previous["trigger"]) == str(trigger):
            keep["next_run_time"] = previous["next_run_time"]
        if definition.at_start:
            # A job that catches up with the clock runs at once too, then on its trigger.
            keep["next_run_time"] = started
        grace = definition.misfire_hours
        scheduler.add_job(
            services.RUN_SCHEDULED,
            trigger,
            args=[definition.id, definition.func],
            id=definition.id,
            name=definition.id,
            replace_existing=True,
            misfire_grace_time=None if grace is None else int(grace * 3600),
            coalesce=True,
            max_instances=1,
            **keep,
        )
    return scheduler


def wait_for_lease(holder: str, seconds: float, stopped=lambda: False) -> bool:
    """Take the lease, waiting while another scheduler holds it (polls every ≤ 5 s).

    False if ``stopped()`` became true while waiting.
    """
    waiting = False
    while not services.acquire_lease(holder, seconds):
        lease = services.current_lease()
        held = f"{lease.holder}, lease until {lease.expires_at} UTC" if lease else "?"
        # A fresh session for the next try: the INSERT of a lease must not meet this one.
        db.session.remove()
        if not waiting:
            click.echo(f"Another scheduler is running ({held}). Waiting to take over.", err=True)
            waiting = True
        if _pause(min(seconds / 3, 5), stopped):
            return False
    db.session.commit()
    return True


def _pause(seconds: float, stopped) -> bool:
    """Sleep up to ``seconds``, in short steps; True as soon as ``stopped()``."""
    deadline = time.monotonic() + seconds
    while not stopped():
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        time.sleep(min(left, 0.2))
    return True


@scheduler_cli.command("run")
def run_command():
    """Run the scheduler until stopped; while another one holds the lease, wait for it."""
    app = current_app._get_current_object()
    seconds = float(app.config["SCHEDULER_LEASE_SECONDS"])
    holder = services.holder_id()
    stop = {"requested": False}

    def request_stop(signum, frame):
        # Only a flag. A handler runs between two bytecodes of the main thread, which may be
        # holding a lock that a shutdown needs (the thread pool's, while submitting a job):
        # stopping from here could wait for ever. The main thread's loop below stops.
        stop["requested"] = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if not wait_for_lease(holder, seconds, stopped=lambda: stop["requested"]):
        db.session.rollback()
        click.echo("Scheduler stopped while waiting.", err=True)
        return

    def renew():
        with app.app_context():
            try:
                still_ours = services.renew_lease(holder, seconds)
                db.session.commit()
            finally:
                db.session.remove()
        if not still_ours:
            log.error("Scheduler lease lost to another process; stopping.")
            stop["requested"] = True

    scheduler = build_scheduler(app)
    # Renewed three times per lease period, so that a busy moment never lets it lapse.
    scheduler.add_job(
        renew,
        "interval",
        seconds=seconds / 3,
        id="scheduler.lease",
        replace_existing=True,
        jobstore="local",
    )
    click.echo(f"Scheduler {holder} started with {len(JOBS)} jobs ({TIMEZONE}).", err=True)
    scheduler.start()
    try:
        while not stop["requested"]:
            time.sleep(0.5)
    finally:
        # Outside any handler: running jobs end first, then the lease goes.
        scheduler.shutdown(wait=True)
        db.session.rollback()
        services.release_lease(holder)
        db.session.commit()
        click.echo("Scheduler stopped.", err=True)


@scheduler_cli.command("jobs")
def jobs_command():
    """List the jobs: next run (as stored), last success, last failure and its error."""
    zone = ZoneInfo(TIMEZONE)
    stored = stored_jobs()
    statuses = {s.job_id: s for s in db.session.execute(db.select(JobStatus)).scalars()}
    now = datetime.now(zone)

    def when(instant, *, utc_naive=False):
        if instant is None:
            return "-"
        if utc_naive:
            instant = instant.replace(tzinfo=UTC)
        return f"{instant.astimezone(zone):%Y-%m-%d %H:%M}"

    for definition in JOBS:
        state = stored.get(definition.id)
        if state is not None:
            nxt = state["next_run_time"]
        else:  # not stored yet: no scheduler has run
            nxt = _trigger(definition, zone).get_next_fire_time(None, now)
        line = f"{definition.id:<30} next {when(nxt)}"
        retry = stored.get(definition.id + services.RETRY_SUFFIX)
        if retry is not None:
            line += f" (retry {when(retry['next_run_time'])})"
        status = statuses.get(definition.id)
        if status is not None:
            line += f"  ok {when(status.last_succeeded_at, utc_naive=True)}"
            if status.last_failed_at is not None:
                line += (
                    f"  last failure {when(status.last_failed_at, utc_naive=True)}"
                    f" ({status.failures} in a row): {status.last_error[:120]}"
                )
        click.echo(line)


@scheduler_cli.command("run-job")
@click.argument("job_id")
def run_job_command(job_id):
    """Run one job now, as the scheduler would."""
    definition = next((j for j in JOBS if j.id == job_id), None)
    if definition is None:
        raise click.ClickException(f"No job {job_id}; see `flask scheduler jobs`.")
    services.run_job(current_app._get_current_object(), definition.func)
    click.echo(f"{job_id} done.")
