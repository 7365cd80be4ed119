"""Listings exported for the reader: headers and values in their language, names beside codes.

The columns are the import's (``headers.LISTING_COLUMNS``), so an export comes back in as
it is; the enterprise's name and, for organizers, its contacts ride along in columns the
import knows to leave out.
"""

from ..core import sheets
from ..core.labels import label
from ..enterprises.schemas import may_see_contact
from ..extensions import db
from ..listings.services import BrowseFilters, browse_statement, full_text_plan
from .headers import LISTING_COLUMNS

#: (zh, en) headers of the columns that are not imported.
ENTERPRISE_NAME = ("单位名称", "Enterprise name")
CONTACTS = (("联系人", "Contact"), ("联系电话", "Phone"), ("联系邮箱", "Email"))


def _header(pair, english: bool) -> str:
    return pair[1] if english else pair[0]


def _listing_values(listing) -> dict:
    return {
        "ref": listing.ref,
        "enterprise": listing.enterprise.credit_code,
        "kind": label("listing_kind", listing.kind),
        "category": listing.category.label,
        "chain": listing.chain.label,
        "title": listing.title,
        "summary": listing.summary,
        "description": listing.description,
        "confidential": listing.confidential,
        "keywords": "、".join(listing.keyword_list),
        "budget_min": listing.budget_min,
        "budget_max": listing.budget_max,
        "deadline": listing.deadline,
        "status": label("listing_status", listing.status),
    }


def listing_table(filters: BrowseFilters, *, viewer=None) -> tuple[list[str], list[list]]:
    """Header and rows of the listings ``filters`` select, in the current language.

    Contact columns appear when ``viewer`` is an organizer (or ``viewer`` is ``"operator"``,
    the CLI's ``--with-contacts``); a member sees only their own enterprise's.
    """
    from flask_babel import get_locale

    locale = get_locale()
    english = locale is not None and locale.language == "en"
    stmt = browse_statement(filters)
    with full_text_plan(db.session, stmt):
        listings = db.session.execute(stmt).scalars().all()
    operator = viewer == "operator"
    contacts = operator or bool(viewer is not None and getattr(viewer, "is_organizer", False))
    header = [_header((c.zh, c.en), english) for c in LISTING_COLUMNS]
    header.insert(1, _header(ENTERPRISE_NAME, english))
    if contacts:
        header += [_header(pair, english) for pair in CONTACTS]
    rows = []
    for listing in listings:
        values = _listing_values(listing)
        row = [values[c.field] for c in LISTING_COLUMNS]
        row.insert(1, listing.enterprise.name)
        if contacts:
            shown = operator or may_see_contact(viewer, listing.enterprise)
            enterprise = listing.enterprise
            row += (
                [enterprise.contact_name, enterprise.contact_mobile, enterprise.contact_email]
                if shown
                else ["", "", ""]
            )
        rows.append(row)
    return header, rows


def export_listings(filters: BrowseFilters, fmt: str = "csv", *, viewer=None) -> bytes:
    """The selected listings as CSV (UTF-8 with BOM, for Excel) or XLSX."""
    header, rows = listing_table(filters, viewer=viewer)
    english = header[0] == LISTING_COLUMNS[0].en
    return sheets.write(fmt, "Listings" if english else "发榜与能力", header, rows)


def export_filename(fmt: str) -> str:
    """``listings-2026-12-08.csv``: dated by the Asia/Shanghai day."""
    return sheets.dated_filename("listings", fmt)


def filters_from_args(args) -> BrowseFilters:
    """Browse filters from query-string or CLI options (unknown codes simply match nothing)."""

    def clean(name):
        value = (args.get(name) or "").strip()
        return value[:200] or None

    status = clean("status") or "published"
    return BrowseFilters(
        kind=clean("kind"),
        category=clean("category"),
        chain=clean("chain"),
        district=clean("district"),
        tier=clean("tier"),
        status=None if status == "all" else status,
        q=clean("q") or "",
        sort=clean("sort"),
        ref=clean("ref"),
    )
