"""The question-and-answer thread of a proposal between its owner and its proposer. Never
commits; the other side is told in the same transaction."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l

from ..core.services import ServiceError
from ..core.time import utcnow
from ..extensions import db
from .models import OPEN_STATUSES, Proposal, ProposalMessage
from .notices import members, notify
from .rules import MAX_MESSAGE, is_owner_side, is_proposer_side, response_days


def post_message(proposal: Proposal, user, body: str) -> ProposalMessage:
    """A question of the owner or an answer of the proposer; the other side is told."""
    body = (body or "").strip()
    if not body:
        raise ServiceError(_l("请填写内容。"), field="body")
    if len(body) > MAX_MESSAGE or "\x00" in body:
        raise ServiceError(_l("内容最多 %(max)d 个字符。", max=MAX_MESSAGE), field="body")
    if is_proposer_side(user, proposal):
        side = "proposer"
    elif is_owner_side(user, proposal.listing) and proposal.was_submitted:
        side = "owner"
    else:
        raise ServiceError(_l("只有发榜方和揭榜方可以留言。"), code="forbidden", status=403)
    if proposal.status not in (*OPEN_STATUSES, "accepted"):
        raise ServiceError(_l("该方案当前状态不能留言。"), code="bad_state", status=409)
    message = ProposalMessage(proposal=proposal, author_id=user.id, side=side, body=body)
    db.session.add(message)
    if side == "owner":
        # A question is an answer of sorts: the owner's clock starts again.
        proposal.response_due_at = utcnow() + timedelta(days=response_days())
    db.session.flush()
    if side == "owner":
        notify(
            members(proposal.enterprise_id),
            proposal,
            f"message:{message.id}",
            "question",
            message=message,
        )
    else:
        notify(
            members(proposal.owner_enterprise_id),
            proposal,
            f"message:{message.id}",
            "answer",
            message=message,
        )
    return message
