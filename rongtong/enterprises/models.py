"""Enterprises: the members' organisations, with their place in the taxonomies, and the
requests of registered users to join one."""

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.time import utcnow
from ..extensions import db

enterprise_chains = Table(
    "enterprise_chains",
    db.metadata,
    Column("enterprise_id", ForeignKey("enterprises.id", ondelete="CASCADE"), primary_key=True),
    Column("chain_id", ForeignKey("chains.id", ondelete="CASCADE"), primary_key=True),
)


#: Where an enterprise stands in the organizers' verification review. ``rejected`` and
#: ``needs_info`` wait for the members: editing the profile puts it back to ``pending``.
REVIEW_STATUSES = ("pending", "approved", "rejected", "needs_info")


class Enterprise(db.Model):
    __tablename__ = "enterprises"
    __table_args__ = (
        CheckConstraint(
            "review_status IN ('pending', 'approved', 'rejected', 'needs_info')",
            name="review_status",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    #: The name without place and legal-form words, for near-duplicate detection.
    name_key: Mapped[str] = mapped_column(String(120), default="", index=True)
    #: 统一社会信用代码, normalised (half-width, upper case).
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    kind_id: Mapped[int] = mapped_column(ForeignKey("enterprise_kinds.id"), index=True)
    tier_id: Mapped[int | None] = mapped_column(ForeignKey("tiers.id"), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str] = mapped_column(String(255), default="")
    contact_name: Mapped[str] = mapped_column(String(80), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_mobile: Mapped[str] = mapped_column(String(20), default="")
    verified_at: Mapped[datetime | None]
    verified_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL", use_alter=True)
    )
    #: The existing enterprise whose name this one nearly repeats, for the organizer to check.
    possible_duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprises.id", ondelete="SET NULL")
    )
    duplicate_score: Mapped[float | None]
    review_status: Mapped[str] = mapped_column(String(20), default="pending")
    #: The organizer's reason for a rejection, or what they asked the members to complete;
    #: shown to the members on the profile and mailed to them.
    review_note: Mapped[str] = mapped_column(Text, default="")
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL", use_alter=True)
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    kind = relationship("EnterpriseKind", lazy="joined")
    tier = relationship("Tier", lazy="joined")
    district = relationship("District", lazy="joined")
    chains = relationship("Chain", secondary=enterprise_chains, order_by="Chain.position")
    members = relationship("User", back_populates="enterprise", foreign_keys="User.enterprise_id")
    possible_duplicate_of = relationship("Enterprise", remote_side=[id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])
    listings = relationship("Listing", back_populates="enterprise")

    @property
    def verified(self) -> bool:
        return self.verified_at is not None

    def __repr__(self) -> str:
        return f"<Enterprise {self.credit_code} {self.name}>"


JOIN_STATUSES = ("pending", "approved", "declined", "cancelled")


class JoinRequest(db.Model):
    """A user's request to become a member of an existing enterprise.

    Any member of the enterprise (or an organizer) decides; approval sets the user's
    ``enterprise_id``. A user has at most one pending request at a time.
    """

    __tablename__ = "join_requests"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'approved', 'declined', 'cancelled')", name="status"
        ),
        # The database, not a check-then-insert, keeps two pending requests from one user.
        Index(
            "uq_join_requests_pending_user",
            "user_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    #: The requester.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    #: The requester's note to the members (who they are, their department).
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When it was approved, declined or cancelled.
    decided_at: Mapped[datetime | None]
    #: Who approved or declined it (the requester, for a cancellation).
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    enterprise = relationship("Enterprise")
    user = relationship("User", foreign_keys=[user_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def pending(self) -> bool:
        return self.status == "pending"

    def __repr__(self) -> str:
        return f"<JoinRequest {self.id} user={self.user_id} {self.status}>"
