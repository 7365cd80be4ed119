"""``flask scheduler run``: the one scheduler process. Also ``jobs`` and ``run-job ID``."""

import logging
import signal
from datetime import datetime
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db
from . import services
from .schedule import JOBS, TIMEZONE

scheduler_cli = AppGroup("scheduler", help="The job scheduler (its own process).")
log = logging.getLogger(__name__)


def build_scheduler(app, jobs=JOBS):
    """A BlockingScheduler holding ``jobs``; nothing runs until ``start()``."""
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    zone = ZoneInfo(TIMEZONE)
    scheduler = BlockingScheduler(timezone=zone)
    started = datetime.now(zone)
    for definition in jobs:
        if definition.trigger == "cron":
            trigger = CronTrigger(timezone=zone, **definition.trigger_args)
        else:
            trigger = IntervalTrigger(timezone=zone, **definition.trigger_args)
        # A job that catches up with the clock runs at once too, then on its trigger.
        first = {"next_run_time": started} if definition.at_start else {}
        scheduler.add_job(
            services.run_job,
            trigger,
            args=[app, definition.func],
            id=definition.id,
            name=definition.id,
            replace_existing=True,
            misfire_grace_time=int(definition.misfire_hours * 3600),
            coalesce=True,
            max_instances=1,
            **first,
        )
    return scheduler


@scheduler_cli.command("run")
def run_command():
    """Run the scheduler until stopped; refuses to start while another one holds the lease."""
    app = current_app._get_current_object()
    seconds = float(app.config["SCHEDULER_LEASE_SECONDS"])
    holder = services.holder_id()
    if not services.acquire_lease(holder, seconds):
        lease = services.current_lease()
        db.session.rollback()
        raise click.ClickException(
            f"Another scheduler is running ({lease.holder if lease else '?'}, lease until "
            f"{lease.expires_at if lease else '?'} UTC). Not starting a second one."
        )
    db.session.commit()
    scheduler = build_scheduler(app)

    def renew():
        with app.app_context():
            try:
                still_ours = services.renew_lease(holder, seconds)
                db.session.commit()
            finally:
                db.session.remove()
        if not still_ours:
            log.error("Scheduler lease lost to another process; stopping.")
            signal.raise_signal(signal.SIGTERM)

    # Renewed three times per lease period, so that a busy moment never lets it lapse.
    scheduler.add_job(
        renew, "interval", seconds=seconds / 3, id="scheduler.lease", replace_existing=True
    )

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    click.echo(f"Scheduler {holder} started with {len(JOBS)} jobs ({TIMEZONE}).", err=True)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=True)
        services.release_lease(holder)
        db.session.commit()
        click.echo("Scheduler stopped.", err=True)


@scheduler_cli.command("jobs")
def jobs_command():
    """List the scheduled jobs and their next run times."""
    scheduler = build_scheduler(current_app._get_current_object())
    now = datetime.now(ZoneInfo(TIMEZONE))
    for job in scheduler.get_jobs():
        nxt = job.trigger.get_next_fire_time(None, now)
        click.echo(f"{job.id:<32} next {nxt:%Y-%m-%d %H:%M %Z}  {job.args[1]}")


@scheduler_cli.command("run-job")
@click.argument("job_id")
def run_job_command(job_id):
    """Run one job now, as the scheduler would."""
    definition = next((j for j in JOBS if j.id == job_id), None)
    if definition is None:
        raise click.ClickException(f"No job {job_id}; see `flask scheduler jobs`.")
    services.run_job(current_app._get_current_object(), definition.func)
    click.echo(f"{job_id} done.")
