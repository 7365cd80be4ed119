"""Event schemas for the JSON API: input schemas validate and resolve (terms to rows)."""

from marshmallow import Schema, fields, validate, validates_schema
from marshmallow import ValidationError as MMValidationError

from ..core.schemas import BaseSchema, TaxonomyTerm, Text, UtcDateTime, Yuan
from ..taxonomy.models import Category, Chain
from .models import EVENT_KINDS, EVENT_STATUSES


class EventInSchema(BaseSchema):
    title = Text(required=True, required_text=True, max_length=160)
    kind = fields.String(
        required=True, validate=validate.OneOf(EVENT_KINDS, error="应为 {choices} 之一。")
    )
    chain = TaxonomyTerm(
        Chain, allow_none=True, metadata={"description": "Required for roadshows."}
    )
    theme = TaxonomyTerm(
        Category, allow_none=True, metadata={"description": "Required for matchmaking events."}
    )
    starts_at = fields.DateTime(
        required=True,
        metadata={"description": "ISO 8601; without an offset it is wall-clock in `timezone`."},
    )
    ends_at = fields.DateTime(required=True)
    registration_opens_at = fields.DateTime(
        allow_none=True,
        load_default=None,
        metadata={"description": "Registration opens by itself then; null: opened by hand."},
    )
    registration_closes_at = fields.DateTime(
        allow_none=True,
        load_default=None,
        metadata={"description": "Registration closes then; null: at the start."},
    )
    timezone = Text(max_length=40, load_default="Asia/Shanghai")
    venue = Text(max_length=200, load_default="")
    online_url = Text(max_length=255, load_default="")
    capacity = fields.Integer(load_default=0, validate=validate.Range(min=0, max=100_000))
    budget = Yuan(load_default=0, metadata={"description": "CNY; refused over the yearly cap."})
    organiser = Text(max_length=120, load_default="")
    description = Text(max_length=20_000, load_default="", multiline=True)
    requires_approval = fields.Boolean(load_default=False)
    slot_minutes = fields.Integer(load_default=20, validate=validate.Range(min=5, max=240))
    break_minutes = fields.Integer(load_default=5, validate=validate.Range(min=0, max=120))
    meetings_per_person = fields.Integer(load_default=6, validate=validate.Range(min=0, max=48))
    request_ttl_hours = fields.Integer(load_default=48, validate=validate.Range(min=1, max=1440))


class EventPatchSchema(EventInSchema):
    """Every field optional (load it with ``partial=True``); `status` moves the event."""

    status = fields.String(validate=validate.OneOf(EVENT_STATUSES, error="应为 {choices} 之一。"))
    status_reason = Text(
        max_length=500,
        metadata={
            "description": "Why (shown on the event's page); required for a move the clock "
            "would not make now (422 `reason_required`)."
        },
    )

    @validates_schema
    def no_defaults(self, data, **kwargs):
        if "kind" in data and not data["kind"]:
            raise MMValidationError("不能为空。", "kind")


class EventSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    kind = fields.String()
    chain = fields.Function(lambda e: e.chain.code if e.chain else None)
    theme = fields.Function(lambda e: e.theme.code if e.theme else None)
    starts_at = UtcDateTime()
    ends_at = UtcDateTime()
    timezone = fields.String()
    venue = fields.String()
    online_url = fields.String()
    capacity = fields.Integer()
    budget = fields.Integer(
        allow_none=True,
        metadata={"description": "CNY. Organizers only: null for everyone else."},
    )
    organiser = fields.String()
    description = fields.String()
    status = fields.String(
        metadata={"description": "Moved by the clock: open, closed, held (lifecycle)."}
    )
    registration_opens_at = UtcDateTime(allow_none=True)
    registration_closes_at = UtcDateTime(
        attribute="registration_closes", metadata={"description": "Default: the start."}
    )
    status_set_at = UtcDateTime(
        allow_none=True, metadata={"description": "An organizer's last status change by hand."}
    )
    status_reason = fields.String()
    requires_approval = fields.Boolean()
    slot_minutes = fields.Integer()
    break_minutes = fields.Integer()
    meetings_per_person = fields.Integer()


class EventWithWarningsSchema(EventSchema):
    warnings = fields.List(fields.String(), metadata={"description": "Plan warnings."})


class EventQuerySchema(BaseSchema):
    year = fields.Integer(
        validate=validate.Range(min=2000, max=2100, error="年份应在 {min} 到 {max} 之间。")
    )
    kind = fields.String(validate=validate.OneOf(EVENT_KINDS, error="应为 {choices} 之一。"))
    status = fields.String(validate=validate.OneOf(EVENT_STATUSES, error="应为 {choices} 之一。"))


class EventListSchema(Schema):
    items = fields.List(fields.Nested(EventSchema))
    total = fields.Integer()


class ProgrammeSchema(Schema):
    count = fields.Integer()
    target = fields.Integer()
    cap = fields.Integer()
    spent = fields.Integer()
    planned = fields.Integer()
    remaining = fields.Integer()


class MonthSchema(Schema):
    month = fields.Integer()
    roadshows = fields.List(fields.Nested(EventSchema))
    matchmaking = fields.List(fields.Nested(EventSchema))


class PlanSchema(Schema):
    year = fields.Integer()
    roadshow = fields.Nested(ProgrammeSchema)
    matchmaking = fields.Nested(ProgrammeSchema)
    months = fields.List(fields.Nested(MonthSchema))
    warnings = fields.List(fields.String())


class RegistrationSchema(Schema):
    id = fields.Integer()
    event_id = fields.Integer()
    enterprise_id = fields.Integer()
    enterprise = fields.Function(lambda r: r.enterprise.name)
    status = fields.String()
    code = fields.String(metadata={"description": "Check-in code."})
    requested_at = UtcDateTime()
    checked_in_at = UtcDateTime(allow_none=True)
    listing_ids = fields.Function(lambda r: [lst.id for lst in r.listings])


class RegistrationListSchema(Schema):
    items = fields.List(fields.Nested(RegistrationSchema))


class RegistrationInSchema(BaseSchema):
    listing_ids = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=2**62)),
        load_default=list,
        validate=validate.Length(max=20),
    )


class ReasonSchema(Schema):
    code = fields.String()
    text = fields.String()


class SuggestionSchema(Schema):
    enterprise_id = fields.Function(lambda s: s.enterprise.id)
    enterprise = fields.Function(lambda s: s.enterprise.name)
    role = fields.String(metadata={"description": "sme, challenge_owner, investor, demand, supply"})
    score = fields.Float()
    band = fields.String(
        allow_none=True,
        metadata={"description": "The score's calibrated band: strong, medium or weak."},
    )
    reasons = fields.List(fields.Nested(ReasonSchema))
    listing_id = fields.Function(lambda s: s.listing.id if s.listing else None)
    counterpart_id = fields.Function(lambda s: s.counterpart.id if s.counterpart else None)


class SuggestionListSchema(Schema):
    items = fields.List(fields.Nested(SuggestionSchema))


class InviteInSchema(BaseSchema):
    enterprise_ids = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=2**62)),
        required=True,
        validate=validate.Length(min=1, max=500),
    )


class InvitationSchema(Schema):
    id = fields.Integer()
    enterprise_id = fields.Integer()
    role = fields.String()
    score = fields.Float(allow_none=True)


class InvitationListSchema(Schema):
    items = fields.List(fields.Nested(InvitationSchema))


class MeetingSchema(Schema):
    id = fields.Integer()
    slot_starts_at = fields.Function(lambda m: m.slot.starts_at.isoformat() + "+00:00")
    slot_ends_at = fields.Function(lambda m: m.slot.ends_at.isoformat() + "+00:00")
    table = fields.Function(lambda m: m.table.name)
    a_registration_id = fields.Integer(attribute="a_id")
    b_registration_id = fields.Integer(attribute="b_id")
    a_enterprise = fields.Function(lambda m: m.a.enterprise.name)
    b_enterprise = fields.Function(lambda m: m.b.enterprise.name)
    score = fields.Float()
    source = fields.String()
    pinned = fields.Boolean()
    attendance = fields.String(allow_none=True)
    forced_at = UtcDateTime(
        allow_none=True,
        metadata={"description": "An organizer placed it over a participant's conflict."},
    )
    forced_note = fields.String()


class MeetingMoveInSchema(BaseSchema):
    slot_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**62))
    table_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**62))
    force = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Confirm a slot one side marked unavailable or already holds "
            "(without it: 409 `conflict`); their other meeting in that slot gives way."
        },
    )


class MeetingRequestSchema(Schema):
    id = fields.Integer()
    requester_id = fields.Integer(metadata={"description": "Registration id."})
    recipient_id = fields.Integer(metadata={"description": "Registration id."})
    status = fields.String()
    message = fields.String()
    score = fields.Float(allow_none=True)
    expires_at = UtcDateTime()


class MeetingsSchema(Schema):
    meetings = fields.List(fields.Nested(MeetingSchema))
    requests = fields.List(fields.Nested(MeetingRequestSchema))


class MeetingRequestInSchema(BaseSchema):
    recipient_id = fields.Integer(
        required=True, validate=validate.Range(min=1, max=2**62),
        metadata={"description": "The other side's registration id."},
    )  # fmt: skip
    message = Text(max_length=500, load_default="")


class RespondInSchema(BaseSchema):
    accept = fields.Boolean(required=True)


class ScheduleResultSchema(Schema):
    meetings = fields.Integer()
    score = fields.Float()
    bound = fields.Float()
    ratio = fields.Float()
    unplaced_requests = fields.Integer()
    uncovered = fields.Integer(metadata={"description": "Good matches left without a meeting."})


class OutcomeInSchema(BaseSchema):
    attendance = fields.String(
        required=True, validate=validate.OneOf(("held", "no_show"), error="应为 {choices} 之一。")
    )
    stage = fields.String(
        load_default="none",
        validate=validate.OneOf(
            ("none", "contact", "intent", "contract"), error="应为 {choices} 之一。"
        ),
    )
    follow_up = fields.Boolean(load_default=False)
    deal_type = fields.String(
        allow_none=True,
        validate=validate.OneOf(("order", "contract", "investment", "award", "other"),
                                error="应为 {choices} 之一。"),
    )  # fmt: skip
    amount = Yuan(allow_none=True)
    note = Text(max_length=2000, load_default="", multiline=True)


class OutcomeSchema(Schema):
    id = fields.Integer()
    stage = fields.String()
    deal_type = fields.String(allow_none=True)
    amount = fields.Integer(allow_none=True)
    demand_enterprise_id = fields.Integer(allow_none=True)
    supply_enterprise_id = fields.Integer(allow_none=True)
    occurred_on = fields.Date()


class OutcomeListSchema(Schema):
    items = fields.List(fields.Nested(OutcomeSchema))
