"""/api/v1/notifications: the caller's notices, newest first; mark one read."""

from flask import abort
from marshmallow import Schema, fields, validate

from ..api import errors
from ..api.auth import TOKEN_AUTH, require_api_user
from ..api.common import Blueprint, page_body, respond
from ..extensions import db
from . import services
from .notices import sentence

bp = Blueprint(
    "api_notifications",
    __name__,
    url_prefix="/api/v1",
    description="The caller's notification centre: what changed that concerns them.",
)
errors.install(bp)


class NotificationQuerySchema(Schema):
    unread = fields.Boolean(load_default=False, metadata={"description": "Only unread ones."})
    # Ranges, not lambdas: the OpenAPI document then states the bounds Schemathesis probes.
    page = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=100_000, error="页码应在 {min} 到 {max} 之间。"),
    )
    per_page = fields.Integer(
        load_default=30,
        validate=validate.Range(min=1, max=100, error="每页条数应在 {min} 到 {max} 之间。"),
    )


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "What happened (a stable code)."})
    text = fields.String(metadata={"description": "The notice in the caller's language."})
    link = fields.String(allow_none=True, metadata={"description": "The page it concerns."})
    created_at = fields.DateTime()
    read = fields.Boolean()


class NotificationListSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema))
    total = fields.Integer()
    unread = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


def _body(note) -> dict:
    return NotificationSchema().dump(
        {
            "id": note.id,
            "kind": note.kind,
            "text": sentence(note.kind, note.params),
            "link": services.link_of(note),
            "created_at": note.created_at,
            "read": note.read_at is not None,
        }
    )


@bp.route("/notifications", methods=["GET"])
@bp.arguments(NotificationQuerySchema, location="query")
@bp.response(200, NotificationListSchema)
@bp.doc(security=TOKEN_AUTH)
@errors.error_responses(bp, 401, 422)
def list_notifications(args):
    """The caller's notifications, newest first."""
    user = require_api_user()
    pagination = db.paginate(
        services.notifications_statement(user, unread_only=args["unread"]),
        page=args["page"],
        per_page=args["per_page"],
        error_out=False,
    )
    body = page_body([_body(n) for n in pagination.items], pagination, args)
    body["unread"] = services.unread_count(user)
    return respond(body)


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@bp.response(200, NotificationSchema)
@bp.doc(security=TOKEN_AUTH)
@errors.error_responses(bp, 401, 404)
def read_notification(notification_id):
    """Mark one of the caller's notifications read."""
    user = require_api_user()
    note = services.own_notification(user, notification_id)
    if note is None:
        abort(404, "No such notification.")
    services.mark_read(note)
    return respond(_body(note))
