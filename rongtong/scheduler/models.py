"""The lease that lets one scheduler process run at a time."""

from datetime import datetime

from sqlalchemy import Float, LargeBinary, String, Text, Unicode
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


class SchedulerJob(db.Model):
    """A row of APScheduler's persistent job store (``SQLAlchemyJobStore``): one job.

    Declared here so that the migrations create the table the store reads and writes; the
    store's own definition (``apscheduler.jobstores.sqlalchemy``) has the same columns.
    """

    __tablename__ = "scheduler_jobs"

    id: Mapped[str] = mapped_column(Unicode(191), primary_key=True)
    #: When the job runs next, as a UTC POSIX timestamp; None while paused.
    next_run_time: Mapped[float | None] = mapped_column(Float(25), index=True)
    #: The pickled job (function reference, trigger, settings, next run).
    job_state: Mapped[bytes] = mapped_column(LargeBinary)


class JobStatus(db.Model):
    """How a scheduled job last went, for ``flask scheduler jobs`` and operators."""

    __tablename__ = "scheduler_job_status"

    job_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    last_started_at: Mapped[datetime | None]
    last_succeeded_at: Mapped[datetime | None]
    last_failed_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    #: Failures since the last success; retries are scheduled while below SCHEDULER_RETRIES.
    failures: Mapped[int] = mapped_column(default=0)
