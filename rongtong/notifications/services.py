"""Notices: an entry in each person's notification centre and, by default, a mail.

``notify`` is how a feature tells people that something concerning them changed. It runs
inside the caller's unit of work (never commits): the entries and the outbox mails are
written with the change itself, or not at all.
"""

from collections.abc import Iterable

from flask import render_template, url_for
from sqlalchemy import func, update
from werkzeug.routing import BuildError

from ..core.time import utcnow
from ..extensions import db
from ..mail.services import external_url, in_recipients_language, queue_mail
from .models import Notification
from .notices import NOTICES, sentence


def notify(
    users: Iterable,
    *,
    kind: str,
    key: str,
    params: dict | None = None,
    endpoint: str = "",
    values: dict | None = None,
    mail: bool = True,
) -> list[Notification]:
    """Tell each of ``users`` (once per ``key``) that ``kind`` happened; returns new rows."""
    if kind not in NOTICES:
        msg = f"unknown notice kind {kind!r}"
        raise ValueError(msg)
    params = {k: str(v) for k, v in (params or {}).items()}
    values = dict(values or {})
    created = []
    for user in {u.id: u for u in users if u is not None and u.active}.values():
        user_key = f"{key}:user:{user.id}"
        exists = db.session.execute(
            db.select(Notification.id).where(Notification.key == user_key)
        ).first()
        if exists:
            continue
        note = Notification(
            user_id=user.id,
            key=user_key[:255],
            kind=kind,
            params=params,
            endpoint=endpoint,
            endpoint_values=values,
        )
        db.session.add(note)
        created.append(note)
        if mail:
            _mail(user, note)
    db.session.flush()
    return created


def _mail(user, note: Notification) -> None:
    with in_recipients_language(user) as lang:
        text_line = sentence(note.kind, note.params)
        subject = sentence(note.kind, note.params, quote=False)
        link = external_url(note.endpoint, **note.endpoint_values) if note.endpoint else ""
        context = {
            "user": user,
            "sentence": text_line,
            "link": link,
            "centre": external_url("notifications.index"),
            "lang": lang,
        }
        text = render_template("notifications/mail/notice.txt", **context)
    queue_mail(
        key=f"notice:{note.key}",
        purpose=f"notice_{note.kind}",
        to=user.email,
        subject=subject[:255],
        text=text,
        user=user,
    )


def link_of(note: Notification) -> str | None:
    """The page a notice leads to, or None when it no longer exists as a route."""
    if not note.endpoint:
        return None
    try:
        return url_for(note.endpoint, **note.endpoint_values)
    except BuildError:
        return None


def unread_count(user) -> int:
    return db.session.execute(
        db.select(func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    ).scalar_one()


def notifications_statement(user, *, unread_only: bool = False):
    stmt = db.select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return stmt.order_by(Notification.id.desc())


def own_notification(user, notification_id: int) -> Notification | None:
    """The user's notification with this id; another person's is as good as missing."""
    return db.session.execute(
        db.select(Notification).where(
            Notification.id == notification_id, Notification.user_id == user.id
        )
    ).scalar_one_or_none()


def mark_read(note: Notification) -> None:
    if note.read_at is None:
        note.read_at = utcnow()


def mark_all_read(user) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount or 0
