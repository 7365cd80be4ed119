"""Proposals' notices: one mail per member of the other side, queued in the caller's
transaction, in the recipient's language. Never commits."""

from flask import render_template
from flask_babel import lazy_gettext as _l

from ..accounts.models import User
from ..extensions import db
from ..mail.services import external_url, in_recipients_language, queue_mail
from ..notifications.services import notify as notify_centre
from .models import Proposal
from .rules import REASON_LABELS, STATUS_LABELS

# --- notices --------------------------------------------------------------------------------------


def members(enterprise_id: int) -> list[User]:
    return list(
        db.session.execute(
            db.select(User)
            .where(User.enterprise_id == enterprise_id, User.active.is_(True))
            .order_by(User.id)
        ).scalars()
    )


def notify_owner(proposal: Proposal, status: str) -> None:
    notify(members(proposal.owner_enterprise_id), proposal, f"status:{status}", status)


def notify_proposer(proposal: Proposal, status: str) -> None:
    notify(members(proposal.enterprise_id), proposal, f"status:{status}", status)


SUBJECTS = {
    "submitted": _l("收到新的揭榜方案：%(title)s"),
    "withdrawn": _l("揭榜方案已撤回：%(title)s"),
    "shortlisted": _l("您的揭榜方案已入围：%(title)s"),
    "accepted": _l("您的揭榜方案已被接受：%(title)s"),
    "declined": _l("您的揭榜方案未被采纳：%(title)s"),
    "question": _l("发榜方对您的揭榜方案提出了问题：%(title)s"),
    "answer": _l("揭榜方回复了您的问题：%(title)s"),
    "reminder": _l("请尽快答复揭榜方案：%(title)s"),
}


def _link(endpoint: str, **values) -> str:
    """An absolute link for mail, on PUBLIC_URL (jobs have no request to take a host from)."""
    return external_url(endpoint, **values)


def notify(users, proposal: Proposal, tag: str, notice: str, **context) -> None:
    """Queue one mail per user, rendered in the user's language, keyed per user and purpose."""
    for user in users:
        with in_recipients_language(user):
            values = {
                "user": user,
                "proposal": proposal,
                "listing": proposal.listing,
                "notice": notice,
                "status_label": str(STATUS_LABELS[proposal.status]),
                "reason_label": str(REASON_LABELS.get(proposal.decline_reason or "", "")),
                "link": _link("proposals.detail", proposal_id=proposal.id),
                **context,
            }
            subject = str(SUBJECTS[notice]) % {"title": proposal.listing.title}
            text = render_template("proposals/mail/notice.txt", **values)
            html = render_template("proposals/mail/notice.html", **values)
        queue_mail(
            key=f"proposal:{proposal.id}:{tag}:user:{user.id}",
            purpose=f"proposal_{notice}",
            to=user.email,
            subject=subject[:255],
            text=text,
            html=html,
            user=user,
        )
    # The same news in the notification centre; the mail above is the only one sent.
    notify_centre(
        users,
        kind=f"proposal_{notice}",
        key=f"proposal:{proposal.id}:{tag}",
        params={"title": proposal.listing.title},
        endpoint="proposals.detail",
        values={"proposal_id": proposal.id},
        mail=False,
    )
