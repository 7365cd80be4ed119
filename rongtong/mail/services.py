"""Queueing mail. Sending happens after the commit, in the sender (see ``sender.py``)."""

import contextlib
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from .models import OutboxMail


def queue_mail(
    *,
    key: str,
    purpose: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    user=None,
    headers: dict | None = None,
) -> OutboxMail:
    """Add a mail to the outbox in the caller's transaction, once per ``key``.

    Returns the mail already queued under ``key`` if there is one. Never commits.
    """
    existing = db.session.execute(
        db.select(OutboxMail).where(OutboxMail.key == key)
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    mail = OutboxMail(
        key=key,
        purpose=purpose,
        recipient=to,
        user_id=getattr(user, "id", None),
        subject=subject,
        text_body=text,
        html_body=html,
        headers=headers or {},
    )
    try:
        with db.session.begin_nested():
            db.session.add(mail)
    except IntegrityError:
        # Someone else queued the same key at the same moment: theirs stands.
        return db.session.execute(db.select(OutboxMail).where(OutboxMail.key == key)).scalar_one()
    return mail


@contextlib.contextmanager
def in_recipients_language(user):
    """Within: translations in ``user``'s language (theirs if the platform has it, else the
    default). Yields the ``lang`` attribute for the mail's ``<html>``."""
    config = current_app.config
    locale = user.locale if user.locale in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        yield "en" if locale == "en" else "zh-CN"


def external_url(endpoint: str, **values) -> str:
    """An absolute URL on ``PUBLIC_URL``, for mail: there is no request to take the host from."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)
