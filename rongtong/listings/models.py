"""Listings: challenges (发榜) and capabilities."""

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.time import utcnow
from ..extensions import db

KINDS = ("challenge", "capability")
STATUSES = ("draft", "published", "closed", "expired", "awarded")


class Listing(db.Model):
    __tablename__ = "listings"
    __table_args__ = (
        CheckConstraint("kind IN ('challenge', 'capability')", name="kind"),
        CheckConstraint(
            "status IN ('draft', 'published', 'closed', 'expired', 'awarded')", name="status"
        ),
        CheckConstraint(
            "budget_min IS NULL OR budget_max IS NULL OR budget_min <= budget_max",
            name="budget_range",
        ),
        Index("ix_listings_status_kind_created", "status", "kind", "created_at"),
        # Full-text index for search on PostgreSQL; on SQLite an empty partial index, which
        # keeps models and migrations alike at no cost (SQLite searches with LIKE).
        Index(
            "ix_listings_search_vector",
            "search_vector",
            postgresql_using="gin",
            sqlite_where=text("0"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: External reference: given by imports (re-import updates), generated otherwise.
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    chain_id: Mapped[int] = mapped_column(ForeignKey("chains.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    #: Shown only to logged-in members of verified enterprises (and to the owner).
    confidential: Mapped[str] = mapped_column(Text, default="")
    #: Comma-separated, as entered.
    keywords: Mapped[str] = mapped_column(String(500), default="")
    budget_min: Mapped[int | None] = mapped_column(BigInteger)
    budget_max: Mapped[int | None] = mapped_column(BigInteger)
    deadline: Mapped[date | None] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    #: Normalised, segmented words of title, summary, description and keywords, for search.
    search_text: Mapped[str] = mapped_column(Text, default="")
    #: PostgreSQL only: ``to_tsvector('simple', search_text)``, kept by a trigger.
    search_vector: Mapped[str | None] = mapped_column(
        Text().with_variant(TSVECTOR(), "postgresql"), deferred=True
    )
    #: The search terms of title and keywords (what the listing says it is about): relevance.
    search_head: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: PostgreSQL only: ``to_tsvector('simple', search_head)``, kept by the same trigger; small
    #: and stored in the row, so that ranking thousands of matches reads no TOAST.
    head_vector: Mapped[str | None] = mapped_column(
        Text().with_variant(TSVECTOR(), "postgresql"), deferred=True
    )
    published_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    #: Set when an organizer unpublishes the listing; the owner sees the reason.
    moderation_reason: Mapped[str] = mapped_column(String(500), default="")
    moderated_at: Mapped[datetime | None]
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    enterprise = relationship("Enterprise", back_populates="listings")
    category = relationship("Category", lazy="joined")
    chain = relationship("Chain", lazy="joined")

    @property
    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.split(",") if k.strip()]

    @property
    def is_challenge(self) -> bool:
        return self.kind == "challenge"

    def __repr__(self) -> str:
        return f"<Listing {self.ref} {self.kind} {self.status}>"


class TermsAcceptance(db.Model):
    """An enterprise accepted a challenge's confidentiality terms (and may see its details)."""

    __tablename__ = "challenge_terms_acceptances"
    __table_args__ = (
        UniqueConstraint("listing_id", "enterprise_id", name="uq_terms_listing_enterprise"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), index=True
    )
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The text accepted, as it read then.
    terms_text: Mapped[str] = mapped_column(Text)
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)

    enterprise = relationship("Enterprise")
    user = relationship("User")


class ConfidentialView(db.Model):
    """One showing of a challenge's confidential details to someone outside its owner."""

    __tablename__ = "confidential_views"
    __table_args__ = (Index("ix_confidential_views_listing_viewed", "listing_id", "viewed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprises.id", ondelete="SET NULL")
    )
    #: "web" (the challenge page) or "api".
    via: Mapped[str] = mapped_column(String(10))
    viewed_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User")
    enterprise = relationship("Enterprise")
