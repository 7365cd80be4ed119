"""The digest's proposals section: what changed on the member's proposals (揭榜) and on the
proposals its challenges received, since the last period. Listed in digests.sections."""

from datetime import timedelta

from flask_babel import gettext as _

from ..digests.sections import Member, Section
from ..digests.services import DigestRun
from ..extensions import db
from ..mail.services import external_url
from .models import Proposal

#: Status → the moment it was reached.
_WHEN = {
    "submitted": Proposal.submitted_at,
    "shortlisted": Proposal.shortlisted_at,
    "accepted": Proposal.decided_at,
    "declined": Proposal.decided_at,
    "withdrawn": Proposal.withdrawn_at,
}


def _recent(run: DigestRun) -> list[Proposal]:
    since = run.now - run.period.length - timedelta(days=1)
    return list(
        db.session.execute(
            db.select(Proposal).where(
                db.or_(*(db.and_(Proposal.status == s, when >= since) for s, when in _WHEN.items()))
            )
        ).scalars()
    )


def proposal_changes(run: DigestRun, member: Member) -> Section | None:
    """Its proposals decided or shortlisted; proposals received on its challenges."""
    told = member.announced.get("proposal", set())
    items = []
    for proposal in run.shared("proposal_changes", _recent):
        if proposal.enterprise_id == member.enterprise_id and proposal.status != "submitted":
            side = "ours"
        elif proposal.owner_enterprise_id == member.enterprise_id and proposal.status in (
            "submitted",
            "withdrawn",
        ):
            side = "received"
        else:
            continue
        ref = f"{proposal.id}:{proposal.status}"
        if ref in told:
            continue
        url = external_url("proposals.detail", proposal_id=proposal.id)
        items.append({"proposal": proposal, "side": side, "ref": ref, "url": url})
    if not items:
        return None
    items.sort(key=lambda item: item["proposal"].id)
    return Section(
        key="proposals",
        title=_("揭榜进展"),
        items=items,
        subject=_("%(n)d 条揭榜进展", n=len(items)),
        template="digests/mail/_proposals",
        announce=[("proposal", item["ref"]) for item in items],
    )
