"""``flask digest preview EMAIL`` and ``flask digest send [--period ...]``."""

import click
from flask.cli import AppGroup

from ..accounts.models import User
from ..extensions import db
from ..mail.sender import send_queued
from . import services

digest_cli = AppGroup("digest", help="Digests of new matches.")

PERIOD_HELP = "weekly, monthly (the current one), or a given one: 2026-W48, 2026-11."


def _period(value: str) -> services.Period:
    try:
        return services.parse_period(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--period") from exc


@digest_cli.command("preview")
@click.argument("email")
@click.option("--period", default="weekly", show_default=True, help=PERIOD_HELP)
@click.option("--html", "show_html", is_flag=True, help="Print the HTML part too.")
def preview_command(email, period, show_html):
    """Render EMAIL's digest without queueing or recording anything."""
    user = db.session.execute(
        db.select(User).where(User.email == email.strip().lower())
    ).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"No user {email}.")
    digest = services.preview(user, _period(period))
    if digest is None:
        click.echo(f"Nothing new for {user.email}: no digest would be sent.")
        return
    click.echo(f"To: {user.email}\nSubject: {digest.subject}")
    for name, value in digest.headers.items():
        click.echo(f"{name}: {value}")
    click.echo("")
    click.echo(digest.text)
    if show_html:
        click.echo(digest.html)


@digest_cli.command("send")
@click.option("--period", default="weekly", show_default=True, help=PERIOD_HELP)
@click.option(
    "--queue-only", is_flag=True, help="Queue the digests; leave sending to the scheduler."
)
def send_command(period, queue_only):
    """Build and queue the period's digests (once per member), then send the outbox."""
    chosen = _period(period)

    def progress(users):
        with click.progressbar(users, label=f"Digests {chosen.label}") as bar:
            yield from bar

    report = services.queue_digests(chosen, progress=progress)
    db.session.commit()
    click.echo(
        f"{report.queued} queued, {report.nothing_new} with nothing new, "
        f"{report.already_queued} already queued for {chosen.label}."
    )
    if queue_only:
        return
    with click.progressbar(length=report.queued, label="Sending") as bar:
        sent = send_queued(progress=lambda _id: bar.update(1))
    click.echo(f"{sent.sent} sent, {sent.retrying} to retry, {sent.failed} failed.")
