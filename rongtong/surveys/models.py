"""One survey per meeting, side and round (after the event, then at 3 and 6 months)."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.time import utcnow
from ..extensions import db

#: Months after the event at which a survey is sent; 0 is right after it.
ROUNDS = (0, 3, 6)
NEXT_STEPS = ("none", "negotiation", "agreement")


class MeetingSurvey(db.Model):
    __tablename__ = "meeting_surveys"
    __table_args__ = (
        UniqueConstraint("meeting_id", "enterprise_id", "round"),
        CheckConstraint(
            "next_step IS NULL OR next_step IN ('none', 'negotiation', 'agreement')",
            name="next_step",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    #: The side answering (each side of a meeting has its own survey).
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    #: Months after the event: 0, 3 or 6.
    round: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]
    held: Mapped[bool | None]
    useful: Mapped[bool | None]
    #: none, negotiation (started) or agreement (reached).
    next_step: Mapped[str | None] = mapped_column(String(20))

    meeting = relationship("Meeting")
    enterprise = relationship("Enterprise")
