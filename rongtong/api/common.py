"""Small helpers the API's resources share."""

from flask import abort, jsonify
from flask_smorest import Blueprint as SmorestBlueprint
from webargs.flaskparser import FlaskParser

from ..extensions import db

#: Ids above this cannot be stored (INTEGER columns), so no row has them.
MAX_ID = 2**31 - 1


class JsonParser(FlaskParser):
    """Also answers 400 for JSON that Python refuses to hold: numbers of 4,300 digits and
    more, nesting deeper than the recursion limit (webargs lets these through as 500s)."""

    def load_json(self, req, schema):
        try:
            return super().load_json(req, schema)
        except (ValueError, RecursionError) as exc:
            return self._handle_invalid_json_error(exc, req)


class Blueprint(SmorestBlueprint):
    ARGUMENTS_PARSER = JsonParser()


def get_or_404(model, ident: int):
    """The row with this id, or a 404 (also for ids too large to exist)."""
    row = db.session.get(model, ident) if 0 < ident <= MAX_ID else None
    if row is None:
        abort(404, f"No {model.__tablename__[:-1]} with id {ident}.")
    return row


def respond(body, status: int = 200):
    """A JSON response built by the route (the schemas there know who is looking)."""
    response = jsonify(body)
    response.status_code = status
    return response


def page_body(items: list, pagination, args: dict) -> dict:
    return {
        "items": items,
        "total": pagination.total,
        "page": args["page"],
        "per_page": args["per_page"],
    }
