"""Load seed_data/events/*.jsonl: a past year of held events (registrations, meetings,
outcomes) and planned years, so that the plan and the dashboard have data on first run."""

import json
from datetime import datetime
from pathlib import Path

from ..core.services import require_term
from ..core.time import to_utc
from ..enterprises.services import find_by_credit_code
from ..extensions import db
from ..listings.models import Listing
from ..taxonomy.models import Category, Chain
from . import meetings as meeting_ops
from . import registrations as registration_ops
from . import services
from .models import Event, Meeting, Registration


def _listing(ref: str) -> Listing | None:
    return db.session.execute(db.select(Listing).where(Listing.ref == ref)).scalar_one_or_none()


def _load_one(row: dict) -> Event | None:
    tz = row.get("timezone", "Asia/Shanghai")
    starts = datetime.fromisoformat(row["starts_at"])
    if db.session.execute(
        db.select(Event.id).where(
            Event.title == row["title"], Event.starts_at == to_utc(starts, tz)
        )
    ).first():
        return None  # already loaded
    event = Event()
    services.save_event(
        event,
        {
            "title": row["title"],
            "kind": row["kind"],
            "chain": require_term(Chain, row["chain"], "chain") if row.get("chain") else None,
            "theme": require_term(Category, row["theme"], "theme") if row.get("theme") else None,
            "starts_at": starts,
            "ends_at": datetime.fromisoformat(row["ends_at"]),
            "timezone": tz,
            "venue": row.get("venue", ""),
            "online_url": row.get("online_url", ""),
            "capacity": row.get("capacity", 0),
            "budget": row.get("budget", 0),
            "organiser": row.get("organiser", ""),
            "description": row.get("description", ""),
            "requires_approval": row.get("requires_approval", False),
        },
    )
    slots = row.get("slots")
    if slots:
        meeting_ops.set_up_meetings(
            event, datetime.fromisoformat(slots["first_start"]), slots["count"], slots["tables"]
        )
    regs: dict[str, Registration] = {}
    for r in row.get("registrations", ()):
        enterprise = find_by_credit_code(r["enterprise"])
        if enterprise is None:
            continue
        listings = [lst for ref in r.get("listings", ()) if (lst := _listing(ref)) is not None]
        reg = Registration(
            event_id=event.id,
            enterprise_id=enterprise.id,
            code=registration_ops._new_code(),
            status="confirmed",
            decided_at=event.starts_at,
            requested_at=event.starts_at,
            checked_in_at=event.starts_at if r.get("checked_in") else None,
        )
        reg.listings = listings
        db.session.add(reg)
        regs[r["enterprise"]] = reg
    db.session.flush()
    slot_rows, table_rows = list(event.slots), list(event.tables)
    for m in row.get("meetings", ()):
        a, b = regs.get(m["a"]), regs.get(m["b"])
        if a is None or b is None:
            continue
        meeting = Meeting(
            event_id=event.id,
            slot_id=slot_rows[m["slot"]].id,
            table_id=table_rows[m["table"]].id,
            a_id=a.id,
            b_id=b.id,
            score=m.get("score", 0.0),
            source="suggested",
        )
        db.session.add(meeting)
        db.session.flush()
        if m.get("attendance"):
            meeting_ops.record_meeting_outcome(
                meeting,
                attendance=m["attendance"],
                stage=m.get("stage", "none"),
                follow_up=m.get("stage") not in (None, "none"),
                deal_type=m.get("deal_type"),
                amount=m.get("amount"),
            )
    event.status = row.get("status", "planned")
    db.session.flush()
    return event


def load_events(seed_dir: Path, *, echo=lambda msg: None) -> int:
    """Every event in ``seed_dir/events/*.jsonl``; the caller commits."""
    count = 0
    for path in sorted((seed_dir / "events").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and _load_one(json.loads(line)) is not None:
                count += 1
    echo(f"events: {count}")
    return count
