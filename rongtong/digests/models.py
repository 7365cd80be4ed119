"""What a member wants in a digest, and what each member has already been told."""

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.time import utcnow
from ..extensions import db

FREQUENCIES = ("weekly", "monthly", "off")

digest_preference_chains = Table(
    "digest_preference_chains",
    db.metadata,
    Column(
        "preference_id", ForeignKey("digest_preferences.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("chain_id", ForeignKey("chains.id", ondelete="CASCADE"), primary_key=True),
)


class DigestPreference(db.Model):
    """A member's choices; a member without a row gets the defaults (weekly, all chains)."""

    __tablename__ = "digest_preferences"
    __table_args__ = (
        CheckConstraint("frequency IN ('weekly', 'monthly', 'off')", name="frequency"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    frequency: Mapped[str] = mapped_column(String(10), default="weekly")
    #: Matches below this score (0–1) stay out of the digest; the platform's floor applies too.
    min_score: Mapped[float] = mapped_column(default=0.0)
    #: When the member last used an unsubscribe link (kept for the record).
    unsubscribed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    #: Chains of interest: counterparts in other chains are left out; none means all.
    chains = relationship("Chain", secondary=digest_preference_chains, order_by="Chain.position")


class DigestAnnouncement(db.Model):
    """One thing a member has been told about in a digest, so that it is never told twice."""

    __tablename__ = "digest_announcements"
    __table_args__ = (UniqueConstraint("user_id", "kind", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: What it was: ``match`` (ref ``<own listing id>:<counterpart id>``), ``listing``
    #: (a change of the member's own listing) or what another feature's section records.
    kind: Mapped[str] = mapped_column(String(20))
    ref: Mapped[str] = mapped_column(String(80))
    #: The outbox key of the digest that told it.
    mail_key: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
