from datetime import date

import pytest

from rongtong.core.services import ServiceError
from rongtong.outcomes.services import ledger, record_outcome


def test_ledger_groups_by_chain_and_month(make_listing, make_enterprise):
    auto = make_listing(chain="auto")
    rail = make_listing(chain="rail")
    supplier = make_enterprise()
    record_outcome(stage="contact", source="manual", listing=auto, occurred_on=date(2026, 3, 2))
    record_outcome(stage="intent", source="manual", listing=auto, occurred_on=date(2026, 3, 9))
    record_outcome(
        stage="contract",
        source="proposal",
        listing=auto,
        deal_type="award",
        amount=800_000,
        demand_enterprise=auto.enterprise,
        supply_enterprise=supplier,
        occurred_on=date(2026, 4, 1),
    )
    record_outcome(
        stage="contract",
        source="meeting",
        listing=rail,
        deal_type="order",
        amount=200_000,
        event_id=7,
        occurred_on=date(2026, 4, 20),
    )
    record_outcome(stage="contact", source="manual", listing=rail, occurred_on=date(2025, 12, 1))

    rows, total = ledger(year=2026, by="chain")
    by_label = {row.label: row for row in rows}
    assert by_label["智能网联与新能源汽车"].counts == {"contact": 1, "intent": 1, "contract": 1}
    assert by_label["智能网联与新能源汽车"].amount == 800_000
    assert by_label["轨道交通"].counts == {"contact": 0, "intent": 0, "contract": 1}
    assert total.counts == {"contact": 1, "intent": 1, "contract": 2}
    assert total.amount == 1_000_000

    months, _ = ledger(year=2026, by="month")
    assert {row.key: row.counts["contract"] for row in months} == {3: 0, 4: 2}
    events, total = ledger(event_id=7, by="event")
    assert [row.key for row in events] == [7] and total.amount == 200_000


def test_bad_outcomes_are_refused():
    with pytest.raises(ServiceError):
        record_outcome(stage="signed", source="manual")
    with pytest.raises(ServiceError):
        record_outcome(stage="contract", source="manual", amount=-1)
