"""One row per organizer or admin action."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.time import utcnow
from ..extensions import db


class AuditEntry(db.Model):
    """An action as it happened; rows are only ever added, never changed."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: Empty for the command line and jobs, where nobody is logged in.
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    #: The actor's name and e-mail then, so that the entry still reads after the user goes.
    actor_label: Mapped[str] = mapped_column(String(340), default="")
    #: A code of ``audit.services.ACTIONS``, e.g. ``enterprise.verify``; shown by its label.
    action: Mapped[str] = mapped_column(String(40), index=True)
    #: The part of ``action`` before the dot: ``enterprise``, ``listing`` …
    object_type: Mapped[str] = mapped_column(String(20))
    #: The object's id (a setting's key); kept as text, the object may be gone (a merge).
    object_id: Mapped[str] = mapped_column(String(64), default="")
    #: Its name or title then.
    object_label: Mapped[str] = mapped_column(String(255), default="")
    #: The changed fields' values before and after, as raw values; labels come at display.
    before: Mapped[dict] = mapped_column(JSON, default=dict)
    after: Mapped[dict] = mapped_column(JSON, default=dict)
    #: A reason or message given with the action (a take-down's reason, a rejection's).
    note: Mapped[str] = mapped_column(Text, default="")

    actor = relationship("User")

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.action} {self.object_type}:{self.object_id}>"
