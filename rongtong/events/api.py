"""/api/v1/events and /api/v1/plan: the year's plan, registrations, invitations, 1:1
meetings, the scheduler, outcomes and iCalendar, with the same rules as the pages."""

from flask import Response, abort, request

from ..api import errors
from ..api.auth import OPTIONAL_AUTH, TOKEN_AUTH, api_user, require_api_user
from ..api.common import Blueprint, get_or_404, respond
from ..audit import services as audit
from ..core.time import to_local
from ..events import exports, programme, services
from ..events import invitations as invitation_ops
from ..events import meetings as meeting_ops
from ..events import registrations as registration_ops
from ..events.models import Event, Meeting, MeetingRequest, Registration
from ..events.schemas import (
    EventInSchema,
    EventListSchema,
    EventPatchSchema,
    EventQuerySchema,
    EventSchema,
    EventWithWarningsSchema,
    InvitationListSchema,
    InvitationSchema,
    InviteInSchema,
    MeetingMoveInSchema,
    MeetingRequestInSchema,
    MeetingRequestSchema,
    MeetingSchema,
    MeetingsSchema,
    OutcomeInSchema,
    OutcomeListSchema,
    OutcomeSchema,
    PlanSchema,
    RegistrationInSchema,
    RegistrationListSchema,
    RegistrationSchema,
    RespondInSchema,
    ScheduleResultSchema,
    SuggestionListSchema,
    SuggestionSchema,
)
from ..extensions import db
from ..listings.models import Listing
from ..listings.services import can_view

bp = Blueprint(
    "api_events",
    __name__,
    url_prefix="/api/v1",
    description="Events (一月一链 roadshows, 专项供需对接), the year's plan, registrations, "
    "invitations by match, 1:1 meetings and the scheduler, outcomes, iCalendar.",
)
errors.install(bp)

ICS_RESPONSE = {
    "200": {
        "description": "iCalendar (RFC 5545) with a VTIMEZONE for the event's zone.",
        "content": {"text/calendar": {"schema": {"type": "string"}}},
    }
}


def _organizer():
    user = require_api_user()
    if not user.is_organizer:
        abort(403, "Only organizers may do this.")
    return user


def _event(event_id: int, user) -> Event:
    event = get_or_404(Event, event_id)
    if not services.can_view_event(user, event):
        abort(404, f"No event with id {event_id}.")
    return event


def _visible_listing(listing_id: int, user) -> Listing:
    """A listing named in a request body: one the caller may not see is as good as missing."""
    listing = get_or_404(Listing, listing_id)
    if not can_view(user, listing):
        abort(404, f"No listing with id {listing_id}.")
    return listing


def _own_registration(event: Event, user) -> Registration:
    reg = registration_ops.registration_for(event, user.enterprise_id)
    if reg is None or reg.status != "confirmed":
        abort(403, "Your enterprise has no confirmed registration for this event.")
    return reg


def _dump_events(events) -> list[dict]:
    """Events as the caller may see them: budgets are the organizers' business."""
    user = api_user()
    bodies = EventSchema(many=True).dump(events)
    if not (user is not None and user.is_organizer):
        for body in bodies:
            body["budget"] = None
    return bodies


def _dump_event(event, warnings=None):
    body = _dump_events([event])[0]
    if warnings is not None:
        body["warnings"] = [str(w) for w in warnings]
    return body


# --- events and plan ----------------------------------------------------------------------


@bp.route("/events", methods=["GET"])
@bp.arguments(EventQuerySchema, location="query")
@bp.response(200, EventListSchema)
@bp.doc(security=OPTIONAL_AUTH)
@errors.error_responses(bp, 401)
def list_events(args):
    """Events of a year (default: all), oldest first. Cancelled ones only for organizers."""
    user = api_user()
    events = services.visible_events(user, args.get("year"))
    events = [
        e
        for e in events
        if e.kind == args.get("kind", e.kind) and e.status == args.get("status", e.status)
    ]
    return respond({"items": _dump_events(events), "total": len(events)})


@bp.route("/events", methods=["POST"])
@bp.arguments(EventInSchema)
@bp.response(201, EventWithWarningsSchema)
@bp.doc(security=TOKEN_AUTH)
@errors.error_responses(bp, 400, 401, 403)
def create_event(data):
    """Plan an event (organizers). Over the programme's yearly cap: 422 `over_cap`, with the
    amount in the message; a second roadshow in a month or a chain twice a year: `warnings`."""
    user = _organizer()
    event = Event()
    with audit.tracked(user, "event.budget", event, ("budget",)):
        warnings = services.save_event(event, data, user=user)
    return respond(_dump_event(event, warnings), 201)


@bp.route("/events/<int:event_id>", methods=["GET"])
@bp.response(200, EventSchema)
@bp.doc(security=OPTIONAL_AUTH)
@errors.error_responses(bp, 401, 404)
def get_event(event_id):
    """One event."""
    return respond(_dump_event(_event(event_id, api_user())))


@bp.route("/events/<int:event_id>", methods=["PATCH"])
@bp.arguments(EventPatchSchema(partial=True))
@bp.response(200, EventWithWarningsSchema)
@bp.doc(security=TOKEN_AUTH)
@errors.error_responses(bp, 400, 401, 403, 404, 409)
def update_event(data, event_id):
    """Change an event (organizers); `status` moves it: planned → open → closed → held, or
    cancelled (409 `bad_state` for other moves)."""
    user = _organizer()
    event = _event(event_id, user)
    sent = request.get_json(silent=True) or {}
    data = {key: value for key, value in data.items() if key in sent}  # no defaults on PATCH
    status = data.pop("status", None)
    reason = data.pop("status_reason", "")
    if ("starts_at" in data) != ("ends_at" in data) or "timezone" in data:
        # Times without an offset are read in the event's zone; keep both in one zone.
        for key in ("starts_at", "ends_at"):
            data.setdefault(key, to_local(getattr(event, key), event.timezone))
    with audit.tracked(user, "event.budget", event, ("budget",)):
        warnings = services.save_event(event, data, user=user)
    if status is not None:
        with audit.tracked(user, "event.status", event, ("status",)):
            services.set_status(event, status, reason=reason, user=user)
        if event.status == "open":
            registration_ops.promote_waitlist(event)
    return respond(_dump_event(event, warnings))


#: The bounds are in the route so that the OpenAPI document (and Schemathesis) has them.
@bp.route("/plan/<int(min=2000, max=2100):year>", methods=["GET"])
@bp.response(200, PlanSchema)
@bp.doc(security=TOKEN_AUTH)
@errors.error_responses(bp, 401, 403, 404)
def plan(year):
    """The year's plan (organizers): targets, counts, budgets against caps, months, warnings."""
    _organizer()
    if not 2000 <= year <= 2100:
        abort(404, "No plan for that year.")
    p = programme.year_plan(year)
    body = {
        "year": p.year,
        "warnings": [str(w) for w in p.warnings],
        "months": [
            {
                "month": m.month,
                "roadshows": EventSchema(many=True).dump(m.roadshows),
                "matchmaking": EventSchema(many=True).dump(m.matchmaking),
            }
            for m in p.months
        ],
    }
    for kind in ("roadshow", "matchmaking"):
        prog = getattr(p, kind)
        body[kind] = {
            "count": prog.count,
            "target": prog.target,
            "cap": prog.cap,
            "spent": prog.spent,
            "planned": prog.planned,
            "remaining": prog.remaining,
        }
    return respond(body)


# --- registrations and invitations --------------------------------------------------------


@bp.route("/events/<int:event_id>/registrations", methods=["GET"])
@bp.response(200, RegistrationListSchema)
@bp.doc(security=TOKEN_AUTH)
@errors.error_responses(bp, 401, 404)
def list_registrations(event_id):
    """All registrations for organizers; a member sees only their enterprise's."""
    user = require_api_user()
    event = _event(event_id, user)
    if user.is_organizer:
        regs = registration_ops.registrations(event)
    else:
        reg = registration_ops.registration_for(event, user.enterprise_id)
        regs = [reg] if reg is not None else []
    return respond({"items": RegistrationSchema(many=True).dump(regs)})


@bp.route("/events/<int:event_id>/registrations", methods=["POST"])
@bp.arguments(RegistrationInSchema)
@bp.response(201, RegistrationSchema)
@bp.doc(security=TOKEN_AUTH)
@errors.error_responses(bp, 400, 401, 403, 404, 409)
def create_registration(data, event_id):
    """Register the token user's enterprise, with the listings it brings. `status` is
    confirmed, waitlisted (event full) or pending (organizer approval)."""
    user = require_api_user()
    event = _event(event_id, user)
    if user.enterprise is None:
        abort(403, "Only members of an enterprise can register.")
    listings = [_visible_listing(i, user) for i in data["listing_ids"]]
    reg = registration_ops.register(event, user.enterprise, user, listings)
    return respond(RegistrationSchema().dump(reg), 201)


REGISTRATION_ACTION = "/events/<int:event_id>/registrations/<int:reg_id>/<action>"


@bp.route(REGISTRATION_ACTION, methods=["POST"])
@bp.response(200, RegistrationSchema)
@bp.doc(security=TOKEN_AUTH)
@errors.error_responses(bp, 401, 403, 404, 409)
def registration_action(event_id, reg_id, action):
    """`action`: `cancel` (own enterprise or organizers; the waiting list moves up),
    `approve`, `reject` and `checkin` (organizers)."""
    user = require_api_user()
    if action not in ("cancel", "approve", "reject", "checkin"):
        abort(404, "The action is one of cancel, approve, reject, checkin.")
    event = _event(event_id, user)
    reg = get_or_404(Registration, reg_id)
    if reg.event_id != event.id:
        abort(404, f"No registration with id {reg_id}.")
    own = reg.enterprise_id == user.enterprise_id
    if not user.is_organizer and not (own and action == "cancel"):
        abort(403, "Only organizers (or the registration's own enterprise, to cancel).")
    {
        "cancel": lambda r: registration_ops.cancel_registration(r, by=user),
        "approve": registration_ops.approve,
        "reject": registration_ops.reject,
        "checkin": registration_ops.check_in,
    }[action](reg)
    return respond(RegistrationSchema().dump(reg))


@bp.route("/events/<int:event_id>/suggestions", methods=["GET"])
@bp.response(200, SuggestionListSchema)
@bp.doc(security=TOKEN_AUTH)
@errors.error_responses(bp, 401, 403, 404)
def suggestions(event_id):
    """Whom to invite (organizers): the 50 best matches, with scores and reasons."""
    user = _organizer()
    event = _event(event_id, user)
    found = invitation_ops.suggestions(event, limit=50)
    return respond({"items": SuggestionSchema(many=True).dump(found)})


@bp.route("/events/<int:event_id>/invitations", methods=["POST"])
@bp.arguments(InviteInSchema)
@bp.response(201, InvitationListSchema)
@bp.doc(security=TOKEN_AUTH)
@errors.error_responses(bp, 400, 401, 403, 404, 409)
def invite(data, event_id):
    """Invite suggested enterprises (organizers); the mails go to the outbox."""
    user = _organizer()
    event = _event(event_id, user)
    created = invitation_ops.invite(event, data["enterprise_ids"], user=user)
    return respond({"items": InvitationSchema(many=True).dump(created)}, 201)


# --- meetings -----------------------------------------------------------------------------


@bp.route("/events/<int:event_id>/meetings", methods=["GET"])
@bp.response(200, MeetingsSchema)
@bp.doc(security=TOKEN_AUTH)
@errors.error_responses(bp, 401, 403, 404)
def meetings(event_id):
    """The schedule and the meeting requests: everything for organizers, one's own for
    members of a confirmed enterprise."""
    user = require_api_user()
    event = _event(event_id, user)
    if user.is_organizer:
        shown = meeting_ops.event_meetings(event)
        rqs = db.session.execute(
            db.select(MeetingRequest).where(MeetingRequest.event_id == event.id)
        ).scalars()
    else:
        reg = _own_registration(event, user)
        shown = meeting_ops.event_meetings(event, reg)
        rqs = meeting_ops.requests_for(reg)
    return respond(
        {
            "meetings": MeetingSchema(many=True).dump(shown),
            "requests": MeetingRequestSchema(many=True).dump(list(rqs)),
        }
    )


@bp.route("/events/<int:event_id>/meeting-requests", methods=["POST"])
@bp.arguments(MeetingRequestInSchema)
@bp.response(201, MeetingRequestSchema)
@bp.doc(security=TOKEN_AUTH)
@errors.error_responses(bp, 400, 401, 403, 404, 409)
def create_request(data, event_id):
    """Ask another participant for a 1:1 meeting; it expires after the event's TTL."""
    user = require_api_user()
    event = _event(event_id, user)
    reg = _own_registration(event, user)
    other = get_or_404(Registration, data["recipient_id"])
    if other.event_id != event.id:
        abort(404, f"No registration with id {data['recipient_id']} in this event.")
    rq = meeting_ops.request_meeting(reg, other, data["message"])
    return respond(MeetingRequestSchema().dump(rq), 201)


@bp.route("/events/<int:event_id>/meeting-requests/<int:request_id>/respond", methods=["POST"])
@bp.arguments(RespondInSchema)
@bp.response(200, MeetingRequestSchema)
@bp.doc(security=TOKEN_AUTH)
@errors.error_responses(bp, 400, 401, 403, 404, 409)
def respond_request(data, event_id, request_id):
    """Accept or decline a request sent to one's enterprise (409 once it has expired)."""
    user = require_api_user()
    event = _event(event_id, user)
    reg = _own_registration(event, user)
    rq = get_or_404(MeetingRequest, request_id)
    if rq.event_id != event.id:
        abort(404, f"No meeting request with id {request_id}.")
    if rq.recipient_id != reg.id:
        abort(403, "Only the recipient may answer.")
    meeting_ops.respond_to_request(rq, data["accept"])
    return respond(MeetingRequestSchema().dump(rq))


@bp.route("/events/<int:event_id>/schedule", methods=["POST"])
@bp.response(200, ScheduleResultSchema)
@bp.doc(security=TOKEN_AUTH)
@errors.error_responses(bp, 401, 403, 404, 409)
def schedule(event_id):
    """Run the scheduler (organizers): accepted requests first, then the best pairs; pinned
    meetings stay. Returns the total match score against an upper bound."""
    user = _organizer()
    event = _event(event_id, user)
    result = meeting_ops.schedule_event(event)
    return respond(
        {
            "meetings": len(result.meetings),
            "score": result.score,
            "bound": result.bound,
            "ratio": round(result.ratio, 4),
            "unplaced_requests": len(result.unplaced_requests),
            "uncovered": len(result.uncovered),
        }
    )


@bp.route("/events/<int:event_id>/meetings/<int:meeting_id>/move", methods=["POST"])
@bp.arguments(MeetingMoveInSchema)
@bp.response(200, MeetingSchema)
@bp.doc(security=TOKEN_AUTH)
@errors.error_responses(bp, 400, 401, 403, 404, 409)
def move_meeting(data, event_id, meeting_id):
    """Move a meeting to another slot or table (organizers); it is pinned. Into a slot one
    side marked unavailable or already holds only with `force: true` (recorded)."""
    user = _organizer()
    event = _event(event_id, user)
    meeting = get_or_404(Meeting, meeting_id)
    if meeting.event_id != event.id:
        abort(404, f"No meeting with id {meeting_id}.")
    meeting_ops.move_meeting(
        meeting, data["slot_id"], data["table_id"], force=data["force"], user=user
    )
    return respond(MeetingSchema().dump(meeting))


@bp.route("/events/<int:event_id>/meetings/<int:meeting_id>/outcome", methods=["POST"])
@bp.arguments(OutcomeInSchema)
@bp.response(201, OutcomeListSchema)
@bp.doc(security=TOKEN_AUTH)
@errors.error_responses(bp, 400, 401, 403, 404)
def record_outcome(data, event_id, meeting_id):
    """Record a meeting's outcome (its two parties or organizers); each stage reached goes
    into the shared ledger once."""
    user = require_api_user()
    event = _event(event_id, user)
    meeting = get_or_404(Meeting, meeting_id)
    if meeting.event_id != event.id:
        abort(404, f"No meeting with id {meeting_id}.")
    if not (user.is_organizer or meeting.involves(user.enterprise_id)):
        abort(403, "Only the meeting's parties and organizers may record its outcome.")
    created = meeting_ops.record_meeting_outcome(meeting, user=user, **data)
    return respond({"items": OutcomeSchema(many=True).dump(created)}, 201)


@bp.route("/events/<int:event_id>/outcomes", methods=["GET"])
@bp.response(200, OutcomeListSchema)
@bp.doc(security=TOKEN_AUTH)
@errors.error_responses(bp, 401, 403, 404)
def outcomes(event_id):
    """The event's ledger rows: all for organizers, one's own enterprise's for members."""
    user = require_api_user()
    event = _event(event_id, user)
    if user.is_organizer:
        rows = meeting_ops.outcomes_for(event)
    else:
        if user.enterprise_id is None:
            abort(403, "Only members of an enterprise or organizers.")
        rows = meeting_ops.outcomes_for(event, user.enterprise_id)
    return respond({"items": OutcomeSchema(many=True).dump(rows)})


# --- iCalendar ----------------------------------------------------------------------------


def _ics(body: bytes, name: str) -> Response:
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/events/<int:event_id>/calendar.ics", methods=["GET"])
@bp.doc(security=OPTIONAL_AUTH, responses=ICS_RESPONSE)
@errors.error_responses(bp, 401, 404)
def calendar(event_id):
    """The whole event as iCalendar; with an organizer's token, every meeting too."""
    user = api_user()
    event = _event(event_id, user)
    shown = meeting_ops.event_meetings(event) if user is not None and user.is_organizer else ()
    return _ics(
        exports.event_calendar(event, exports.public_host(), shown), f"event-{event.id}.ics"
    )


@bp.route("/events/<int:event_id>/agenda.ics", methods=["GET"])
@bp.doc(security=TOKEN_AUTH, responses=ICS_RESPONSE)
@errors.error_responses(bp, 401, 403, 404)
def agenda(event_id):
    """The token user's enterprise's personal agenda (the event and its meetings)."""
    user = require_api_user()
    event = _event(event_id, user)
    reg = _own_registration(event, user)
    body = exports.personal_agenda(
        event, reg, meeting_ops.event_meetings(event, reg), exports.public_host()
    )
    return _ics(body, f"agenda-{event.id}.ics")
