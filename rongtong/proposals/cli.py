"""``flask proposals close|remind``: the scheduled jobs, by hand."""

import click
from flask.cli import AppGroup

from ..extensions import db
from . import jobs

proposals_cli = AppGroup("proposals", help="揭榜: close challenges at their deadline, remind.")


@proposals_cli.command("close")
def close_command():
    """Expire published challenges past their deadline."""
    count = jobs.close_challenges_at_deadline()
    db.session.commit()
    click.echo(f"expired: {count}")


@proposals_cli.command("remind")
def remind_command():
    """Remind owners of proposals past the response deadline."""
    count = jobs.remind_overdue_owners()
    db.session.commit()
    click.echo(f"reminded: {count}")
