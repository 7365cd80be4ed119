"""Proposals as evidence for the matcher's learned blend (listed in matches.learning.SIGNALS)."""

from collections import defaultdict

from ..extensions import db
from ..listings.models import Listing
from .models import Proposal

#: A proposal submitted (or shortlisted): the SME, then the owner, thought the pair fits.
GRADE_SUBMITTED = 2
#: Accepted (揭榜定标): the capability solves the challenge.
GRADE_AWARDED = 3


def proposal_signals() -> list[tuple[list, list, int, str]]:
    """(the challenge, the proposer's capabilities, grade, source) of every submitted proposal
    not withdrawn; the matcher's side picks the capability the proposal most likely rests on."""
    proposals = (
        db.session.execute(
            db.select(Proposal).where(
                Proposal.submitted_at.is_not(None), Proposal.status != "withdrawn"
            )
        )
        .scalars()
        .all()
    )
    caps: dict[int, list[Listing]] = defaultdict(list)
    proposers = {p.enterprise_id for p in proposals}
    if proposers:
        rows = db.session.execute(
            db.select(Listing)
            .where(
                Listing.enterprise_id.in_(proposers),
                Listing.kind == "capability",
                Listing.status != "draft",
            )
            .order_by(Listing.id)
        ).scalars()
        for row in rows:
            caps[row.enterprise_id].append(row)
    out = []
    for p in proposals:
        if p.status == "accepted":
            out.append(([p.listing], caps[p.enterprise_id], GRADE_AWARDED, "proposal_awarded"))
        else:
            out.append(([p.listing], caps[p.enterprise_id], GRADE_SUBMITTED, "proposal"))
    return out
