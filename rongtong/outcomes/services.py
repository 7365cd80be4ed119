"""Recording outcomes and reading the ledger. Never commits."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func

from ..core.services import ServiceError
from ..core.time import local_today
from ..extensions import db
from ..taxonomy.models import Chain
from .models import DEAL_TYPES, SOURCES, STAGES, Outcome


def record_outcome(
    *,
    stage: str,
    source: str,
    source_id: int | None = None,
    event_id: int | None = None,
    listing=None,
    chain=None,
    demand_enterprise=None,
    supply_enterprise=None,
    deal_type: str | None = None,
    amount: int | None = None,
    occurred_on: date | None = None,
    note: str = "",
    user=None,
) -> Outcome:
    """Add one outcome to the ledger; the chain defaults to the listing's."""
    if stage not in STAGES:
        raise ServiceError(f"stage must be one of {', '.join(STAGES)}", field="stage")
    if source not in SOURCES:
        raise ServiceError(f"source must be one of {', '.join(SOURCES)}", field="source")
    if deal_type is not None and deal_type not in DEAL_TYPES:
        raise ServiceError(f"deal_type must be one of {', '.join(DEAL_TYPES)}", field="deal_type")
    if amount is not None and amount < 0:
        raise ServiceError("金额不能为负数。", field="amount")
    outcome = Outcome(
        stage=stage,
        source=source,
        source_id=source_id,
        event_id=event_id,
        listing_id=getattr(listing, "id", None),
        chain_id=getattr(chain or getattr(listing, "chain", None), "id", None),
        demand_enterprise_id=getattr(demand_enterprise, "id", None),
        supply_enterprise_id=getattr(supply_enterprise, "id", None),
        deal_type=deal_type,
        amount=amount,
        occurred_on=occurred_on or local_today(),
        note=note,
        recorded_by_id=getattr(user, "id", None),
    )
    db.session.add(outcome)
    db.session.flush()
    return outcome


@dataclass
class LedgerRow:
    """Counts and amounts per stage for one group (an event, a chain, a month, the year)."""

    key: object
    label: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STAGES, 0))
    amount: int = 0


def ledger(*, year: int | None = None, event_id: int | None = None, by: str = "chain"):
    """The ledger grouped ``by`` "chain", "month" or "event", plus a total row.

    Each stage counts the outcomes that reached it; the amount sums the contract stage.
    """
    columns = {
        "chain": Outcome.chain_id,
        "event": Outcome.event_id,
        "month": func.extract("month", Outcome.occurred_on),
    }
    if by not in columns:
        msg = f"by must be one of {', '.join(columns)}"
        raise ValueError(msg)
    group = columns[by]
    stmt = db.select(
        group, Outcome.stage, func.count(Outcome.id), func.coalesce(func.sum(Outcome.amount), 0)
    ).group_by(group, Outcome.stage)
    if year is not None:
        stmt = stmt.where(
            Outcome.occurred_on >= date(year, 1, 1), Outcome.occurred_on <= date(year, 12, 31)
        )
    if event_id is not None:
        stmt = stmt.where(Outcome.event_id == event_id)
    labels = {}
    if by == "chain":
        labels = {c.id: c.label for c in db.session.execute(db.select(Chain)).scalars()}
    rows: dict[object, LedgerRow] = defaultdict(lambda: LedgerRow(None, ""))
    total = LedgerRow("total", "")
    for key, stage, count, amount in db.session.execute(stmt):
        key = int(key) if key is not None else None
        row = rows[key]
        row.key = key
        row.label = labels.get(key, str(key) if key is not None else "—")
        row.counts[stage] += count
        total.counts[stage] += count
        if stage == "contract":
            row.amount += int(amount)
            total.amount += int(amount)
    ordered = sorted(rows.values(), key=lambda r: (r.key is None, r.key or 0))
    return ordered, total
