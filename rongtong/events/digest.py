"""The digest's events section: this month's roadshow and upcoming events of the member's
chains, each told once. Listed in digests.sections."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from ..digests.sections import Member, Section, shorten
from ..digests.services import DigestRun
from ..extensions import db
from ..mail.services import external_url
from .models import Event


def _upcoming_events(run: DigestRun) -> list:
    """Planned and open events of the coming weeks (and the rest of this month), soonest first."""
    horizon = max(run.now + timedelta(days=31), datetime.combine(run.period.end, time()))
    if run.period.frequency == "monthly":
        horizon += timedelta(days=31)
    return list(
        db.session.execute(
            db.select(Event)
            .where(
                Event.status.in_(("planned", "open")),
                Event.starts_at >= run.now,
                Event.starts_at < horizon,
            )
            .order_by(Event.starts_at, Event.id)
        ).scalars()
    )


def upcoming_events(run: DigestRun, member: Member) -> Section | None:
    """This month's roadshow and upcoming events of the member's chains, each told once."""
    events = run.shared("upcoming_events", _upcoming_events)
    if not events:
        return None
    enterprise = member.user.enterprise
    chains = member.chain_ids or {c.id for c in (enterprise.chains if enterprise else ())}
    told = member.announced.get("event", set())
    zone = ZoneInfo(run.config["TIMEZONE"])

    def local_month(moment: datetime) -> str:
        return moment.replace(tzinfo=UTC).astimezone(zone).strftime("%Y-%m")

    month = local_month(run.now)
    items, roadshow = [], None
    for event in events:
        this_months_roadshow = event.kind == "roadshow" and local_month(event.starts_at) == month
        if str(event.id) in told:
            continue
        if not (this_months_roadshow or event.chain_id is None or event.chain_id in chains):
            continue
        if this_months_roadshow and roadshow is None:
            roadshow = event
        items.append({"event": event, "url": external_url("events.detail", event_id=event.id)})
    if not items:
        return None
    if roadshow is not None:
        theme = roadshow.chain.label if roadshow.chain else shorten(roadshow.title, 16)
        subject = _("本月路演：%(chain)s", chain=theme)
    else:
        subject = _("%(n)d 场活动：%(title)s", n=len(items), title=shorten(items[0]["event"].title))
    return Section(
        key="events",
        title=_("路演与对接活动"),
        items=items,
        subject=subject,
        template="digests/mail/_events",
        announce=[("event", str(item["event"].id)) for item in items],
    )
