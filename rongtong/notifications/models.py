"""In-app notices: one row per person and thing that concerns them."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.time import utcnow
from ..extensions import db


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: Idempotency: the same event notifies a person once, however often it is recorded.
    key: Mapped[str] = mapped_column(String(255), unique=True)
    #: What happened; its sentence lives in ``notices.NOTICES`` (both catalogs).
    kind: Mapped[str] = mapped_column(String(40))
    #: Values the sentence names (titles, names), stored as entered.
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Where the notice leads: an endpoint and its values, built at display time.
    endpoint: Mapped[str] = mapped_column(String(80), default="")
    endpoint_values: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[datetime | None]

    user = relationship("User")
