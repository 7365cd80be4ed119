"""The outcome ledger: every matchmaking result, from first contact to signed contract.

Proposals (揭榜) and event meetings both write here, so the stages 对接 → 意向 → 合同 can be
shown per event, per chain and for the year.
"""

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.time import utcnow
from ..extensions import db

#: Ordered: a later stage implies the earlier ones.
STAGES = ("contact", "intent", "contract")
DEAL_TYPES = ("order", "contract", "investment", "award", "other")
SOURCES = ("proposal", "meeting", "manual")


class Outcome(db.Model):
    __tablename__ = "outcomes"
    __table_args__ = (
        CheckConstraint("stage IN ('contact', 'intent', 'contract')", name="stage"),
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stage: Mapped[str] = mapped_column(String(20))
    #: What was agreed at the contract stage: order, contract, investment, award or other.
    deal_type: Mapped[str | None] = mapped_column(String(20))
    #: Whole yuan.
    amount: Mapped[int | None] = mapped_column(BigInteger)
    #: Where the outcome came from ("proposal", "meeting", "manual") and that row's id.
    source: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[int | None]
    #: The event it came out of, if any (events are another feature's table).
    event_id: Mapped[int | None] = mapped_column(index=True)
    listing_id: Mapped[int | None] = mapped_column(
        ForeignKey("listings.id", ondelete="SET NULL"), index=True
    )
    chain_id: Mapped[int | None] = mapped_column(ForeignKey("chains.id"), index=True)
    #: The side with the need (challenge owner, investor's target …) and the side offering.
    demand_enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprises.id", ondelete="SET NULL"), index=True
    )
    supply_enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprises.id", ondelete="SET NULL"), index=True
    )
    occurred_on: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    chain = relationship("Chain")
    demand_enterprise = relationship("Enterprise", foreign_keys=[demand_enterprise_id])
    supply_enterprise = relationship("Enterprise", foreign_keys=[supply_enterprise_id])
