"""Meetings at an event: pair scores, slots and tables, requests, the schedule, outcomes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from ..core.services import ServiceError
from ..core.time import to_utc, utcnow
from ..extensions import db
from ..mail.services import queue_mail
from ..matches.services import reason_dicts, taxonomy_labels
from ..outcomes.models import Outcome
from ..outcomes.services import record_outcome
from . import meeting_scheduler as ms
from . import notices
from .invitations import _ranked_pairs
from .models import (
    Event,
    Meeting,
    MeetingRequest,
    MeetingSlot,
    MeetingTable,
    Registration,
    Unavailability,
)
from .registrations import _event_url, _recipients, registrations


@dataclass
class PairScore:
    score: float
    reasons: list[dict]


def pair_scores(event: Event) -> dict[frozenset, PairScore]:
    """Match score of every two confirmed registrations: the best pair of their listings."""
    regs = registrations(event, ("confirmed",))
    owner = {listing.id: reg.id for reg in regs for listing in reg.listings}
    seeds = [listing for reg in regs for listing in reg.listings]
    labels = None
    result: dict[frozenset, PairScore] = {}
    seed_owner = {listing.id: reg.id for reg in regs for listing in reg.listings}
    for seed, other, score, reasons in _ranked_pairs(seeds, k=200):
        b = owner.get(other.id)
        a = seed_owner[seed.id]
        if b is None or a == b:
            continue
        key = frozenset((a, b))
        if key not in result or score > result[key].score:
            labels = labels or taxonomy_labels()
            result[key] = PairScore(round(score, 4), reason_dicts(reasons, labels))
    return result


def suggested_partners(reg: Registration, scores=None) -> list[tuple[Registration, PairScore]]:
    """Confirmed registrations of the event ranked by match score with ``reg``."""
    scores = pair_scores(reg.event) if scores is None else scores
    others = {r.id: r for r in registrations(reg.event, ("confirmed",)) if r.id != reg.id}
    ranked = [
        (others[oid], ps)
        for key, ps in scores.items()
        if reg.id in key
        for oid in key - {reg.id}
        if oid in others
    ]
    ranked.sort(key=lambda t: (-t[1].score, t[0].id))
    return ranked


# --- slots, unavailability, requests ------------------------------------------------------


def set_up_meetings(event: Event, first_start: datetime, n_slots: int, n_tables: int) -> None:
    """Slots of ``event.slot_minutes`` with ``event.break_minutes`` between, from a local
    wall-clock start; tables "1" … "n". Refused once meetings exist."""
    if not (1 <= n_slots <= 48 and 1 <= n_tables <= 500):
        raise ServiceError(_("时段 1–48 个，桌位 1–500 张。"), field="n_slots")
    if event.slot_minutes <= 0 or event.break_minutes < 0:
        raise ServiceError(_("时段长度须大于 0。"), field="slot_minutes")
    has_meetings = db.session.execute(
        db.select(Meeting.id).where(Meeting.event_id == event.id).limit(1)
    ).first()
    if has_meetings is not None:
        raise ServiceError(_("已有洽谈安排，不能重设时段。"), code="bad_state", status=409)
    event.slots.clear()
    event.tables.clear()
    db.session.flush()
    start = to_utc(first_start, event.timezone)
    step = timedelta(minutes=event.slot_minutes + event.break_minutes)
    for i in range(n_slots):
        begins = start + i * step
        event.slots.append(
            MeetingSlot(starts_at=begins, ends_at=begins + timedelta(minutes=event.slot_minutes))
        )
    for i in range(n_tables):
        event.tables.append(MeetingTable(name=str(i + 1), position=i))
    db.session.flush()


def set_unavailable(reg: Registration, slot_ids) -> None:
    wanted = {int(s) for s in slot_ids}
    valid = {s.id for s in reg.event.slots}
    if wanted - valid:
        raise ServiceError(_("时段不属于该活动。"), field="slot_ids")
    db.session.execute(db.delete(Unavailability).where(Unavailability.registration_id == reg.id))
    for sid in sorted(wanted):
        db.session.add(Unavailability(registration_id=reg.id, slot_id=sid))
    db.session.flush()


def unavailable_slots(reg: Registration) -> set[int]:
    return set(
        db.session.execute(
            db.select(Unavailability.slot_id).where(Unavailability.registration_id == reg.id)
        ).scalars()
    )


def _open_request_between(a: Registration, b: Registration) -> MeetingRequest | None:
    return db.session.execute(
        db.select(MeetingRequest).where(
            MeetingRequest.status.in_(("pending", "accepted")),
            db.or_(
                db.and_(MeetingRequest.requester_id == a.id, MeetingRequest.recipient_id == b.id),
                db.and_(MeetingRequest.requester_id == b.id, MeetingRequest.recipient_id == a.id),
            ),
        )
    ).scalar_one_or_none()


def request_meeting(requester: Registration, recipient: Registration, message: str = ""):
    """Ask another participant for a 1:1 meeting; the request lapses after the event's TTL."""
    event = requester.event
    if recipient.event_id != event.id or recipient.id == requester.id:
        raise ServiceError(_("对方不是本活动的其他参会单位。"), field="recipient_id")
    if requester.status != "confirmed" or recipient.status != "confirmed":
        raise ServiceError(_("双方都须报名成功。"), code="bad_state", status=409)
    if event.status in ("held", "cancelled"):
        raise ServiceError(_("活动已结束或已取消。"), code="bad_state", status=409)
    if _open_request_between(requester, recipient) is not None:
        raise ServiceError(_("与对方已有洽谈邀约。"), code="duplicate", status=409)
    score = pair_scores(event).get(frozenset((requester.id, recipient.id)))
    rq = MeetingRequest(
        event_id=event.id,
        requester_id=requester.id,
        recipient_id=recipient.id,
        message=(message or "").strip()[:500],
        score=score.score if score else None,
        expires_at=utcnow() + timedelta(hours=event.request_ttl_hours),
    )
    db.session.add(rq)
    db.session.flush()
    for email, user in _recipients(recipient.enterprise):
        queue_mail(
            key=f"event:{event.id}:meeting-request:{rq.id}:{email}",
            purpose="meeting_request",
            to=email,
            subject=_("洽谈邀约：%(name)s", name=requester.enterprise.name),
            text="\n".join(
                [
                    _(
                        "%(name)s 希望在“%(title)s”与贵单位一对一洽谈。",
                        name=requester.enterprise.name,
                        title=event.title,
                    ),
                    rq.message,
                    _("请在 %(hours)d 小时内回复。", hours=event.request_ttl_hours),
                    _event_url(event),
                ]
            ),
            user=user,
        )
    notices.request_received(rq)
    return rq


def request_status_labels() -> dict[str, str]:
    """The words for a meeting request's status (never the code itself)."""
    return {
        "pending": _("待回复"),
        "accepted": _("已接受"),
        "declined": _("已婉拒"),
        "expired": _("已过期"),
        "withdrawn": _("已撤回"),
    }


def respond_to_request(rq: MeetingRequest, accept: bool, now: datetime | None = None):
    """Accept or decline a pending request. A refusal writes nothing, not even the lapse of an
    expired request: the job (``expire_meeting_requests``) records that, so that the web and
    the API, which roll a refused request back, leave the same state."""
    now = now or utcnow()
    state = "expired" if rq.status == "pending" and rq.expires_at <= now else rq.status
    if state != "pending":
        raise ServiceError(
            _("该邀约已不能回复（%(s)s）。", s=request_status_labels()[state]),
            code="bad_state",
            status=409,
        )
    rq.status = "accepted" if accept else "declined"
    rq.responded_at = now
    db.session.flush()
    notices.request_answered(rq)
    return rq


def withdraw_request(rq: MeetingRequest) -> MeetingRequest:
    if rq.status not in ("pending", "accepted"):
        raise ServiceError(_("该邀约已结束。"), code="bad_state", status=409)
    rq.status = "withdrawn"
    db.session.execute(
        db.delete(Meeting).where(Meeting.request_id == rq.id, Meeting.pinned.is_(False))
    )
    db.session.flush()
    return rq


def expire_meeting_requests(now: datetime | None = None) -> int:
    """Pending requests past their expiry lapse, so that they block no one. The job."""
    now = now or utcnow()
    result = db.session.execute(
        db.update(MeetingRequest)
        .where(MeetingRequest.status == "pending", MeetingRequest.expires_at <= now)
        .values(status="expired")
        .execution_options(synchronize_session="fetch")
    )
    db.session.flush()
    return result.rowcount or 0


def requests_for(reg: Registration) -> list[MeetingRequest]:
    return (
        db.session.execute(
            db.select(MeetingRequest)
            .where(
                db.or_(MeetingRequest.requester_id == reg.id, MeetingRequest.recipient_id == reg.id)
            )
            .order_by(MeetingRequest.created_at.desc(), MeetingRequest.id.desc())
        )
        .scalars()
        .all()
    )


# --- scheduling ---------------------------------------------------------------------------


def event_meetings(event: Event, reg: Registration | None = None) -> list[Meeting]:
    stmt = (
        db.select(Meeting)
        .join(MeetingSlot, Meeting.slot_id == MeetingSlot.id)
        .join(MeetingTable, Meeting.table_id == MeetingTable.id)
        .where(Meeting.event_id == event.id)
        .options(joinedload(Meeting.a), joinedload(Meeting.b))
        .order_by(MeetingSlot.starts_at, MeetingTable.position)
    )
    if reg is not None:
        stmt = stmt.where(db.or_(Meeting.a_id == reg.id, Meeting.b_id == reg.id))
    return db.session.execute(stmt).unique().scalars().all()


def build_problem(event: Event, scores=None) -> tuple[ms.Problem, list, list]:
    """The scheduler's plain data for ``event``: slots and tables by index."""
    slots = list(event.slots)
    tables = list(event.tables)
    slot_index = {s.id: i for i, s in enumerate(slots)}
    table_index = {t.id: i for i, t in enumerate(tables)}
    regs = registrations(event, ("confirmed",))
    blocked = defaultdict(set)
    for reg_id, slot_id in db.session.execute(
        db.select(Unavailability.registration_id, Unavailability.slot_id)
        .join(MeetingSlot, MeetingSlot.id == Unavailability.slot_id)
        .where(MeetingSlot.event_id == event.id)
    ):
        blocked[reg_id].add(slot_index[slot_id])
    people = [ms.Person(r.id, event.meetings_per_person, frozenset(blocked[r.id])) for r in regs]
    scores = pair_scores(event) if scores is None else scores
    pairs = [ms.Pair(*sorted(key), ps.score) for key, ps in scores.items()]
    for rq in db.session.execute(
        db.select(MeetingRequest).where(
            MeetingRequest.event_id == event.id, MeetingRequest.status == "accepted"
        )
    ).scalars():
        ps = scores.get(frozenset((rq.requester_id, rq.recipient_id)))
        pairs.append(
            ms.Pair(rq.requester_id, rq.recipient_id, ps.score if ps else 0.0, required=True)
        )
    pinned = [
        ms.Placed(m.a_id, m.b_id, slot_index[m.slot_id], table_index[m.table_id], m.score,
                  "pinned")
        for m in event_meetings(event)
        if m.pinned
    ]  # fmt: skip
    good = float(current_app.config.get("MEETING_GOOD_SCORE", 0.1))
    return (
        ms.Problem(people, len(slots), len(tables), pairs, pinned, good_score=good),
        slots,
        tables,
    )


def schedule_event(event: Event) -> ms.Schedule:
    """Run the scheduler: keep pinned meetings, replace the rest, store score and bound."""
    if not event.slots or not event.tables:
        raise ServiceError(_("请先设置洽谈时段和桌位。"), code="no_slots", status=409)
    if event.status in ("held", "cancelled"):
        raise ServiceError(_("活动已结束或已取消。"), code="bad_state", status=409)
    expire_meeting_requests()
    problem, slots, tables = build_problem(event)
    schedule = ms.schedule_meetings(problem)
    db.session.execute(
        db.delete(Meeting).where(Meeting.event_id == event.id, Meeting.pinned.is_(False))
    )
    requests = {
        frozenset((rq.requester_id, rq.recipient_id)): rq.id
        for rq in db.session.execute(
            db.select(MeetingRequest).where(
                MeetingRequest.event_id == event.id, MeetingRequest.status == "accepted"
            )
        ).scalars()
    }
    for m in schedule.meetings:
        if m.source == "pinned":
            continue
        db.session.add(
            Meeting(
                event_id=event.id,
                slot_id=slots[m.slot].id,
                table_id=tables[m.table].id,
                a_id=m.a,
                b_id=m.b,
                score=m.score,
                source="request" if m.source == "request" else "suggested",
                request_id=requests.get(frozenset((m.a, m.b))),
            )
        )
    event.schedule_score = schedule.score
    event.schedule_bound = schedule.bound
    event.scheduled_at = utcnow()
    db.session.flush()
    notices.schedule_published(event)
    return schedule


def _check_place(event: Event, a_id: int, b_id: int, slot_id: int, table_id: int, skip=None):
    if slot_id not in {s.id for s in event.slots}:
        raise ServiceError(_("时段不属于该活动。"), field="slot_id")
    if table_id not in {t.id for t in event.tables}:
        raise ServiceError(_("桌位不属于该活动。"), field="table_id")
    clash = (
        db.session.execute(
            db.select(Meeting).where(
                Meeting.event_id == event.id,
                Meeting.slot_id == slot_id,
                db.or_(
                    Meeting.table_id == table_id,
                    Meeting.a_id.in_((a_id, b_id)),
                    Meeting.b_id.in_((a_id, b_id)),
                ),
                Meeting.id != (skip or 0),
            )
        )
        .scalars()
        .first()
    )
    if clash is not None:
        raise ServiceError(
            _("该时段桌位已被占用，或一方在该时段已有洽谈。"), code="clash", status=409
        )


def move_meeting(meeting: Meeting, slot_id: int, table_id: int, pin: bool = True) -> Meeting:
    """Put a meeting in another slot or at another table by hand; it is pinned."""
    _check_place(meeting_event(meeting), meeting.a_id, meeting.b_id, slot_id, table_id,
                 skip=meeting.id)  # fmt: skip
    moved = (meeting.slot_id, meeting.table_id) != (slot_id, table_id)
    meeting.slot_id = slot_id
    meeting.table_id = table_id
    meeting.pinned = pin
    db.session.flush()
    if moved:
        notices.meeting_moved(meeting)
    return meeting


def meeting_event(meeting: Meeting) -> Event:
    return db.session.get(Event, meeting.event_id)


def add_meeting(event: Event, a: Registration, b: Registration, slot_id: int, table_id: int):
    """A meeting the organizer places by hand (pinned)."""
    if a.event_id != event.id or b.event_id != event.id or a.id == b.id:
        raise ServiceError(_("双方须是本活动的不同参会单位。"), field="b_id")
    if a.status != "confirmed" or b.status != "confirmed":
        raise ServiceError(_("双方都须报名成功。"), code="bad_state", status=409)
    _check_place(event, a.id, b.id, slot_id, table_id)
    ps = pair_scores(event).get(frozenset((a.id, b.id)))
    meeting = Meeting(
        event_id=event.id, slot_id=slot_id, table_id=table_id, a_id=a.id, b_id=b.id,
        score=ps.score if ps else 0.0, source="manual", pinned=True,
    )  # fmt: skip
    db.session.add(meeting)
    db.session.flush()
    return meeting


# --- outcomes -----------------------------------------------------------------------------

OUTCOME_STAGES = ("none", "contact", "intent", "contract")


def _sides(meeting: Meeting) -> tuple[Registration, Registration]:
    """(demand side, supply side): the side that brought a challenge is the demand."""
    a, b = meeting.a, meeting.b
    if any(lst.kind == "challenge" for lst in b.listings) and not any(
        lst.kind == "challenge" for lst in a.listings
    ):
        return b, a
    return a, b


def record_meeting_outcome(
    meeting: Meeting,
    *,
    attendance: str,
    stage: str = "none",
    follow_up: bool = False,
    deal_type: str | None = None,
    amount: int | None = None,
    note: str = "",
    occurred_on: date | None = None,
    user=None,
) -> list[Outcome]:
    """Record how a meeting went; each stage reached goes into the ledger once."""
    event = meeting_event(meeting)
    if attendance not in ("held", "no_show"):
        raise ServiceError(_("请选择洽谈是否进行。"), field="attendance")
    if stage not in OUTCOME_STAGES:
        raise ServiceError(_("未知的阶段。"), field="stage")
    if attendance == "no_show" and stage != "none":
        raise ServiceError(_("未进行的洽谈不能有成果。"), field="stage")
    if stage == "contract" and not deal_type:
        raise ServiceError(_("请选择签约类型。"), field="deal_type")
    if amount is not None and amount < 0:
        raise ServiceError(_("金额不能为负数。"), field="amount")
    meeting.attendance = attendance
    meeting.follow_up = follow_up
    meeting.outcome_note = note
    reached = OUTCOME_STAGES[1 : OUTCOME_STAGES.index(stage) + 1] if attendance == "held" else ()
    have = set(
        db.session.execute(
            db.select(Outcome.stage).where(
                Outcome.source == "meeting", Outcome.source_id == meeting.id
            )
        ).scalars()
    )
    demand, supply = _sides(meeting)
    listing = next((lst for lst in demand.listings if lst.kind == "challenge"), None) or next(
        iter(demand.listings or supply.listings), None
    )
    on = occurred_on or event.local_start.date()
    created = []
    for st in reached:
        if st in have:
            continue
        created.append(
            record_outcome(
                stage=st,
                source="meeting",
                source_id=meeting.id,
                event_id=event.id,
                listing=listing,
                chain=event.chain or (listing.chain if listing else None),
                demand_enterprise=demand.enterprise,
                supply_enterprise=supply.enterprise,
                deal_type=deal_type if st == "contract" else None,
                amount=amount if st == "contract" else None,
                occurred_on=on,
                note=note,
                user=user,
            )
        )
    db.session.flush()
    return created


def outcomes_for(event: Event, enterprise_id: int | None = None) -> list[Outcome]:
    """The ledger rows an event produced; for an enterprise only those it is a party to."""
    stmt = db.select(Outcome).where(Outcome.event_id == event.id).order_by(Outcome.id)
    if enterprise_id is not None:
        stmt = stmt.where(
            db.or_(
                Outcome.demand_enterprise_id == enterprise_id,
                Outcome.supply_enterprise_id == enterprise_id,
            )
        )
    return db.session.execute(stmt).scalars().all()


def can_record_outcome(user, meeting: Meeting) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return user.is_organizer or meeting.involves(user.enterprise_id)
