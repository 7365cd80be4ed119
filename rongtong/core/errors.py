"""Error pages for people, JSON errors for the API: never a bare 500 for bad input."""

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, SecurityError

from .retry import mark_for_retry

#: Machine-readable codes for HTTP statuses the API answers with.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "server_error",
    503: "busy",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, message: str, fields: dict | None = None, code: str | None = None):
    """The API's one error shape: ``{"error": {"code", "message", "fields"}}``."""
    body = {
        "error": {
            "code": code or HTTP_CODES.get(status, "error"),
            "message": message,
            "fields": fields or {},
        }
    }
    return jsonify(body), status


def busy():
    """The answer when a request lost a database conflict twice (it was replayed once)."""
    message = _("系统繁忙，您的操作未保存，请稍后重试。")
    if wants_json():
        response, status = json_error(503, message, code="busy")
    else:
        response = current_app.make_response(
            render_template("errors/error.html", status=503, message=message)
        )
        status = 503
    response.status_code = status
    response.headers["Retry-After"] = "1"
    return response


def register(app: Flask) -> None:
    @app.errorhandler(DBAPIError)
    def database_error(exc: DBAPIError):
        # A conflict PostgreSQL aborted the request for is run again (core/retry.py);
        # anything else is the server's error, as before.
        if mark_for_retry(exc):
            return busy()
        raise exc

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        if wants_json():
            return json_error(400, exc.description, code="csrf_failed")
        message = _("表单已过期或缺少安全令牌，请返回重新提交。")
        return render_template("errors/error.html", status=400, message=message), 400

    @app.errorhandler(SecurityError)
    def untrusted_host(exc: SecurityError):
        # No page: with an untrusted Host there is no URL adapter to build its links with.
        return "Bad Request: unknown host.", 400, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        if wants_json():
            data = getattr(exc, "data", None) or {}
            fields = data.get("messages") or {}
            # marshmallow reports per location ({"json": {...}}); callers want the fields.
            if isinstance(fields, dict) and set(fields) <= {"json", "query", "form", "files"}:
                merged: dict = {}
                for part in fields.values():
                    merged.update(part)
                fields = merged
            message = exc.description if status != 422 else "Invalid input."
            return json_error(status, message, fields)
        message = exc.description
        if status == 413:
            limit = request.max_content_length or 0
            message = _(
                "上传的内容过大，未能接收（单次上限 %(mb)d MB）。请压缩附件或分次上传。",
                mb=limit // (1024 * 1024),
            )
        return render_template("errors/error.html", status=status, message=message), status

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        app.logger.exception("Unhandled error")
        if wants_json():
            return json_error(500, "Internal server error.")
        return render_template("errors/error.html", status=500, message=_("服务器出错了。")), 500
