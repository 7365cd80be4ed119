"""The API's one error body, documented in the OpenAPI file and produced for every failure."""

from http import HTTPStatus

from flask import Blueprint
from marshmallow import Schema, ValidationError, fields
from sqlalchemy.exc import DBAPIError, IntegrityError
from werkzeug.exceptions import HTTPException

from ..core.errors import busy, json_error
from ..core.retry import mark_for_retry
from ..core.services import ServiceError
from ..extensions import db

#: Request locations webargs reports errors under; the body flattens them into ``fields``.
LOCATIONS = {"json", "query", "querystring", "form", "files", "headers", "path", "view_args"}


class ErrorBodySchema(Schema):
    code = fields.String(
        required=True,
        metadata={"description": "Machine-readable code.", "example": "validation_error"},
    )
    message = fields.String(required=True, metadata={"description": "What went wrong."})
    field_errors = fields.Dict(
        data_key="fields",
        keys=fields.String(),
        values=fields.Raw(),
        required=True,
        metadata={
            "description": "Per-field messages: field name → list of messages (a nested "
            "object for items of a list). Empty when the error concerns no field.",
            "example": {"title": ["此项为必填项。"]},
        },
    )


class ApiErrorSchema(Schema):
    """Every 4xx (and 5xx) answer of the API: ``{"error": {"code", "message", "fields"}}``."""

    error = fields.Nested(ErrorBodySchema, required=True)


def _plain(messages):
    """Messages as JSON: lazy strings to str, integer keys (list items) to str."""
    if isinstance(messages, dict):
        return {str(k): _plain(v) for k, v in messages.items()}
    if isinstance(messages, (list, tuple)):
        return [_plain(m) for m in messages]
    return str(messages)


def _field_messages(data: dict) -> dict:
    messages = data.get("messages") or data.get("errors") or {}
    if not isinstance(messages, dict):
        return {"_schema": _plain(messages)}
    merged: dict = {}
    for key, part in messages.items():
        if key in LOCATIONS:
            if isinstance(part, dict):
                merged.update(part)
            else:  # e.g. {"json": ["Invalid JSON body."]}
                merged.setdefault("_schema", []).extend(part)
        else:
            merged[key] = part
    return _plain(merged)


def _http_error(exc: HTTPException):
    db.session.rollback()
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    fields_ = _field_messages(data)
    if status == 422:
        message = "Invalid input."
    elif status == 400 and "json" in (data.get("messages") or {}):
        message = "The request body is not valid JSON."
        fields_ = {}
    else:
        message = data.get("message") or exc.description or HTTPStatus(status).phrase
    response, status = json_error(status, str(message), fields_)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response, status


def _service_error(exc: ServiceError):
    db.session.rollback()
    message = str(exc.message)
    fields_ = {exc.field: [message]} if exc.field else {}
    return json_error(exc.status, message, fields_, code=exc.code)


def _validation_error(exc: ValidationError):
    db.session.rollback()
    messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
    return json_error(422, "Invalid input.", _plain(messages))


def _integrity_error(exc: IntegrityError):
    db.session.rollback()
    return json_error(409, "The change conflicts with existing data.", code="conflict")


def _finish(response):
    """The one commit of an API request, or the rollback of a failed one."""
    if response.status_code < 400:
        try:
            db.session.commit()
        except IntegrityError as exc:
            db.session.rollback()
            body, status = _integrity_error(exc)
            body.status_code = status
            return body
        except DBAPIError as exc:
            if mark_for_retry(exc):  # replayed once by core/retry.py's middleware
                return busy()
            raise
    else:
        db.session.rollback()
    return response


def install(bp: Blueprint) -> None:
    """JSON errors, and commit-or-rollback at the end, for one API blueprint."""
    bp.register_error_handler(HTTPException, _http_error)
    bp.register_error_handler(ServiceError, _service_error)
    bp.register_error_handler(ValidationError, _validation_error)
    bp.register_error_handler(IntegrityError, _integrity_error)
    bp.after_request(_finish)


def error_responses(bp, *codes: int):
    """Document error answers of an operation (all in the ApiError shape)."""

    def decorator(func):
        for code in codes:
            func = bp.alt_response(code, response=HTTPStatus(code).name)(func)
        return func

    return decorator
