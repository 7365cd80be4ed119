"""``flask mail send``: deliver the outbox now (the scheduler does it every minute)."""

import click
from flask.cli import AppGroup

from ..extensions import db
from .models import OutboxMail
from .sender import backend_name, send_queued

mail_cli = AppGroup("mail", help="The outbox.")


@mail_cli.command("send")
@click.option("--limit", type=int, default=None, help="Stop after this many mails.")
def send_command(limit):
    """Send every queued mail that is due, with the configured backend."""
    from flask import current_app

    due = db.session.execute(
        db.select(db.func.count(OutboxMail.id)).where(OutboxMail.status.in_(("queued", "sending")))
    ).scalar_one()
    total = min(due, limit) if limit is not None else due
    click.echo(f"Sending up to {total} mails ({backend_name(current_app.config)} backend).")
    with click.progressbar(length=total, label="Sending") as bar:
        report = send_queued(limit=limit, progress=lambda _id: bar.update(1))
    click.echo(f"{report.sent} sent, {report.retrying} to retry, {report.failed} failed.")
    for line in report.errors[:20]:
        click.echo(f"  {line}")
