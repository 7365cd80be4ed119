"""The platform's side of the matcher: listings in, ranked listings with reasons out.

The fitted index lives in the instance folder; a row in ``matcher_builds`` names the
newest file, and each process reloads when that row changes (checked at most every
``MATCHER_RELOAD_SECONDS``), so web workers pick up a rebuild without a restart.
"""

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from matching import Doc, FormatVersionError, TfidfMatcher

from ..enterprises.models import Enterprise
from ..extensions import db
from ..listings.models import Listing
from ..listings.services import configured_text
from ..taxonomy.models import Chain
from .models import MatcherBuild, MatchJudgement

KEEP_BUILDS = 3


@dataclass
class ListingMatch:
    """A counterpart listing as a page or the API shows it."""

    listing: Listing
    score: float
    #: Code and text of each reason, in the locale of the call.
    reasons: list[dict]
    #: Shared terms, best first (when the pair was explained).
    terms: list[str]


def listing_doc(listing: Listing) -> Doc:
    """The matcher's view of a listing: plain strings and codes."""
    enterprise = listing.enterprise
    return Doc(
        id=listing.id,
        kind=listing.kind,
        title=listing.title,
        text=f"{listing.summary}\n{listing.description}",
        keywords=tuple(listing.keyword_list),
        chain=listing.chain.code if listing.chain else None,
        category=listing.category.code if listing.category else None,
        district=enterprise.district.code if enterprise and enterprise.district else None,
        tier=enterprise.tier.code if enterprise and enterprise.tier else None,
    )


def matchable_listings():
    """Published listings with what ``listing_doc`` reads, loaded in one query."""
    return (
        db.session.execute(
            db.select(Listing)
            .where(Listing.status == "published")
            .options(joinedload(Listing.enterprise).joinedload(Enterprise.tier))
            .order_by(Listing.id)
        )
        .unique()
        .scalars()
    )


def new_matcher() -> TfidfMatcher:
    """A matcher with the platform's parameters and the chain groups from the taxonomy."""
    groups = dict(db.session.execute(db.select(Chain.code, Chain.group)).all())
    params = dict(current_app.config.get("MATCHER_PARAMS") or {})
    return TfidfMatcher(
        chain_groups=groups, tokenizer=configured_text().default_tokenizer(), **params
    )


def _index_dir() -> Path:
    path = Path(current_app.instance_path) / "matcher"
    path.mkdir(parents=True, exist_ok=True)
    return path


def rebuild_index(progress=None) -> MatcherBuild:
    """Fit on every published listing, save the index and record the build; caller commits."""
    started = time.perf_counter()
    listings = matchable_listings()
    docs = [listing_doc(listing) for listing in (progress(listings) if progress else listings)]
    matcher = new_matcher().fit(docs)
    filename = f"index-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.npz"
    matcher.save(_index_dir() / filename)
    build = MatcherBuild(
        filename=filename,
        n_docs=len(docs),
        duration_ms=int((time.perf_counter() - started) * 1000),
    )
    db.session.add(build)
    db.session.flush()
    _prune_old_builds()
    _cache.put(build.id, matcher)
    return build


def _prune_old_builds() -> None:
    keep = {
        row.filename
        for row in db.session.execute(
            db.select(MatcherBuild).order_by(MatcherBuild.id.desc()).limit(KEEP_BUILDS)
        ).scalars()
    }
    for path in _index_dir().glob("index-*.npz"):
        if path.name not in keep:
            path.unlink(missing_ok=True)


class _MatcherCache:
    """The newest build's matcher, per process; re-checked at most every few seconds."""

    def __init__(self):
        self.lock = threading.Lock()
        self.build_id: int | None = None
        self.matcher: TfidfMatcher | None = None
        self.checked_at = 0.0

    def put(self, build_id: int, matcher: TfidfMatcher) -> None:
        with self.lock:
            self.build_id, self.matcher, self.checked_at = build_id, matcher, time.monotonic()

    def get(self) -> TfidfMatcher | None:
        interval = current_app.config.get("MATCHER_RELOAD_SECONDS", 5)
        if self.matcher is not None and time.monotonic() - self.checked_at < interval:
            return self.matcher
        latest = db.session.execute(
            db.select(MatcherBuild).order_by(MatcherBuild.id.desc()).limit(1)
        ).scalar_one_or_none()
        with self.lock:
            self.checked_at = time.monotonic()
            if latest is None or latest.id == self.build_id:
                return self.matcher
        try:
            matcher = TfidfMatcher.load(_index_dir() / latest.filename)
        except (FileNotFoundError, FormatVersionError, ValueError) as exc:
            current_app.logger.warning("Cannot load matcher build %s: %s", latest.id, exc)
            return self.matcher
        self.put(latest.id, matcher)
        return matcher

    def clear(self) -> None:
        with self.lock:
            self.build_id, self.matcher, self.checked_at = None, None, 0.0


_cache = _MatcherCache()


def current_matcher() -> TfidfMatcher | None:
    """The newest fitted matcher, or None before the first build."""
    return _cache.get()


def taxonomy_labels() -> dict[str, dict[str, object]]:
    """Taxonomy rows by code, for wording reasons with labels rather than codes."""
    from ..taxonomy.models import Category, District, Tier

    return {
        name: {row.code: row for row in db.session.execute(db.select(model)).scalars()}
        for name, model in (
            ("chain", Chain),
            ("category", Category),
            ("district", District),
            ("tier", Tier),
        )
    }


def meaningful(terms) -> list[str]:
    """Shared terms worth showing a person: a lone character or digit says nothing."""
    return [term for term in terms if len(term) > 1 and not term.isdigit()]


def reason_text(reason, labels) -> str:
    """A reason in the reader's language, with taxonomy labels in place of codes."""

    def label(vocabulary, code):
        row = labels[vocabulary].get(code)
        return row.label if row is not None else (code or "")

    p = reason.params
    match reason.code:
        case "shared_terms":
            return _("共同关键词：%(terms)s", terms="、".join(meaningful(p.get("terms", ()))))
        case "no_shared_terms":
            return _("没有共同关键词")
        case "same_chain":
            return _("同属%(chain)s产业链", chain=label("chain", p.get("chain")))
        case "related_chain":
            a, b = p.get("chains", (None, None))
            return _("产业链相关：%(a)s 与 %(b)s", a=label("chain", a), b=label("chain", b))
        case "compatible_category":
            return _(
                "需求类别与能力相符：%(a)s → %(b)s",
                a=label("category", p.get("challenge")),
                b=label("category", p.get("capability")),
            )
        case "category_mismatch":
            return _(
                "类别不太相符：%(a)s → %(b)s",
                a=label("category", p.get("challenge")),
                b=label("category", p.get("capability")),
            )
        case "same_district":
            return _("同在%(district)s", district=label("district", p.get("district")))
        case "proven_supplier":
            return _("能力方为%(tier)s", tier=label("tier", p.get("tier")))
    return (str(get_locale()) == "en" and reason.en) or reason.zh


def reason_dicts(reasons, labels) -> list[dict]:
    """Reasons as the pages and the API show them: a stable code and the text."""
    return [{"code": r.code, "text": reason_text(r, labels)} for r in reasons]


#: A batch holding at least this share of the indexed listings takes the index's one all-pairs
#: product for them (a digest run), cheaper then than ranking each alone; a smaller batch (a
#: page, an event's challenges) ranks each listing as it is now.
ALL_PAIRS_SHARE = 0.5
#: Counterparts asked of the matcher beyond ``k``, for those the database then drops (own
#: enterprise, no longer published); if still short, the listing is asked again for more.
OVERFETCH = 10


@dataclass
class PairExplanation:
    """Why two listings match, worded for the reader: reasons (code and text) and terms."""

    score: float
    reasons: list[dict]
    terms: list[str]


def _hidden_by_listing(ids: list[int]) -> dict[int, set[int]]:
    result: dict[int, set[int]] = {i: set() for i in ids}
    rows = db.session.execute(
        db.select(MatchJudgement.listing_id, MatchJudgement.counterpart_id).where(
            MatchJudgement.listing_id.in_(ids)
        )
    )
    for listing_id, counterpart_id in rows:
        result[listing_id].add(counterpart_id)
    return result


def _published(ids, rows: dict[int, Listing]) -> None:
    """Load into ``rows`` the published listings among ``ids`` not loaded yet."""
    missing = [i for i in ids if i not in rows]
    if not missing:
        return
    found = db.session.execute(
        db.select(Listing)
        .where(Listing.id.in_(missing), Listing.status == "published")
        .options(joinedload(Listing.enterprise))
    )
    loaded = {row.id: row for row in found.unique().scalars()}
    for i in missing:
        rows[i] = loaded.get(i)


def counterparts(
    listings, k: int = 10, *, explain: bool = False, labels=None
) -> dict[int, list[ListingMatch]]:
    """Each listing's ``k`` best counterparts, best first, by listing id: published listings of
    another enterprise that the listing's enterprise has not marked "not relevant".

    The listings themselves may be drafts or edited since the index was built: each is ranked
    as it is now, without a refit (or, in a batch covering most of the index, as it was fitted;
    see ``ALL_PAIRS_SHARE``). Counterparts are checked against the database, so one closed
    since the last build never shows. Reasons are the matcher's structured ones, worded in
    the current locale; with ``explain`` each pair is explained (shared terms as well), which
    costs a product per pair. Scores are the matcher's, unrounded.
    """
    listings = list({listing.id: listing for listing in listings}.values())
    result: dict[int, list[ListingMatch]] = {listing.id: [] for listing in listings}
    matcher = current_matcher()
    if matcher is None or k <= 0 or not listings:
        return result
    labels = labels if labels is not None else taxonomy_labels()
    hidden = _hidden_by_listing(list(result))
    docs = {listing.id: listing_doc(listing) for listing in listings}
    asked = {listing.id: k + len(hidden[listing.id]) + OVERFETCH for listing in listings}
    ranked: dict[int, list] = {}
    indexed = [listing for listing in listings if listing.id in matcher.position_]
    if indexed and len(indexed) >= ALL_PAIRS_SHARE * len(matcher.position_):
        pairs = matcher.top_pairs(k=k + OVERFETCH)
        for listing in indexed:
            ranked[listing.id] = pairs.get(listing.id, [])
            asked[listing.id] = k + OVERFETCH
    rows: dict[int, Listing | None] = {}
    worded: dict[int, list[dict]] = {}
    pending = list(listings)
    while pending:
        for listing in pending:
            if listing.id not in ranked:
                ranked[listing.id] = matcher.rank(docs[listing.id], k=asked[listing.id])
        _published({m.id for listing in pending for m in ranked[listing.id]}, rows)
        short = []
        for listing in pending:
            kept = [
                (match, row)
                for match in ranked[listing.id]
                if match.id not in hidden[listing.id]
                and (row := rows.get(match.id)) is not None
                and row.enterprise_id != listing.enterprise_id
            ]
            if len(kept) < k and len(ranked[listing.id]) >= asked[listing.id]:
                # The matcher may hold more: ask again for twice as many.
                asked[listing.id] *= 2
                del ranked[listing.id]
                short.append(listing)
                continue
            result[listing.id] = [
                _listing_match(matcher, docs[listing.id], match, row, explain, labels, worded)
                for match, row in kept[:k]
            ]
        pending = short
    return result


def _listing_match(matcher, doc, match, row, explain, labels, worded) -> ListingMatch:
    if explain:
        explanation = matcher.explain(doc, match.id, n_terms=8)
        return ListingMatch(
            listing=row,
            score=match.score,
            reasons=reason_dicts(explanation.reasons, labels),
            terms=meaningful(t.term for t in explanation.terms),
        )
    # The all-pairs product shares one reasons tuple among pairs of the same records: word
    # each tuple once.
    key = id(match.reasons)
    if key not in worded:
        worded[key] = reason_dicts(match.reasons, labels)
    return ListingMatch(listing=row, score=match.score, reasons=worded[key], terms=[])


def explain_pair(
    a: Listing, b: Listing, *, n_terms: int = 8, labels=None
) -> PairExplanation | None:
    """Why ``a`` and ``b`` match, worded in the current locale; None before the first build.

    A listing in the index is explained as it was fitted (as it was ranked), one published or
    edited since as it is now.
    """
    matcher = current_matcher()
    if matcher is None:
        return None
    labels = labels if labels is not None else taxonomy_labels()
    position = matcher.position_
    explanation = matcher.explain(
        a.id if a.id in position else listing_doc(a),
        b.id if b.id in position else listing_doc(b),
        n_terms=n_terms,
    )
    return PairExplanation(
        score=explanation.score,
        reasons=reason_dicts(explanation.reasons, labels),
        terms=meaningful(t.term for t in explanation.terms),
    )


def matches_for(listing: Listing, k: int = 10) -> list[ListingMatch]:
    """The listing page's and the API's matches: ``counterparts`` of one listing, explained,
    scores to four places."""
    found = counterparts([listing], k, explain=True)[listing.id]
    for match in found:
        match.score = round(match.score, 4)
    return found


def mark_not_relevant(listing: Listing, counterpart: Listing, user, score=None) -> MatchJudgement:
    """Hide ``counterpart`` from ``listing``'s matches and keep the judgement."""
    judgement = db.session.execute(
        db.select(MatchJudgement).where(
            MatchJudgement.listing_id == listing.id,
            MatchJudgement.counterpart_id == counterpart.id,
        )
    ).scalar_one_or_none()
    if judgement is None:
        judgement = MatchJudgement(
            listing_id=listing.id, counterpart_id=counterpart.id, user_id=user.id, score=score
        )
        db.session.add(judgement)
        db.session.flush()
    return judgement


def is_hidden(listing: Listing, counterpart_id: int) -> bool:
    """The owner has marked ``counterpart_id`` not relevant to ``listing``."""
    return (
        db.session.execute(
            db.select(MatchJudgement.id).where(
                MatchJudgement.listing_id == listing.id,
                MatchJudgement.counterpart_id == counterpart_id,
            )
        ).first()
        is not None
    )


def restore_match(listing: Listing, counterpart_id: int) -> None:
    db.session.execute(
        db.delete(MatchJudgement).where(
            MatchJudgement.listing_id == listing.id,
            MatchJudgement.counterpart_id == counterpart_id,
        )
    )
