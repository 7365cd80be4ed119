"""Meetings at an event: pair scores, slots and tables, requests, the schedule, outcomes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from ..core.services import ServiceError
from ..core.time import to_local, to_utc, utcnow
from ..extensions import db
from ..mail.services import queue_mail
from ..outcomes.models import Outcome
from ..outcomes.services import record_outcome
from . import meeting_scheduler as ms
from . import notices
from .invitations import _ranked_pairs
from .lifecycle import check_request_window, request_expiry
from .models import (
    Event,
    Meeting,
    MeetingRequest,
    MeetingSlot,
    MeetingTable,
    Registration,
    Unavailability,
)
from .registrations import _event_url, _recipients, registrations, require_verified


@dataclass
class PairScore:
    score: float
    reasons: list[dict]


def pair_scores(event: Event) -> dict[frozenset, PairScore]:
    """Match score of every two confirmed registrations: the best pair of their listings."""
    regs = registrations(event, ("confirmed",))
    owner = {listing.id: reg.id for reg in regs for listing in reg.listings}
    seeds = [listing for reg in regs for listing in reg.listings]
    result: dict[frozenset, PairScore] = {}
    seed_owner = {listing.id: reg.id for reg in regs for listing in reg.listings}
    # Every pair of participants gets a score, however weak: the scheduler fills tables.
    for seed, other, score, reasons, _band in _ranked_pairs(seeds, k=200, floor=False):
        b = owner.get(other.id)
        a = seed_owner[seed.id]
        if b is None or a == b:
            continue
        key = frozenset((a, b))
        if key not in result or score > result[key].score:
            result[key] = PairScore(round(score, 4), reasons)
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
    last_end = start + (n_slots - 1) * step + timedelta(minutes=event.slot_minutes)
    if start < event.starts_at or last_end > event.ends_at:
        raise ServiceError(
            _(
                "洽谈时段须在活动时间内（%(start)s–%(end)s）；所设时段为 %(first)s–%(last)s。",
                start=_hm(event.starts_at, event),
                end=_hm(event.ends_at, event),
                first=_hm(start, event),
                last=_hm(last_end, event),
            ),
            field="first_start",
        )
    for i in range(n_slots):
        begins = start + i * step
        event.slots.append(
            MeetingSlot(starts_at=begins, ends_at=begins + timedelta(minutes=event.slot_minutes))
        )
    for i in range(n_tables):
        event.tables.append(MeetingTable(name=str(i + 1), position=i))
    db.session.flush()


def _hm(moment: datetime, event: Event) -> str:
    return to_local(moment, event.timezone).strftime("%m-%d %H:%M")


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


def request_meeting(
    requester: Registration,
    recipient: Registration,
    message: str = "",
    *,
    now: datetime | None = None,
):
    """Ask another participant for a 1:1 meeting, until the event ends; the request lapses
    after the event's TTL or at its end, whichever comes first."""
    now = now or utcnow()
    event = requester.event
    if recipient.event_id != event.id or recipient.id == requester.id:
        raise ServiceError(_("对方不是本活动的其他参会单位。"), field="recipient_id")
    if requester.status != "confirmed" or recipient.status != "confirmed":
        raise ServiceError(_("双方都须报名成功。"), code="bad_state", status=409)
    check_request_window(event, now)
    require_verified(requester.enterprise, "request")
    if _open_request_between(requester, recipient) is not None:
        raise ServiceError(_("与对方已有洽谈邀约。"), code="duplicate", status=409)
    score = pair_scores(event).get(frozenset((requester.id, recipient.id)))
    rq = MeetingRequest(
        event_id=event.id,
        requester_id=requester.id,
        recipient_id=recipient.id,
        message=(message or "").strip()[:500],
        score=score.score if score else None,
        created_at=now,
        expires_at=request_expiry(event, now),
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
                    _(
                        "请在 %(time)s（%(zone)s）前回复。",
                        time=to_local(rq.expires_at, event.timezone).strftime("%Y-%m-%d %H:%M"),
                        zone=event.timezone,
                    ),
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


def set_directory_visible(reg: Registration, visible: bool) -> None:
    """The participant's own choice to be listed in the event's attendee directory."""
    reg.directory_visible = bool(visible)
    db.session.flush()


def attendee_directory(reg: Registration, scores=None) -> list[dict]:
    """Other confirmed participants who chose to be listed, by name, each with the match
    score (if any) and whether a request between the two is already open."""
    scores = pair_scores(reg.event) if scores is None else scores
    listed = [
        r
        for r in registrations(reg.event, ("confirmed",))
        if r.directory_visible and r.id != reg.id
    ]
    open_with = {
        rq.recipient_id if rq.requester_id == reg.id else rq.requester_id
        for rq in requests_for(reg)
        if rq.status in ("pending", "accepted")
    }
    rows = [
        {
            "reg": r,
            "score": scores.get(frozenset((reg.id, r.id))),
            "requested": r.id in open_with,
        }
        for r in listed
    ]
    rows.sort(key=lambda row: (row["reg"].enterprise.name, row["reg"].id))
    return rows


def open_requests(event: Event) -> tuple[list[MeetingRequest], list[MeetingRequest]]:
    """For the organizer: requests still waiting for an answer, and accepted requests the
    schedule has not seated (no meeting between the two)."""
    rows = (
        db.session.execute(
            db.select(MeetingRequest)
            .where(
                MeetingRequest.event_id == event.id,
                MeetingRequest.status.in_(("pending", "accepted")),
            )
            .order_by(MeetingRequest.created_at, MeetingRequest.id)
        )
        .scalars()
        .all()
    )
    seated = {frozenset((m.a_id, m.b_id)) for m in event_meetings(event)}
    now = utcnow()
    pending = [rq for rq in rows if rq.status == "pending" and rq.expires_at > now]
    unplaced = [
        rq
        for rq in rows
        if rq.status == "accepted" and frozenset((rq.requester_id, rq.recipient_id)) not in seated
    ]
    return pending, unplaced


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
    good = good_score(event)
    return (
        ms.Problem(people, len(slots), len(tables), pairs, pinned, good_score=good),
        slots,
        tables,
    )


def good_score(event: Event) -> float:
    """The event's cut-off for suggested meetings: the organizer's, else the platform's."""
    if event.meeting_good_score is not None:
        return event.meeting_good_score
    return float(current_app.config.get("MEETING_GOOD_SCORE", 0.1))


def set_good_score(event: Event, value: float) -> None:
    """The organizer's cut-off; 0 seats every pair with any match at all."""
    if not 0 <= value <= 1:
        raise ServiceError(_("分数线须在 0 到 1 之间。"), field="good_score")
    event.meeting_good_score = round(value, 4)
    db.session.flush()


def meetings_below_cutoff(event: Event, scores=None) -> int:
    """How many more meetings the greedy pass seats with no cut-off at all: what the
    organizer gives up by keeping it (0 when the cut-off already costs nothing)."""
    if not event.slots or not event.tables or good_score(event) <= 0:
        return 0
    problem, _slots, _tables = build_problem(event, scores)
    with_cutoff = ms.schedule_meetings(problem, exact=False)
    problem.good_score = 0.0
    without = ms.schedule_meetings(problem, exact=False)
    return max(0, len(without.meetings) - len(with_cutoff.meetings))


def schedule_event(event: Event) -> ms.Schedule:
    """Run the scheduler: keep pinned meetings, replace the rest, store score and bound."""
    if not event.slots or not event.tables:
        raise ServiceError(_("请先设置洽谈时段和桌位。"), code="no_slots", status=409)
    if event.status in ("held", "cancelled"):
        raise ServiceError(_("活动已结束或已取消。"), code="bad_state", status=409)
    expire_meeting_requests()
    problem, slots, tables = build_problem(event)
    seconds = float(current_app.config.get("MEETING_SOLVER_SECONDS", ms.DEFAULT_TIME_LIMIT))
    schedule = ms.schedule_meetings(problem, exact=seconds > 0, time_limit=seconds)
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
    event.schedule_optimal = schedule.optimal
    event.scheduled_at = utcnow()
    db.session.flush()
    notices.schedule_published(event)
    return schedule


def _check_place(event: Event, slot_id: int, table_id: int, skip=None) -> None:
    """The slot and table belong to the event and the table is free then (never forced)."""
    if slot_id not in {s.id for s in event.slots}:
        raise ServiceError(_("时段不属于该活动。"), field="slot_id")
    if table_id not in {t.id for t in event.tables}:
        raise ServiceError(_("桌位不属于该活动。"), field="table_id")
    taken = db.session.execute(
        db.select(Meeting.id).where(
            Meeting.event_id == event.id,
            Meeting.slot_id == slot_id,
            Meeting.table_id == table_id,
            Meeting.id != (skip or 0),
        )
    ).first()
    if taken is not None:
        raise ServiceError(_("该时段的这张桌已有洽谈。"), code="clash", status=409)


def placement_conflicts(
    a: Registration, b: Registration, slot_id: int, skip=None
) -> tuple[list[str], list[Meeting]]:
    """What speaks against meeting in ``slot_id``: a side that marked it unavailable, or that
    already has a meeting then. Returns the sentences and those other meetings."""
    problems: list[str] = []
    for reg in (a, b):
        if slot_id in unavailable_slots(reg):
            problems.append(_("%(name)s 已标记该时段不可用", name=reg.enterprise.name))
    others = (
        db.session.execute(
            db.select(Meeting).where(
                Meeting.slot_id == slot_id,
                db.or_(Meeting.a_id.in_((a.id, b.id)), Meeting.b_id.in_((a.id, b.id))),
                Meeting.id != (skip or 0),
            )
        )
        .scalars()
        .all()
    )
    for reg in (a, b):
        if any(reg.id in (m.a_id, m.b_id) for m in others):
            problems.append(_("%(name)s 在该时段已有洽谈", name=reg.enterprise.name))
    return problems, others


def _place(meeting: Meeting, a, b, slot_id, table_id, *, force: bool, user, now) -> None:
    """Refuse a placement against a participant's conflicts unless the organizer confirmed it
    (``force``); then the conflicting meetings of the two sides in that slot give way (the
    next scheduler run places them again) and the decision is recorded on the meeting."""
    problems, others = placement_conflicts(a, b, slot_id, skip=meeting.id)
    if problems and not force:
        raise ServiceError(
            _(
                "%(problems)s。如确需安排，请勾选“确认覆盖”后重试。",
                problems="；".join(problems),
            ),
            field="force",
            code="conflict",
            status=409,
        )
    if problems:
        for other in others:
            db.session.delete(other)
        meeting.forced_at = now or utcnow()
        meeting.forced_by_id = getattr(user, "id", None)
        meeting.forced_note = "；".join(problems)[:500]


def move_meeting(
    meeting: Meeting,
    slot_id: int,
    table_id: int,
    pin: bool = True,
    *,
    force: bool = False,
    user=None,
    now: datetime | None = None,
) -> Meeting:
    """Put a meeting in another slot or at another table by hand; it is pinned. A slot one
    side marked unavailable or already holds needs ``force`` (the organizer's confirmation)."""
    event = meeting_event(meeting)
    _check_place(event, slot_id, table_id, skip=meeting.id)
    moved = (meeting.slot_id, meeting.table_id) != (slot_id, table_id)
    _place(meeting, meeting.a, meeting.b, slot_id, table_id, force=force, user=user, now=now)
    meeting.slot_id = slot_id
    meeting.table_id = table_id
    meeting.pinned = pin
    db.session.flush()
    if moved:
        notices.meeting_moved(meeting)
    return meeting


def meeting_event(meeting: Meeting) -> Event:
    return db.session.get(Event, meeting.event_id)


def add_meeting(
    event: Event,
    a: Registration,
    b: Registration,
    slot_id: int,
    table_id: int,
    *,
    force: bool = False,
    user=None,
    now: datetime | None = None,
):
    """A meeting the organizer places by hand (pinned); conflicts as for ``move_meeting``."""
    if a.event_id != event.id or b.event_id != event.id or a.id == b.id:
        raise ServiceError(_("双方须是本活动的不同参会单位。"), field="b_id")
    if a.status != "confirmed" or b.status != "confirmed":
        raise ServiceError(_("双方都须报名成功。"), code="bad_state", status=409)
    _check_place(event, slot_id, table_id)
    ps = pair_scores(event).get(frozenset((a.id, b.id)))
    meeting = Meeting(
        event_id=event.id, slot_id=slot_id, table_id=table_id, a_id=a.id, b_id=b.id,
        score=ps.score if ps else 0.0, source="manual", pinned=True,
    )  # fmt: skip
    _place(meeting, a, b, slot_id, table_id, force=force, user=user, now=now)
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
    """Record how a meeting went; each stage reached goes into the ledger once. A party
    records for its own enterprise, which must be verified; organizers for anyone."""
    event = meeting_event(meeting)
    if user is not None and not user.is_organizer:
        require_verified(user.enterprise, "outcome")
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
