from flask import Blueprint, render_template
from sqlalchemy import func

from ..enterprises.models import Enterprise
from ..extensions import db
from ..listings.models import Listing
from ..listings.services import BrowseFilters, browse_statement

bp = Blueprint("main", __name__, template_folder="templates")


@bp.get("/")
def home():
    counts = dict(
        db.session.execute(
            db.select(Listing.kind, func.count(Listing.id))
            .where(Listing.status == "published")
            .group_by(Listing.kind)
        ).all()
    )
    enterprises = db.session.execute(
        db.select(func.count(Enterprise.id)).where(Enterprise.verified_at.is_not(None))
    ).scalar_one()
    latest = {
        kind: db.session.execute(browse_statement(BrowseFilters(kind=kind)).limit(6))
        .unique()
        .scalars()
        .all()
        for kind in ("challenge", "capability")
    }
    return render_template("main/home.html", counts=counts, enterprises=enterprises, latest=latest)


@bp.get("/healthz")
def healthz():
    db.session.execute(db.select(1))
    return {"status": "ok"}
