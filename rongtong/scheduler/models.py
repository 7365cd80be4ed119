"""The lease that lets one scheduler process run at a time."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class SchedulerLease(db.Model):
    """Held by the running scheduler, which renews it; a lapsed lease may be taken over."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    #: ``host:pid:random`` of the holder.
    holder: Mapped[str] = mapped_column(String(80))
    acquired_at: Mapped[datetime]
    expires_at: Mapped[datetime]
