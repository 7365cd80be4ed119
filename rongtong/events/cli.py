"""``flask events …``: the meeting jobs by hand."""

import click
from flask.cli import with_appcontext

from ..extensions import db
from .models import Event


@click.group("events")
def events_cli():
    """Events: expire meeting requests, run the meeting scheduler."""


@events_cli.command("expire-requests")
@with_appcontext
def expire_requests():
    """Lapse pending meeting requests whose time is up."""
    from .jobs import expire_meeting_requests_job

    count = expire_meeting_requests_job()
    db.session.commit()
    click.echo(f"expired: {count}")


@events_cli.command("schedule")
@click.argument("event_id", type=int)
@with_appcontext
def schedule(event_id: int):
    """Run the 1:1 meeting scheduler for one event (pinned meetings stay)."""
    from .meetings import schedule_event

    event = db.session.get(Event, event_id)
    if event is None:
        raise click.ClickException(f"no event {event_id}")
    result = schedule_event(event)
    db.session.commit()
    click.echo(
        f"{len(result.meetings)} meetings, score {result.score:.2f} / bound {result.bound:.2f} "
        f"({result.ratio:.0%}); unplaced requests: {len(result.unplaced_requests)}"
    )
