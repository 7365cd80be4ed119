"""Queueing mail. Sending happens after the commit, in the sender (see ``sender.py``)."""

import contextlib
import re
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError

from ..core.validators import BIDI_CONTROLS
from ..extensions import db
from .models import OutboxMail

#: What cannot stand in one header line: controls (line breaks among them), Unicode's line and
#: paragraph separators, and bidi controls (which disguise a subject in the mail client).
_NOT_IN_A_HEADER = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029" + "".join(BIDI_CONTROLS) + "]+")


def header_line(value: str, limit: int = 255) -> str:
    """``value`` as one header line: each run of what cannot stand in one becomes a space.

    Subjects carry what people typed (a name, a title, an organizer's reason): a line break
    in one must not fail the mail at sending time, long after the request that queued it.
    """
    return _NOT_IN_A_HEADER.sub(" ", value or "").strip()[:limit]


def _check_header(name: str, value: str) -> None:
    """Addresses and the platform's own headers are never rewritten: a bad one is a bug of
    the caller, refused where it happens rather than when the sender meets it."""
    if _NOT_IN_A_HEADER.search(value):
        msg = f"{name} of a queued mail holds a line break or control character: {value[:60]!r}"
        raise ValueError(msg)


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

    Returns the mail already queued under ``key`` if there is one. Never commits. The subject
    is made one line (``header_line``); a recipient or header value with a line break or a
    control character raises ValueError here, not in the sender later.
    """
    _check_header("recipient", to)
    for name, value in (headers or {}).items():
        _check_header("a header name", name)
        _check_header(f"header {name}", str(value))
    subject = header_line(subject)
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
