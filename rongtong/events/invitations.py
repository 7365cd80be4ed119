"""Invitations by match: suggested enterprises for an event, and inviting them."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from ..core.services import ServiceError
from ..enterprises.models import Enterprise
from ..extensions import db
from ..listings.models import Listing
from ..mail.services import queue_mail
from ..matches.services import counterparts, taxonomy_labels
from ..taxonomy.models import Chain
from .models import (
    Event,
    Invitation,
    Registration,
)
from .registrations import _event_url, _recipients

# --- matching: suggestions and pair scores ------------------------------------------------


@dataclass
class Suggestion:
    """An enterprise to invite, why, and the pair of listings that says so."""

    enterprise: Enterprise
    role: str
    score: float
    reasons: list[dict]
    listing: Listing | None = None
    counterpart: Listing | None = None
    #: The score's calibrated band (strong, medium, weak); None when no pair suggested it.
    band: str | None = None


#: How many to suggest for an event without a capacity (no limit), and for any event at most.
SUGGESTIONS_WITHOUT_CAPACITY = 100
SUGGESTIONS_MAX = 500


def suggestion_count(event: Event) -> int:
    """As many suggestions as the event's capacity calls for (bounded)."""
    return min(event.capacity or SUGGESTIONS_WITHOUT_CAPACITY, SUGGESTIONS_MAX)


def _ranked_pairs(seeds: list[Listing], k: int, labels=None, *, floor: bool = True):
    """(seed, counterpart listing, score, reasons, band) for each seed's k best published
    counterparts of another enterprise (``counterparts``: pairs marked "not relevant" left
    out), reasons worded. With ``floor``, never a pair under the matcher's floor: one that
    weak makes no sense to the people invited because of it."""
    if not seeds:
        return []
    found = counterparts(seeds, k, labels=labels)
    return [
        (seed, m.listing, m.score, m.reasons, m.band)
        for seed in seeds
        for m in found[seed.id]
        if m.above_floor or not floor
    ]


def _not_registrable(event: Event) -> set[int]:
    """Enterprises already invited to or registered for the event (an active registration)."""
    invited = db.select(Invitation.enterprise_id).where(Invitation.event_id == event.id)
    registered = db.select(Registration.enterprise_id).where(
        Registration.event_id == event.id, Registration.status.not_in(("cancelled", "rejected"))
    )
    return set(db.session.execute(invited.union(registered)).scalars())


def suggestions(event: Event, limit: int | None = None) -> list[Suggestion]:
    """Whom to invite, best first, one entry per enterprise: ``limit`` of them, by default as
    many as the event's capacity calls for (``suggestion_count``).

    Roadshow: SMEs whose capabilities best match the chain's open challenges, those
    challenges' owners, and investors of the chain. Matchmaking: both sides of the best
    pairs under the theme (and chain, if set). Each challenge brings up to ``limit``
    counterparts, so the whole pool is ranked, but never a pair under the matcher's floor.
    Enterprises already invited or registered are left out.
    """
    limit = suggestion_count(event) if limit is None else limit
    stmt = db.select(Listing).where(Listing.status == "published", Listing.kind == "challenge")
    if event.kind == "roadshow":
        stmt = stmt.where(Listing.chain_id == event.chain_id)
    else:
        stmt = stmt.where(Listing.category_id == event.theme_id)
        if event.chain_id:
            stmt = stmt.where(Listing.chain_id == event.chain_id)
    challenges = db.session.execute(stmt.order_by(Listing.id)).scalars().all()
    labels = taxonomy_labels()
    best: dict[int, Suggestion] = {}

    def offer(enterprise, role, score, reasons, listing, counterpart, band):
        old = best.get(enterprise.id)
        if old is None or score > old.score:
            best[enterprise.id] = Suggestion(
                enterprise, role, round(score, 4), reasons, listing, counterpart, band
            )

    for challenge, capability, score, reasons, band in _ranked_pairs(challenges, limit, labels):
        if event.kind == "roadshow":
            if capability.enterprise.kind.code != "sme" and capability.enterprise.kind.code != (
                "investor"
            ):
                continue
            if event.chain_id not in {c.id for c in capability.enterprise.chains} and (
                capability.chain_id != event.chain_id
            ):
                continue
            role = "investor" if capability.enterprise.kind.code == "investor" else "sme"
            offer(capability.enterprise, role, score, reasons, capability, challenge, band)
            offer(
                challenge.enterprise, "challenge_owner", score, reasons, challenge, capability, band
            )
        else:
            if event.theme_id and capability.category_id != event.theme_id:
                continue
            offer(capability.enterprise, "supply", score, reasons, capability, challenge, band)
            offer(challenge.enterprise, "demand", score, reasons, challenge, capability, band)
    if event.kind == "roadshow" and event.chain is not None:
        investors = db.session.execute(
            db.select(Enterprise).where(
                Enterprise.kind.has(code="investor"),
                Enterprise.chains.any(Chain.id == event.chain_id),
                Enterprise.verified_at.is_not(None),
            )
        ).scalars()
        for investor in investors:
            if investor.id not in best:
                best[investor.id] = Suggestion(
                    investor,
                    "investor",
                    0.0,
                    [{"code": "chain_investor", "text": _(
                        "关注%(chain)s产业链的投资机构", chain=event.chain.label)}],
                )  # fmt: skip
    taken = _not_registrable(event)
    result = [s for s in best.values() if s.enterprise.id not in taken]
    result.sort(key=lambda s: (-s.score, s.enterprise.id))
    return result[:limit]


def invite(event: Event, enterprise_ids, user=None) -> list[Invitation]:
    """Invite the picked enterprises (from the current suggestions) and queue the mails."""
    wanted = {int(i) for i in enterprise_ids}
    if not wanted:
        raise ServiceError(_("请至少选择一家单位。"), field="enterprise_ids")
    if event.status in ("held", "cancelled"):
        raise ServiceError(_("活动已结束或已取消。"), code="bad_state", status=409)
    found = {s.enterprise.id: s for s in suggestions(event)}
    unknown = wanted - set(found)
    if unknown:
        raise ServiceError(
            _("这些单位不在推荐名单中：%(ids)s", ids=", ".join(map(str, sorted(unknown)))),
            field="enterprise_ids",
        )
    created = []
    for eid in sorted(wanted):
        s = found[eid]
        inv = Invitation(
            event_id=event.id,
            enterprise_id=eid,
            role=s.role,
            score=s.score,
            reasons=s.reasons,
            listing_id=s.listing.id if s.listing else None,
            counterpart_id=s.counterpart.id if s.counterpart else None,
            invited_by_id=getattr(user, "id", None),
        )
        db.session.add(inv)
        db.session.flush()
        start = event.local_start
        why = "；".join(r["text"] for r in s.reasons)
        subject = _("活动邀请：%(title)s", title=event.title)
        for email, member in _recipients(s.enterprise):
            text = "\n".join(
                [
                    _("%(name)s：", name=s.enterprise.name),
                    _("诚邀贵单位参加“%(title)s”。", title=event.title),
                    _("时间：%(time)s", time=start.strftime("%Y-%m-%d %H:%M")),
                    _("地点：%(venue)s", venue=event.venue or event.online_url),
                    _("推荐理由：%(why)s", why=why) if why else "",
                    (s.counterpart and _("可对接：%(title)s", title=s.counterpart.title)) or "",
                    _event_url(event),
                ]
            )
            queue_mail(
                key=f"event:{event.id}:invitation:{eid}:{email}",
                purpose="event_invitation",
                to=email,
                subject=subject,
                text=text,
                user=member,
            )
        created.append(inv)
    return created
