"""What the platform keeps about matching: index builds, the change log since, judgements."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.time import utcnow
from ..extensions import db


class MatcherBuild(db.Model):
    """One fitted index on disk; workers load the newest one."""

    __tablename__ = "matcher_builds"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: File name inside the instance folder's ``matcher/`` directory.
    filename: Mapped[str] = mapped_column(String(200))
    n_docs: Mapped[int] = mapped_column(default=0)
    duration_ms: Mapped[int] = mapped_column(default=0)
    #: The change log's highest ``seq`` when the build read the listings: the changes after
    #: it are each process's live delta over this build.
    seq: Mapped[int] = mapped_column(default=0, server_default="0")


class ListingChange(db.Model):
    """One change that affects matching (a listing published, edited, closed, expired,
    awarded, taken down, imported, deleted, or its enterprise's district or tier changed).

    Only the listing's id is kept: a process applying the log reads the listing as it is
    then. ``seq`` grows with each row; a row is written while its transaction holds the
    listing's row lock, so for one listing the order of ``seq`` is the order of commits.
    """

    __tablename__ = "listing_changes"
    __table_args__ = (
        Index("ix_listing_changes_recorded_at", "recorded_at"),
        # SQLite would reuse the highest rowid after a delete; the log must never go back.
        {"sqlite_autoincrement": True},
    )

    seq: Mapped[int] = mapped_column(primary_key=True)
    #: No foreign key: a deleted listing's removal is a change too.
    listing_id: Mapped[int] = mapped_column(index=True)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class MatchJudgement(db.Model):
    """A listing owner's verdict on one suggested counterpart ("not relevant")."""

    __tablename__ = "match_judgements"
    __table_args__ = (UniqueConstraint("listing_id", "counterpart_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), index=True
    )
    counterpart_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Only "not_relevant" so far; kept as a label for tuning the matcher later.
    verdict: Mapped[str] = mapped_column(String(20), default="not_relevant")
    #: The score the pair had when it was judged.
    score: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    counterpart = relationship("Listing", foreign_keys=[counterpart_id])
