"""Meetings as evidence for the matcher's learned blend (listed in matches.learning.SIGNALS)."""

from collections import defaultdict

from ..extensions import db
from ..listings.models import Listing
from ..outcomes.models import Outcome
from .models import Meeting, MeetingRequest

#: A meeting request accepted, or a meeting held that led to an intent (意向).
GRADE_MEETING = 2
#: A meeting held that led to a contract (合同).
GRADE_CONTRACT = 3


def meeting_signals() -> list[tuple[list, list, int, str]]:
    """(listings of one side, of the other, grade, source) of accepted meeting requests and of
    meetings held with an intent or a contract; each side's listings are those its registration
    brought, else its enterprise's."""
    pairs = [
        (rq.requester, rq.recipient, GRADE_MEETING, "meeting_request")
        for rq in db.session.execute(
            db.select(MeetingRequest).where(MeetingRequest.status == "accepted")
        ).scalars()
    ]
    stages: dict[int, set[str]] = defaultdict(set)
    for meeting_id, stage in db.session.execute(
        db.select(Outcome.source_id, Outcome.stage).where(
            Outcome.source == "meeting", Outcome.source_id.is_not(None)
        )
    ):
        stages[meeting_id].add(stage)
    if stages:
        held = db.session.execute(
            db.select(Meeting).where(Meeting.id.in_(stages), Meeting.attendance == "held")
        ).scalars()
        for meeting in held:
            if "contract" in stages[meeting.id]:
                pairs.append((meeting.a, meeting.b, GRADE_CONTRACT, "meeting_contract"))
            elif "intent" in stages[meeting.id]:
                pairs.append((meeting.a, meeting.b, GRADE_MEETING, "meeting_intent"))
    bare = {r.enterprise_id for a, b, _g, _s in pairs for r in (a, b) if not r.listings}
    own: dict[int, list[Listing]] = defaultdict(list)
    if bare:
        rows = db.session.execute(
            db.select(Listing)
            .where(Listing.enterprise_id.in_(bare), Listing.status != "draft")
            .order_by(Listing.id)
        ).scalars()
        for row in rows:
            own[row.enterprise_id].append(row)

    def brought(reg) -> list[Listing]:
        return list(reg.listings) or own[reg.enterprise_id]

    return [(brought(a), brought(b), grade, source) for a, b, grade, source in pairs]
