"""/api/v1/enterprises: the directory of enterprises (public fields; contacts to some)."""

from flask import abort

from ..api import errors
from ..api.auth import OPTIONAL_AUTH, api_user
from ..api.common import Blueprint, get_or_404, respond
from ..api.schemas import EnterprisePageSchema, EnterpriseQuerySchema
from ..enterprises.models import Enterprise
from ..enterprises.schemas import EnterpriseSchema
from ..extensions import db
from ..taxonomy.models import Chain

bp = Blueprint(
    "api_enterprises",
    __name__,
    url_prefix="/api/v1/enterprises",
    description="Enterprises. Contact details only to organizers and the enterprise's members.",
)
errors.install(bp)


def _visibility(stmt, user):
    """Organizers see every enterprise; others the verified ones and their own."""
    if user is not None and user.is_organizer:
        return stmt
    visible = Enterprise.verified_at.is_not(None)
    if user is not None and user.enterprise_id is not None:
        visible = db.or_(visible, Enterprise.id == user.enterprise_id)
    return stmt.where(visible)


@bp.route("", methods=["GET"])
@bp.arguments(EnterpriseQuerySchema, location="query")
@bp.response(200, EnterprisePageSchema)
@bp.doc(security=OPTIONAL_AUTH)
@errors.error_responses(bp, 401)
def browse(args):
    """List enterprises by name, kind, district, chain and verification."""
    user = api_user()
    stmt = _visibility(db.select(Enterprise), user)
    if args.get("q", "").strip():
        stmt = stmt.where(Enterprise.name.contains(args["q"].strip(), autoescape=True))
    if args.get("kind") is not None:
        stmt = stmt.where(Enterprise.kind_id == args["kind"].id)
    if args.get("district") is not None:
        stmt = stmt.where(Enterprise.district_id == args["district"].id)
    if args.get("chain") is not None:
        stmt = stmt.where(Enterprise.chains.any(Chain.id == args["chain"].id))
    if "verified" in args:
        stmt = stmt.where(
            Enterprise.verified_at.is_not(None)
            if args["verified"]
            else Enterprise.verified_at.is_(None)
        )
    stmt = stmt.order_by(Enterprise.name, Enterprise.id)
    pagination = db.paginate(
        stmt, page=args["page"], per_page=args["per_page"], error_out=False, count=True
    )
    # Contacts stay out of the list, whoever asks; the detail shows them to those allowed.
    items = EnterpriseSchema(many=True).dump(pagination.items)
    return respond(
        {
            "items": items,
            "total": pagination.total,
            "page": args["page"],
            "per_page": args["per_page"],
        }
    )


@bp.route("/<int:enterprise_id>", methods=["GET"])
@bp.response(200, EnterpriseSchema)
@bp.doc(security=OPTIONAL_AUTH)
@errors.error_responses(bp, 401, 404)
def detail(enterprise_id):
    """One enterprise; contact fields are null unless the caller is an organizer or a member."""
    user = api_user()
    enterprise = get_or_404(Enterprise, enterprise_id)
    visible = db.session.execute(
        _visibility(db.select(Enterprise.id), user).where(Enterprise.id == enterprise.id)
    ).first()
    if visible is None:
        abort(404, f"No enterprise with id {enterprise_id}.")
    return respond(EnterpriseSchema(viewer=user).dump(enterprise))
