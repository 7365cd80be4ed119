"""The platform's side of the matcher: listings in, ranked listings with reasons out.

The index is live, in the manner of Lucene's near-real-time segments. The nightly fit is
the base: a file in the instance folder, named by the newest ``matcher_builds`` row, which
also keeps the change log's ``seq`` at the fit. Each process keeps a
:class:`~matching.LiveIndex` over that base and, before it answers, applies the
``listing_changes`` rows written since (at most every ``MATCHER_LIVE_POLL_SECONDS``): the
listing as it now is, or its removal if it is no longer published. So a listing published,
edited, closed or imported on one worker is a counterpart on every worker within seconds,
without a rebuild. Each process also looks for a newer build at most every
``MATCHER_RELOAD_SECONDS`` and swaps to it (the rebuild folds the delta in); a rebuild runs
nightly and when the changes since the last one pass ``MATCHER_REBUILD_SHARE`` of it
(``refresh_index``, a scheduler job every few minutes).

PostgreSQL hands out ``seq`` in the order rows are inserted, not committed: a process reads
the log from its lowest unseen number (a hole) for ``MATCHER_LIVE_HOLE_SECONDS``, after
which a hole counts as a rolled-back transaction; applying a change twice is harmless
(``LiveIndex.apply`` is idempotent). A process applies what its own session sees: changes
made and then rolled back by the same request would linger in its delta until the listing
changes again or the next build (no page does that: changes are made by POSTs that
redirect, and matches are read by GETs).
"""

import os
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from matching import Change, Doc, FormatVersionError, LiveIndex, TfidfMatcher, load_blend

from ..core.time import utcnow
from ..enterprises.models import Enterprise
from ..extensions import db
from ..listings.models import Listing
from ..listings.services import text_tokenizer
from ..taxonomy.models import Chain
from .models import ListingChange, MatcherBuild, MatchJudgement

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
    #: The calibrated band of the score: strong, medium or weak (强 / 中 / 弱).
    band: str = "weak"
    #: False under the matcher's floor: too weak to offer (pages fold such matches away).
    above_floor: bool = True
    #: Where the shared terms stand as whole words in the counterpart's title and summary:
    #: {"title": [(start, end, term)], "summary": [...]} (when the pair was explained).
    highlights: dict = field(default_factory=dict)


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


def matchable_listings(ids=None):
    """Published listings with what ``listing_doc`` reads, loaded in one query (of ``ids``
    alone if given)."""
    stmt = db.select(Listing).where(Listing.status == "published")
    if ids is not None:
        stmt = stmt.where(Listing.id.in_(ids))
    return (
        db.session.execute(
            stmt.options(
                joinedload(Listing.enterprise).joinedload(Enterprise.tier),
                joinedload(Listing.enterprise).joinedload(Enterprise.district),
            ).order_by(Listing.id)
        )
        .unique()
        .scalars()
    )


def blend_path() -> Path:
    """Where the learned blend in use is kept (``MATCHER_BLEND_PATH``, else in the instance
    folder beside the index)."""
    configured = current_app.config.get("MATCHER_BLEND_PATH")
    return (
        Path(configured) if configured else Path(current_app.instance_path) / "matcher/blend.json"
    )


#: ``new_matcher``'s default: the learned blend at ``blend_path()``, if there is one.
CONFIGURED_BLEND = object()


def new_matcher(*, blend=CONFIGURED_BLEND) -> TfidfMatcher:
    """A matcher with the platform's parameters, the chain groups from the taxonomy, the app's
    tokenizer and the learned blend in use (``matches.learning``; none: the hand-set blend).
    ``blend``: another ``PairBlend``, or None for the hand-set blend."""
    groups = dict(db.session.execute(db.select(Chain.code, Chain.group)).all())
    params = dict(current_app.config.get("MATCHER_PARAMS") or {})
    if blend is CONFIGURED_BLEND:
        blend = load_blend(blend_path())
    return TfidfMatcher(chain_groups=groups, tokenizer=text_tokenizer(), blend=blend, **params)


def _index_dir() -> Path:
    path = Path(current_app.instance_path) / "matcher"
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_seq() -> int:
    """The change log's highest ``seq`` (0 while it is empty)."""
    return db.session.execute(db.select(db.func.max(ListingChange.seq))).scalar_one() or 0


def rebuild_index(progress=None) -> MatcherBuild:
    """Fit on every published listing, save the index and record the build; caller commits."""
    started = time.perf_counter()
    seq = log_seq()
    listings = matchable_listings()
    docs = [listing_doc(listing) for listing in (progress(listings) if progress else listings)]
    matcher = new_matcher().fit(docs)
    filename = f"index-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.npz"
    matcher.save(_index_dir() / filename)
    build = MatcherBuild(
        filename=filename,
        n_docs=len(docs),
        duration_ms=int((time.perf_counter() - started) * 1000),
        seq=seq,
    )
    db.session.add(build)
    db.session.flush()
    _prune_old_builds()
    _cache.put(build, matcher)
    return build


def pending_changes(build: MatcherBuild | None = None) -> int:
    """Listings changed since ``build`` (the newest if not given): the size of the delta."""
    build = build or _newest_build()
    since = build.seq if build is not None else 0
    return db.session.execute(
        db.select(db.func.count(db.distinct(ListingChange.listing_id))).where(
            ListingChange.seq > since
        )
    ).scalar_one()


def refresh_index() -> MatcherBuild | None:
    """Rebuild when the listings changed since the newest build pass ``MATCHER_REBUILD_SHARE``
    of it (or there is no build yet); the new build; the caller commits.

    The delta costs little to rank, but the base's idf and vocabulary drift from what a refit
    would give: past about 3 % of the base the top ten start to differ (bench/README.md).
    """
    build = _newest_build()
    pending = pending_changes(build)
    if build is not None and pending <= current_app.config["MATCHER_REBUILD_SHARE"] * max(
        build.n_docs, 1
    ):
        return None
    if build is None and not pending:
        return None
    return rebuild_index()


def _newest_build() -> MatcherBuild | None:
    return db.session.execute(
        db.select(MatcherBuild).order_by(MatcherBuild.id.desc()).limit(1)
    ).scalar_one_or_none()


def _prune_old_builds() -> None:
    kept = (
        db.session.execute(
            db.select(MatcherBuild).order_by(MatcherBuild.id.desc()).limit(KEEP_BUILDS)
        )
        .scalars()
        .all()
    )
    keep = {row.filename for row in kept}
    for path in _index_dir().glob("index-*.npz"):
        if path.name not in keep:
            path.unlink(missing_ok=True)
    # The log before the oldest kept build is in every base a process may still load.
    oldest = min(row.seq for row in kept)
    db.session.execute(
        db.delete(ListingChange).where(
            ListingChange.seq <= oldest, ListingChange.recorded_at < utcnow() - timedelta(days=1)
        )
    )


class _LiveCache:
    """Per process: the newest build's :class:`LiveIndex`, kept up with the change log."""

    def __init__(self):
        self.lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        self.build_id: int | None = None
        self.live: LiveIndex | None = None
        self.checked_at = self.polled_at = -1e9
        #: The highest ``seq`` read; ``seq`` below it not seen yet, and since when.
        self.high = 0
        self.holes: dict[int, float] = {}
        #: After loading a build: re-read the changes recorded from this instant on, even
        #: those numbered before the build's ``seq``, in case they committed after its read.
        self.catch_up_since = None

    def put(self, build: MatcherBuild, matcher: TfidfMatcher) -> None:
        live = LiveIndex(matcher, seq=build.seq)
        margin = build.duration_ms / 1000 + current_app.config["MATCHER_LIVE_HOLE_SECONDS"]
        # SQLite has one writer at a time: its numbers commit in order, nothing to catch up.
        serial = db.session.get_bind().dialect.name == "sqlite"
        with self.lock:
            self.clear()
            self.build_id, self.live, self.high = build.id, live, build.seq
            if not serial:
                self.catch_up_since = build.created_at - timedelta(seconds=margin)
            self.checked_at = time.monotonic()

    def get(self) -> LiveIndex | None:
        cfg = current_app.config
        now = time.monotonic()
        if self.live is None or now - self.checked_at >= cfg["MATCHER_RELOAD_SECONDS"]:
            self._check_build()
        due = now - self.polled_at >= cfg["MATCHER_LIVE_POLL_SECONDS"]
        # One thread applies the log; the others answer from the index as it is.
        if self.live is not None and due and self.lock.acquire(blocking=False):
            try:
                self._poll()
            finally:
                self.lock.release()
        return self.live

    def _check_build(self) -> None:
        latest = _newest_build()
        self.checked_at = time.monotonic()
        if latest is None or latest.id == self.build_id:
            return
        try:
            matcher = TfidfMatcher.load(_index_dir() / latest.filename)
        except (FileNotFoundError, FormatVersionError, ValueError) as exc:
            current_app.logger.warning("Cannot load matcher build %s: %s", latest.id, exc)
            return
        self.put(latest, matcher)

    def _poll(self) -> None:
        live = self.live
        if live is None:
            return
        floor = min(self.holes, default=self.high + 1) - 1
        since = self.catch_up_since
        wanted = ListingChange.seq > floor
        if since is not None:
            wanted = db.or_(wanted, ListingChange.recorded_at >= since)
        rows = db.session.execute(
            db.select(ListingChange.seq, ListingChange.listing_id)
            .where(wanted)
            .order_by(ListingChange.seq)
        ).all()
        now = time.monotonic()
        seen = {seq for seq, _ in rows}
        top = max(seen, default=self.high)
        fresh: dict[int, int] = {}
        for seq, listing_id in rows:
            if seq > self.high or seq in self.holes or since is not None:
                fresh[listing_id] = max(fresh.get(listing_id, 0), seq)
        for seq in range(self.high + 1, top + 1):
            if seq not in seen:
                self.holes[seq] = now
        gap = current_app.config["MATCHER_LIVE_HOLE_SECONDS"]
        self.holes = {
            seq: at for seq, at in self.holes.items() if seq not in seen and now - at < gap
        }
        self.high = max(self.high, top)
        self.catch_up_since = None
        self.polled_at = now
        if fresh:
            live.apply(_changes(fresh))


#: Listings loaded per query while applying the log (an import may change thousands).
_CHUNK = 500


def _changes(latest: dict[int, int]) -> list[Change]:
    """The change for each listing id (``latest``: id → its highest ``seq``), in ``seq`` order:
    the listing as it is now if published, else its removal."""
    ids = list(latest)
    docs: dict[int, Doc] = {}
    for start in range(0, len(ids), _CHUNK):
        docs.update(
            (row.id, listing_doc(row)) for row in matchable_listings(ids[start : start + _CHUNK])
        )
    return sorted(
        (Change(seq, listing_id, docs.get(listing_id)) for listing_id, seq in latest.items()),
        key=lambda change: change.seq,
    )


_cache = _LiveCache()


def current_matcher() -> LiveIndex | None:
    """The live index (the newest build plus the changes since), or None before the first
    build."""
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


def reason_text(reason, labels, reader: str | None = None) -> str:
    """A reason in the reader's language, with taxonomy labels in place of codes.

    ``reader`` ("a" or "b"): the side of the pair the reasons were worded for
    (``explain(..., reader=)``); such reasons speak to that side about the other party.
    """

    def label(vocabulary, code):
        row = labels[vocabulary].get(code)
        return row.label if row is not None else (code or "")

    p = reason.params
    if "reader" in p:
        text = _reader_reason_text(reason, label, reader)
        if text is not None:
            return text
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


def _reader_reason_text(reason, label, reader: str | None) -> str | None:
    """The wording of a reason written for one side of the pair (None: worded as any other)."""
    p = reason.params
    match reason.code:
        case "same_chain":
            return _("与您同属%(chain)s产业链", chain=label("chain", p.get("chain")))
        case "related_chain":
            a, b = p.get("chains", (None, None))
            mine, theirs = (a, b) if reader != "b" else (b, a)
            return _(
                "对方所在产业链（%(theirs)s）与您的（%(mine)s）相关",
                theirs=label("chain", theirs),
                mine=label("chain", mine),
            )
        case "compatible_category":
            need = label("category", p.get("challenge"))
            offer = label("category", p.get("capability"))
            if p["reader"] == "challenge":
                return _(
                    "对方的能力类别（%(offer)s）适合您的需求（%(need)s）", offer=offer, need=need
                )
            return _("该需求的类别（%(need)s）与您的能力（%(offer)s）相符", need=need, offer=offer)
        case "same_district":
            return _("与您同在%(district)s", district=label("district", p.get("district")))
        case "proven_supplier":
            return _("对方为%(tier)s", tier=label("tier", p.get("tier")))
    return None


def reason_dicts(reasons, labels, reader: str | None = None) -> list[dict]:
    """Reasons as the pages and the API show them: a stable code and the text."""
    return [{"code": r.code, "text": reason_text(r, labels, reader)} for r in reasons]


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
    #: strong, medium or weak, and whether the score clears the floor (see ListingMatch).
    band: str = "weak"
    above_floor: bool = True


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
    listings, k: int = 10, *, explain: bool = False, labels=None, reader: str | None = None
) -> dict[int, list[ListingMatch]]:
    """Each listing's ``k`` best counterparts, best first, by listing id: published listings of
    another enterprise that the listing's enterprise has not marked "not relevant".

    The listings themselves may be drafts or edited since the change log was last applied:
    each is ranked as it is now (or, in a batch covering most of the index, as the live index
    holds it; see ``ALL_PAIRS_SHARE``). Counterparts come from the live index and are checked
    against the database as well, so one closed a moment ago never shows. Reasons are the
    matcher's structured ones, worded in the current locale; with ``explain`` each pair is
    explained (shared terms as well), which costs a product per pair, and ``reader="a"`` words
    its reasons for the listing's own side (about the counterpart, never praising the reader).
    Scores are the matcher's, unrounded; each match carries its calibrated band and whether it
    clears the floor.
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
    indexed = [listing for listing in listings if listing.id in matcher]
    if indexed and len(indexed) >= ALL_PAIRS_SHARE * len(matcher):
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
                _listing_match(
                    matcher, docs[listing.id], match, row, explain, labels, worded, reader
                )
                for match, row in kept[:k]
            ]
        pending = short
    return result


def _listing_match(matcher, doc, match, row, explain, labels, worded, reader) -> ListingMatch:
    band = {
        "band": matcher.band(match.score),
        "above_floor": matcher.bands_.above_floor(match.score),
    }
    if explain:
        explanation = matcher.explain(doc, match.id, n_terms=8, reader=reader)
        terms = meaningful(t.term for t in explanation.terms)
        return ListingMatch(
            listing=row,
            score=match.score,
            reasons=reason_dicts(explanation.reasons, labels, reader),
            terms=terms,
            highlights={
                "title": matcher.highlight(row.title, terms),
                "summary": matcher.highlight(row.summary or "", terms),
            },
            **band,
        )
    # The all-pairs product shares one reasons tuple among pairs of the same records: word
    # each tuple once.
    key = id(match.reasons)
    if key not in worded:
        worded[key] = reason_dicts(match.reasons, labels)
    return ListingMatch(listing=row, score=match.score, reasons=worded[key], terms=[], **band)


def explain_pair(
    a: Listing, b: Listing, *, n_terms: int = 8, labels=None, reader: str | None = None
) -> PairExplanation | None:
    """Why ``a`` and ``b`` match, worded in the current locale; None before the first build.

    ``reader`` ("a" or "b"): whose side reads it; the reasons then speak about the other side.

    A listing in the live index is explained as the index holds it (as it was ranked), any
    other as it is now.
    """
    matcher = current_matcher()
    if matcher is None:
        return None
    labels = labels if labels is not None else taxonomy_labels()
    explanation = matcher.explain(
        a.id if a.id in matcher else listing_doc(a),
        b.id if b.id in matcher else listing_doc(b),
        n_terms=n_terms,
        reader=reader,
    )
    return PairExplanation(
        score=explanation.score,
        reasons=reason_dicts(explanation.reasons, labels, reader),
        terms=meaningful(t.term for t in explanation.terms),
        band=matcher.band(explanation.score),
        above_floor=matcher.bands_.above_floor(explanation.score),
    )


def matches_for(listing: Listing, k: int = 10, *, reader: str | None = None) -> list[ListingMatch]:
    """The listing page's and the API's matches: ``counterparts`` of one listing, explained
    (for the listing's own side with ``reader="a"``), scores to four places."""
    found = counterparts([listing], k, explain=True, reader=reader)[listing.id]
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


def restore_match(listing: Listing, counterpart_id: int) -> bool:
    """Show ``counterpart_id`` among ``listing``'s matches again; False if it was not hidden."""
    result = db.session.execute(
        db.delete(MatchJudgement).where(
            MatchJudgement.listing_id == listing.id,
            MatchJudgement.counterpart_id == counterpart_id,
        )
    )
    return result.rowcount > 0
