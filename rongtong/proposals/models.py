"""Proposals (揭榜) on challenges, their files and threads, and reviewers.

A challenge's terms acceptances and confidential views are listings' (listings/models.py).
"""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.time import utcnow
from ..extensions import db

STATUSES = ("draft", "submitted", "shortlisted", "accepted", "declined", "withdrawn")
#: Statuses in which the challenge owner still owes the proposer an answer.
OPEN_STATUSES = ("submitted", "shortlisted")
DECIDED_STATUSES = ("accepted", "declined")
DECLINE_REASONS = (
    "out_of_scope",
    "technical",
    "price",
    "timeline",
    "capability",
    "selected_other",
    "cancelled",
    "other",
)
ATTACHMENT_KINDS = ("pdf", "docx", "xlsx", "png", "jpeg")


class Proposal(db.Model):
    __tablename__ = "proposals"
    __table_args__ = (
        # One proposal per enterprise per challenge, drafts included: the database decides
        # when two arrive at once.
        UniqueConstraint("listing_id", "enterprise_id", name="uq_proposals_listing_enterprise"),
        CheckConstraint(
            "status IN ('draft', 'submitted', 'shortlisted', 'accepted', 'declined', 'withdrawn')",
            name="status",
        ),
        CheckConstraint("enterprise_id <> owner_enterprise_id", name="not_own_challenge"),
        CheckConstraint("quote IS NULL OR quote >= 0", name="quote"),
        CheckConstraint("accepted_amount IS NULL OR accepted_amount >= 0", name="accepted_amount"),
        Index("ix_proposals_status_due", "status", "response_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), index=True
    )
    #: The proposing enterprise.
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    #: The challenge owner's enterprise, copied from the listing so that the database itself
    #: refuses a proposal on one's own challenge.
    owner_enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    summary: Mapped[str] = mapped_column(String(500), default="")
    approach: Mapped[str] = mapped_column(Text, default="")
    #: Who works on it: names, roles, qualifications, as entered.
    team: Mapped[str] = mapped_column(Text, default="")
    #: Milestones and durations, as entered.
    timeline: Mapped[str] = mapped_column(Text, default="")
    #: Whole yuan; required to submit.
    quote: Mapped[int | None] = mapped_column(BigInteger)
    #: One of DECLINE_REASONS when declined, with the owner's note.
    decline_reason: Mapped[str | None] = mapped_column(String(30))
    decline_note: Mapped[str] = mapped_column(Text, default="")
    #: Whole yuan agreed on acceptance (defaults to the quote); goes to the outcome ledger.
    accepted_amount: Mapped[int | None] = mapped_column(BigInteger)
    #: The ledger row written when the challenge was awarded to this proposal.
    outcome_id: Mapped[int | None] = mapped_column(ForeignKey("outcomes.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None]
    shortlisted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[datetime | None]
    #: When the owner's next answer is due (PROPOSAL_RESPONSE_DAYS after submission or after
    #: their last step); None once decided or withdrawn.
    response_due_at: Mapped[datetime | None]
    #: The last reminder sent to the owner about this proposal.
    reminded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    listing = relationship("Listing")
    enterprise = relationship("Enterprise", foreign_keys=[enterprise_id])
    owner_enterprise = relationship("Enterprise", foreign_keys=[owner_enterprise_id])
    attachments = relationship(
        "ProposalAttachment",
        back_populates="proposal",
        cascade="all, delete-orphan",
        order_by="ProposalAttachment.id",
    )
    messages = relationship(
        "ProposalMessage",
        back_populates="proposal",
        cascade="all, delete-orphan",
        order_by="ProposalMessage.id",
    )

    @property
    def was_submitted(self) -> bool:
        return self.submitted_at is not None

    def __repr__(self) -> str:
        return f"<Proposal {self.id} listing={self.listing_id} {self.status}>"


class ProposalAttachment(db.Model):
    """A file of a proposal, stored under a random name in the instance folder."""

    __tablename__ = "proposal_attachments"
    __table_args__ = (
        CheckConstraint("kind IN ('pdf', 'docx', 'xlsx', 'png', 'jpeg')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    #: Random hex name of the file under the attachments folder; never derived from input.
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    #: The uploader's file name, checked (no path parts, no control characters); used only
    #: as the download name.
    filename: Mapped[str] = mapped_column(String(200))
    #: What the content is (by its bytes, not its name).
    kind: Mapped[str] = mapped_column(String(10))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposal = relationship("Proposal", back_populates="attachments")


class ProposalMessage(db.Model):
    """The question-and-answer thread between the challenge owner and the proposer."""

    __tablename__ = "proposal_messages"
    __table_args__ = (CheckConstraint("side IN ('owner', 'proposer')", name="side"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Whose side wrote it: the challenge owner ("owner") or the proposer ("proposer").
    side: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposal = relationship("Proposal", back_populates="messages")
    author = relationship("User")


class ChallengeReviewer(db.Model):
    """An organizer the owner (or an admin) made a reviewer of one challenge's proposals."""

    __tablename__ = "challenge_reviewers"
    __table_args__ = (UniqueConstraint("listing_id", "user_id", name="uq_reviewers_listing_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User", foreign_keys=[user_id])
