"""Events: the year's roadshows (一月一链) and matchmaking events, their registrations,
invitations and 1:1 meetings. Times are stored in UTC (naive); each event names its zone."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.time import to_local, utcnow
from ..extensions import db

EVENT_KINDS = ("roadshow", "matchmaking")
EVENT_STATUSES = ("planned", "open", "closed", "held", "cancelled")
#: pending: waits for the organizer's approval; waitlisted: the event was full.
REGISTRATION_STATUSES = ("pending", "confirmed", "waitlisted", "cancelled", "rejected")
REQUEST_STATUSES = ("pending", "accepted", "declined", "expired", "withdrawn")
MEETING_SOURCES = ("request", "suggested", "manual")
ATTENDANCE = ("held", "no_show")


class ProgrammeSetting(db.Model):
    """A programme target or cap that admins may change; absent keys use the config default."""

    __tablename__ = "programme_settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Event(db.Model):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("kind IN ('roadshow', 'matchmaking')", name="kind"),
        CheckConstraint(
            "status IN ('planned', 'open', 'closed', 'held', 'cancelled')", name="status"
        ),
        CheckConstraint("ends_at > starts_at", name="time_order"),
        CheckConstraint("budget >= 0", name="budget"),
        Index("ix_events_starts_at_kind", "starts_at", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(20))
    chain_id: Mapped[int | None] = mapped_column(ForeignKey("chains.id"), index=True)
    #: The matchmaking category an event is about (专项供需对接 theme).
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    #: UTC.
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    #: IANA zone in which the event happens and its times are shown.
    timezone: Mapped[str] = mapped_column(String(40), default="Asia/Shanghai")
    venue: Mapped[str] = mapped_column(String(200), default="")
    online_url: Mapped[str] = mapped_column(String(255), default="")
    #: Confirmed registrations at most; 0 means no limit.
    capacity: Mapped[int] = mapped_column(default=0)
    #: Whole yuan, counted against the programme's yearly cap.
    budget: Mapped[int] = mapped_column(BigInteger, default=0)
    #: The running organisation (承办单位), as entered.
    organiser: Mapped[str] = mapped_column(String(120), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="planned")
    #: UTC. The clock opens registration then; None: an organizer opens it by hand.
    registration_opens_at: Mapped[datetime | None]
    #: UTC. Registration closes then; None: at the event's start.
    registration_closes_at: Mapped[datetime | None]
    #: The last status an organizer set by hand, when and why: the clock (``lifecycle``)
    #: applies only the moments after it, so that it never undoes the organizer's decision.
    status_set_at: Mapped[datetime | None]
    status_set_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    status_reason: Mapped[str] = mapped_column(String(500), default="")
    requires_approval: Mapped[bool] = mapped_column(default=False)
    #: 1:1 meetings: slot length and break in minutes, and meetings per participant at most.
    slot_minutes: Mapped[int] = mapped_column(default=20)
    break_minutes: Mapped[int] = mapped_column(default=5)
    meetings_per_person: Mapped[int] = mapped_column(default=6)
    #: Pending meeting requests lapse after this many hours.
    request_ttl_hours: Mapped[int] = mapped_column(default=48)
    #: What the last scheduler run reached, for the organizer's page.
    schedule_score: Mapped[float | None]
    schedule_bound: Mapped[float | None]
    #: The exact model proved the last schedule optimal under the scheduler's rules.
    schedule_optimal: Mapped[bool | None]
    scheduled_at: Mapped[datetime | None]
    #: Suggested pairs scoring below this are not seated; None takes MEETING_GOOD_SCORE.
    meeting_good_score: Mapped[float | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    chain = relationship("Chain", lazy="joined")
    theme = relationship("Category", lazy="joined")
    status_set_by = relationship("User", foreign_keys=[status_set_by_id])
    registrations = relationship(
        "Registration", back_populates="event", cascade="all, delete-orphan"
    )
    slots = relationship(
        "MeetingSlot",
        back_populates="event",
        cascade="all, delete-orphan",
        order_by="MeetingSlot.starts_at",
    )
    tables = relationship(
        "MeetingTable",
        back_populates="event",
        cascade="all, delete-orphan",
        order_by="MeetingTable.position",
    )

    @property
    def local_start(self) -> datetime:
        """The start in the event's own time zone (aware)."""
        return to_local(self.starts_at, self.timezone)

    @property
    def registration_closes(self) -> datetime:
        """When registration closes (UTC): the explicit time, else the start."""
        return self.registration_closes_at or self.starts_at

    @property
    def is_roadshow(self) -> bool:
        return self.kind == "roadshow"

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.kind} {self.title}>"


registration_listings = Table(
    "registration_listings",
    db.metadata,
    Column("registration_id", ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True),
    Column("listing_id", ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True),
)


class Registration(db.Model):
    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("event_id", "enterprise_id"),
        CheckConstraint(
            "status IN ('pending', 'confirmed', 'waitlisted', 'cancelled', 'rejected')",
            name="status",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    #: Shown at the door (and encoded on the badge); unique across events.
    code: Mapped[str] = mapped_column(String(12), unique=True)
    #: Order on the waiting list (and of arrival): the time the place was asked for.
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    checked_in_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(String(500), default="")
    #: Listed in the event's attendee directory for other participants to ask for a meeting.
    directory_visible: Mapped[bool] = mapped_column(default=False, server_default=false())

    event = relationship("Event", back_populates="registrations")
    enterprise = relationship("Enterprise", lazy="joined")
    user = relationship("User")
    listings = relationship("Listing", secondary=registration_listings, order_by="Listing.id")

    @property
    def active(self) -> bool:
        return self.status == "confirmed"


class Invitation(db.Model):
    """An enterprise the organizer invited, with the match that suggested it."""

    __tablename__ = "event_invitations"
    __table_args__ = (UniqueConstraint("event_id", "enterprise_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"))
    #: Why: sme, challenge_owner, investor, demand or supply.
    role: Mapped[str] = mapped_column(String(20), default="")
    score: Mapped[float | None]
    #: [{"code", "text"}] as shown to the organizer when inviting.
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    listing_id: Mapped[int | None] = mapped_column(ForeignKey("listings.id", ondelete="SET NULL"))
    counterpart_id: Mapped[int | None] = mapped_column(
        ForeignKey("listings.id", ondelete="SET NULL")
    )
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    enterprise = relationship("Enterprise")


class MeetingSlot(db.Model):
    __tablename__ = "meeting_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]

    event = relationship("Event", back_populates="slots")


class MeetingTable(db.Model):
    __tablename__ = "meeting_tables"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(default=0)

    event = relationship("Event", back_populates="tables")


class Unavailability(db.Model):
    """A slot in which a participant cannot meet anyone."""

    __tablename__ = "meeting_unavailability"

    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True
    )
    slot_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_slots.id", ondelete="CASCADE"), primary_key=True
    )


class MeetingRequest(db.Model):
    __tablename__ = "meeting_requests"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'accepted', 'declined', 'expired', 'withdrawn')", name="status"
        ),
        CheckConstraint("requester_id <> recipient_id", name="distinct_sides"),
        Index("ix_meeting_requests_status_expires", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    requester_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    recipient_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default="pending")
    message: Mapped[str] = mapped_column(String(500), default="")
    #: The match score of the two registrations when the request was sent.
    score: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: A pending request past this time lapses (job ``expire_meeting_requests``).
    expires_at: Mapped[datetime]
    responded_at: Mapped[datetime | None]

    requester = relationship("Registration", foreign_keys=[requester_id])
    recipient = relationship("Registration", foreign_keys=[recipient_id])


class Meeting(db.Model):
    __tablename__ = "meetings"
    __table_args__ = (
        UniqueConstraint("slot_id", "table_id"),
        CheckConstraint("a_id <> b_id", name="distinct_sides"),
        CheckConstraint(
            "attendance IS NULL OR attendance IN ('held', 'no_show')", name="attendance"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("meeting_slots.id", ondelete="CASCADE"))
    table_id: Mapped[int] = mapped_column(ForeignKey("meeting_tables.id", ondelete="CASCADE"))
    a_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    b_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[float] = mapped_column(default=0.0)
    #: request (an accepted request), suggested (by match score) or manual (the organizer).
    source: Mapped[str] = mapped_column(String(20), default="suggested")
    #: Kept where it is by later scheduler runs.
    pinned: Mapped[bool] = mapped_column(default=False)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_requests.id", ondelete="SET NULL")
    )
    #: After the event: held or no_show, and whether a follow-up was agreed.
    attendance: Mapped[str | None] = mapped_column(String(20))
    follow_up: Mapped[bool] = mapped_column(default=False)
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    #: An organizer placed it despite a participant's unavailability or another meeting in
    #: the same slot, confirming it explicitly: when, who, and the conflicts accepted.
    forced_at: Mapped[datetime | None]
    forced_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    forced_note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    slot = relationship("MeetingSlot")
    table = relationship("MeetingTable")
    a = relationship("Registration", foreign_keys=[a_id])
    b = relationship("Registration", foreign_keys=[b_id])

    def involves(self, enterprise_id: int | None) -> bool:
        return enterprise_id is not None and enterprise_id in (
            self.a.enterprise_id,
            self.b.enterprise_id,
        )
