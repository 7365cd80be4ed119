"""The digest's matches section: counterparts of the member's own published listings not yet
told to this member. Listed in digests.sections.

One run asks the matcher once, for every published listing (``counterparts`` then takes the
index's all-pairs product); per member only its own listings are looked up in the result.
"""

from collections import defaultdict
from dataclasses import dataclass

from flask_babel import get_locale
from flask_babel import gettext as _

from ..digests.sections import Member, Section, shorten
from ..digests.services import DigestRun
from ..listings.models import Listing
from ..mail.services import external_url
from .services import counterparts, explain_pair, matchable_listings, taxonomy_labels

#: Counterparts per own listing, before the member's own filters (score, chains).
CANDIDATES_PER_LISTING = 20


@dataclass
class DigestMatch:
    own: Listing
    counterpart: Listing
    score: float
    #: strong, medium or weak: the score's calibrated band, shown instead of a percentage.
    band: str
    reasons: list[str]
    url: str


@dataclass
class _RunMatches:
    by_enterprise: dict[int, list[Listing]]
    found: dict[int, list]
    labels: dict
    #: (own id, counterpart id, locale) → worded reasons.
    reasons: dict


def _run_matches(run: DigestRun) -> _RunMatches:
    listings = list(matchable_listings())
    by_enterprise: dict[int, list[Listing]] = defaultdict(list)
    for listing in listings:
        by_enterprise[listing.enterprise_id].append(listing)
    labels = taxonomy_labels()
    found = counterparts(listings, CANDIDATES_PER_LISTING, labels=labels)
    return _RunMatches(by_enterprise, found, labels, {})


def _reasons(shared: _RunMatches, own: Listing, counterpart: Listing) -> list[str]:
    """The matcher's explanation of a pair, worded in the current locale for the member, whose
    listing ``own`` is (once per run)."""
    key = (own.id, counterpart.id, str(get_locale()))
    if key not in shared.reasons:
        pair = explain_pair(own, counterpart, n_terms=5, labels=shared.labels, reader="a")
        shared.reasons[key] = [r["text"] for r in pair.reasons] if pair else []
    return shared.reasons[key]


def new_matches(run: DigestRun, member: Member) -> Section | None:
    """Counterparts of the enterprise's own published listings not yet told to this member."""
    floor = max(float(run.config["DIGEST_MIN_SCORE"]), member.min_score)
    told = member.announced.get("match", set())
    shared = run.shared("matches", _run_matches)
    found = []
    for own in shared.by_enterprise.get(member.enterprise_id, ()):
        # Published, of another enterprise, not hidden: counterparts has seen to that.
        for match in shared.found.get(own.id, ()):
            if match.score < floor or not match.above_floor:
                break  # best first; under the matcher's floor a match is not worth telling
            counterpart = match.listing
            if member.chain_ids and counterpart.chain_id not in member.chain_ids:
                continue
            ref = f"{own.id}:{counterpart.id}"
            if ref not in told:
                found.append((match.score, own, counterpart, ref, match.band))
    if not found:
        return None
    found.sort(key=lambda t: (-t[0], t[2].id, t[1].id))
    shown = found[: int(run.config["DIGEST_MAX_MATCHES"])]
    items = [
        DigestMatch(
            own=own,
            counterpart=counterpart,
            score=score,
            band=band,
            reasons=_reasons(shared, own, counterpart),
            url=external_url("listings.detail", listing_id=counterpart.id),
        )
        for score, own, counterpart, _ref, band in shown
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
        announce=[("match", ref) for *_rest, ref, _band in shown],
        extra={"more": len(found) - len(shown)},
    )
