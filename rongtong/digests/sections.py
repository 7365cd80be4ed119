"""The parts of a digest. Each builder takes (run, member) and returns a ``Section`` or None.

Builders run inside the member's locale. A section with no items is left out, and a digest
whose sections are all empty is not sent. Other features add theirs with one line below
(e.g. ``"rongtong.events.digest:roadshows"``), rendering with their own partial templates
and recording what they told with ``Section.announce`` so that it is not told twice.
"""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from ..extensions import db
from ..listings.models import Listing
from ..mail.services import external_url
from .services import DigestMatch, DigestRun, Member, Section, shorten

SECTIONS = [
    "rongtong.digests.sections:new_matches",
    "rongtong.digests.sections:upcoming_events",
    "rongtong.digests.sections:own_listing_changes",
    "rongtong.proposals.digest:proposal_changes",
]


def new_matches(run: DigestRun, member: Member) -> Section | None:
    """Counterparts of the enterprise's own published listings not yet told to this member."""
    floor = max(float(run.config["DIGEST_MIN_SCORE"]), member.min_score)
    told = member.announced.get("match", set())
    found = []
    for own in run.listings_by_enterprise.get(member.enterprise_id, ()):
        hidden = run.hidden.get(own.id, set())
        for match in run.candidates(own):
            if match.score < floor:
                break  # best first
            counterpart = run.listings.get(match.id)
            if (
                counterpart is None
                or counterpart.enterprise_id == own.enterprise_id
                or counterpart.id in hidden
                or (member.chain_ids and counterpart.chain_id not in member.chain_ids)
            ):
                continue
            ref = f"{own.id}:{counterpart.id}"
            if ref not in told:
                found.append((match.score, own, counterpart, ref))
    if not found:
        return None
    found.sort(key=lambda t: (-t[0], t[2].id, t[1].id))
    shown = found[: int(run.config["DIGEST_MAX_MATCHES"])]
    items = [
        DigestMatch(
            own=own,
            counterpart=counterpart,
            score=score,
            reasons=run.reasons(own, counterpart),
            url=external_url("listings.detail", listing_id=counterpart.id),
        )
        for score, own, counterpart, _ref in shown
    ]
    top = shorten(items[0].counterpart.title)
    if len(items) == 1:
        subject = _("1 个新匹配：%(title)s", title=top)
    else:
        subject = _("%(n)d 个新匹配：%(title)s 等", n=len(items), title=top)
    return Section(
        key="matches",
        title=_("新匹配"),
        items=items,
        subject=subject,
        template="digests/mail/_matches",
        announce=[("match", ref) for *_rest, ref in shown],
        extra={"more": len(found) - len(shown)},
    )


def _upcoming_events(run: DigestRun) -> list:
    """Planned and open events of the coming weeks (and the rest of this month), soonest first."""
    from ..events.models import Event

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


def _recent_listing_changes(run: DigestRun) -> dict[int, list[tuple[Listing, str]]]:
    """Own listings that expired, were awarded or were unpublished during the last period."""
    since = run.now - run.period.length - timedelta(days=1)
    rows = db.session.execute(
        db.select(Listing).where(
            db.or_(
                db.and_(Listing.status.in_(("expired", "awarded")), Listing.closed_at >= since),
                db.and_(Listing.status == "draft", Listing.moderated_at >= since),
            )
        )
    ).scalars()
    result: dict[int, list[tuple[Listing, str]]] = {}
    for listing in rows:
        what = "unpublished" if listing.status == "draft" else listing.status
        result.setdefault(listing.enterprise_id, []).append((listing, what))
    return result


def own_listing_changes(run: DigestRun, member: Member) -> Section | None:
    changes = run.shared("listing_changes", _recent_listing_changes)
    told = member.announced.get("listing", set())
    items = []
    for listing, what in changes.get(member.enterprise_id, ()):
        ref = f"{listing.id}:{what}"
        if ref not in told:
            url = external_url("listings.detail", listing_id=listing.id)
            items.append({"listing": listing, "what": what, "ref": ref, "url": url})
    if not items:
        return None
    return Section(
        key="own_listings",
        title=_("本单位发布的变化"),
        items=items,
        subject=_("%(n)d 条发布有变化", n=len(items)),
        template="digests/mail/_own_listings",
        announce=[("listing", item["ref"]) for item in items],
    )
