"""``flask users create`` and ``flask users token``."""

import click
from flask.cli import AppGroup

from ..enterprises.services import find_by_credit_code
from ..extensions import db
from . import services
from .models import ROLES

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="member", show_default=True)
@click.option("--name", default="")
@click.option("--enterprise", "credit_code", help="Credit code of the member's enterprise.")
@click.password_option()
def create_user_command(email, role, name, credit_code, password):
    """Create a user of any role."""
    if services.email_taken(email):
        raise click.ClickException(f"{email} is already registered.")
    enterprise = None
    if credit_code:
        enterprise = find_by_credit_code(credit_code.strip().upper())
        if enterprise is None:
            raise click.ClickException(f"No enterprise with credit code {credit_code}.")
    if len(password) < 10:
        raise click.ClickException("The password must have at least 10 characters.")
    user = services.create_user(email, password, role=role, name=name, enterprise=enterprise)
    db.session.commit()
    click.echo(f"Created {role} {user.email} (id {user.id}).")


@users_cli.command("token")
@click.argument("email")
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
def token_command(email, name):
    """Print a new personal API token for EMAIL (shown once)."""
    user = services.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No user {email}.")
    _token, plain = services.create_api_token(user, name)
    db.session.commit()
    click.echo(plain)
