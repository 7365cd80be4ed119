"""Enterprises: profile changes, verification and the near-duplicate guard. Never commits."""

import re
import threading

from flask import current_app
from rapidfuzz import fuzz, process

from ..core.time import utcnow
from ..core.validators import to_halfwidth
from ..extensions import db
from ..taxonomy.models import Chain
from .models import Enterprise

#: Place names and legal forms that say nothing about which enterprise a name means.
_NAME_NOISE = re.compile(
    r"(广东省|广州市|广州|有限责任公司|股份有限公司|有限公司|集团|公司|分公司|"
    r"（[^）]*）|\([^)]*\)|\s|·|-)"
)

PROFILE_FIELDS = (
    "name",
    "description",
    "website",
    "contact_name",
    "contact_email",
    "contact_mobile",
)


def name_key(name: str) -> str:
    """The distinctive part of an enterprise name: 广州市星瀚精密机械有限公司 → 星瀚精密机械."""
    key = _NAME_NOISE.sub("", to_halfwidth(name or "")).lower()
    return key or to_halfwidth(name or "").strip().lower()


def find_by_credit_code(code: str) -> Enterprise | None:
    return db.session.execute(
        db.select(Enterprise).where(Enterprise.credit_code == code)
    ).scalar_one_or_none()


def near_duplicate(name: str, *, exclude_id: int | None = None) -> tuple[Enterprise, float] | None:
    """The existing enterprise whose name is most like ``name``, if above the threshold."""
    key = name_key(name)
    rows = db.session.execute(db.select(Enterprise.id, Enterprise.name_key)).all()
    choices = {row.id: row.name_key for row in rows if row.id != exclude_id}
    best = process.extractOne(
        key,
        choices,
        scorer=fuzz.ratio,
        score_cutoff=current_app.config["DUPLICATE_NAME_THRESHOLD"],
    )
    if best is None:
        return None
    _, score, enterprise_id = best
    return db.session.get(Enterprise, enterprise_id), float(score)


def apply_profile(enterprise: Enterprise, data: dict) -> Enterprise:
    """Set the profile fields present in ``data`` (already validated and resolved).

    ``kind``, ``tier``, ``district`` are taxonomy rows; ``chains`` a list of Chain rows.
    """
    for field in PROFILE_FIELDS:
        if field in data:
            setattr(enterprise, field, data[field] if data[field] is not None else "")
    if "credit_code" in data:
        enterprise.credit_code = data["credit_code"]
    for field in ("kind", "tier", "district"):
        if field in data:
            setattr(enterprise, field, data[field])
    if "chains" in data:
        enterprise.chains = list(data["chains"])
    if "name" in data:
        enterprise.name_key = name_key(enterprise.name)
        match = near_duplicate(enterprise.name, exclude_id=enterprise.id)
        enterprise.possible_duplicate_of = match[0] if match else None
        enterprise.duplicate_score = match[1] if match else None
    db.session.add(enterprise)
    db.session.flush()
    return enterprise


def create_enterprise(data: dict) -> Enterprise:
    """A new, unverified enterprise from validated data."""
    return apply_profile(Enterprise(), data)


def verify_enterprise(enterprise: Enterprise, organizer) -> None:
    enterprise.verified_at = utcnow()
    enterprise.verified_by_id = organizer.id


def unverify_enterprise(enterprise: Enterprise) -> None:
    enterprise.verified_at = None
    enterprise.verified_by_id = None


def chains_by_codes(codes) -> list[Chain]:
    codes = list(dict.fromkeys(codes or ()))
    if not codes:
        return []
    rows = db.session.execute(db.select(Chain).where(Chain.code.in_(codes))).scalars().all()
    return sorted(rows, key=lambda c: c.position)


class _NameKeys:
    """Every enterprise's (id, name_key), kept per process and read again only when the
    table changes: its row count, newest id or newest ``updated_at`` differ. Checking that
    is one small aggregate query instead of 20,000 rows per search."""

    def __init__(self):
        self.lock = threading.Lock()
        self.version: tuple | None = None
        self.rows: list[tuple[int, str]] = []
        self.choices: dict[int, str] = {}

    def get(self) -> tuple[list[tuple[int, str]], dict[int, str]]:
        version = tuple(
            db.session.execute(
                db.select(
                    db.func.count(Enterprise.id),
                    db.func.max(Enterprise.id),
                    db.func.max(Enterprise.updated_at),
                )
            ).one()
        )
        with self.lock:
            if version == self.version:
                return self.rows, self.choices
        rows = [
            (r.id, r.name_key)
            for r in db.session.execute(db.select(Enterprise.id, Enterprise.name_key))
        ]
        with self.lock:
            self.version, self.rows, self.choices = version, rows, dict(rows)
        return rows, self.choices


_name_keys = _NameKeys()


def search_ids(query: str, limit: int = 200) -> list[int]:
    """Enterprises whose name contains or nearly names ``query`` (a typo or two allowed)."""
    key = name_key(query)
    if not key:
        return []
    rows, choices = _name_keys.get()
    if len(key) < 3:
        return [enterprise_id for enterprise_id, name in rows if key in name][:limit]
    cutoff = max(66.0, 100.0 * (len(key) - 1) / len(key) - 1) if len(key) < 8 else 80.0
    hits = process.extract(
        key,
        choices,
        scorer=fuzz.partial_ratio,
        score_cutoff=cutoff,
        limit=limit,
    )
    return [enterprise_id for _, _, enterprise_id in hits]
