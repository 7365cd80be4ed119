"""The outbox in the browser, for admins: the list, one mail, its HTML part."""

import re

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..core.auth import admin_required
from ..core.params import page_arg
from ..core.time import utcnow
from ..extensions import db
from .models import MAIL_STATUSES, OutboxMail

bp = Blueprint("mail", __name__, url_prefix="/admin/outbox", template_folder="templates")

#: The HTML part is shown as its own document, sandboxed: no scripts, no forms, no
#: requests anywhere; inline styles allowed, since that is how mail is styled.
HTML_PART_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"

#: A signed token (itsdangerous: payload.timestamp.signature, URL-safe base64) in a mail: a
#: password-reset or unsubscribe link is a credential of its recipient, not for admins' eyes.
SIGNED_TOKEN_RE = re.compile(r"[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{16,}")
REDACTED = "[…]"


def redact(body: str | None) -> str:
    """``body`` with every signed token replaced by a mark."""
    return SIGNED_TOKEN_RE.sub(REDACTED, body or "")


@bp.get("/")
@admin_required
def index():
    status = request.args.get("status", "")
    q = request.args.get("q", "").strip()
    stmt = db.select(OutboxMail).order_by(OutboxMail.id.desc())
    if status in MAIL_STATUSES:
        stmt = stmt.where(OutboxMail.status == status)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(db.or_(OutboxMail.recipient.ilike(like), OutboxMail.subject.ilike(like)))
    page = db.paginate(stmt, page=page_arg(), per_page=50)
    counts = dict(
        db.session.execute(
            db.select(OutboxMail.status, db.func.count(OutboxMail.id)).group_by(OutboxMail.status)
        ).all()
    )
    return render_template(
        "mail/outbox.html", page=page, status=status, q=q, counts=counts, statuses=MAIL_STATUSES
    )


@bp.get("/<int:mail_id>")
@admin_required
def detail(mail_id: int):
    mail = db.get_or_404(OutboxMail, mail_id)
    return render_template(
        "mail/mail.html",
        mail=mail,
        text_body=redact(mail.text_body),
        html_body=redact(mail.html_body),
        # List-Unsubscribe carries the same signed link as the body.
        headers={name: redact(str(value)) for name, value in (mail.headers or {}).items()},
    )


@bp.get("/<int:mail_id>/html")
@admin_required
def html_part(mail_id: int):
    mail = db.get_or_404(OutboxMail, mail_id)
    response = make_response(redact(mail.html_body))
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Content-Security-Policy"] = HTML_PART_CSP
    return response


@bp.post("/<int:mail_id>/retry")
@admin_required
def retry(mail_id: int):
    """Queue a failed mail again, e.g. after the recipient's address was fixed."""
    mail = db.get_or_404(OutboxMail, mail_id)
    if mail.status == "failed":
        mail.status, mail.attempts, mail.next_attempt_at = "queued", 0, utcnow()
        flash(_("已重新排队。"), "success")
    return redirect(url_for("mail.detail", mail_id=mail.id))
