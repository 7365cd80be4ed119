"""What every page shares: the unit of work, security headers, template helpers, redirects."""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import wraps
from urllib.parse import urljoin, urlsplit

from flask import Flask, abort, current_app, flash, g, redirect, render_template, request
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy.exc import DBAPIError, IntegrityError

from ..extensions import db
from .errors import busy
from .labels import label
from .retry import mark_for_retry
from .services import ServiceError
from .time import to_local

#: Methods that may change something; a request by any other method never commits.
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def is_safe_url(target: str | None) -> bool:
    """True for a relative path on this site; refuses other hosts and scheme tricks."""
    if not target or target.startswith(("//", "\\")) or "\\" in target:
        return False
    ref = urlsplit(request.host_url)
    test = urlsplit(urljoin(request.host_url, target))
    return test.scheme in ("http", "https") and test.netloc == ref.netloc


def money(value: int | None, *, exact: bool = False) -> str:
    """An amount of yuan as people read it (万元 in Chinese); the ``money`` filter.

    ``exact`` keeps every yuan (``¥1,050,000``): budgets checked against a cap, where a
    rounded 万 figure would hide the difference the message is about.
    """
    if value is None:
        return ""
    if not exact and value >= 10_000 and get_locale() and get_locale().language == "zh":
        wan = value / 10_000
        return f"{wan:,.0f} 万元" if wan == int(wan) else f"{wan:,.1f} 万元"
    return f"¥{value:,}"


def highlight(text: str, terms) -> Markup:
    """Escape ``text`` and wrap each of ``terms`` in <mark>."""
    result = str(escape(text or ""))
    for term in sorted({t for t in terms or () if t}, key=len, reverse=True):
        safe = str(escape(term))
        result = result.replace(safe, f"\x00{safe}\x01")
    # Safe: ``result`` was escaped above; only our own <mark> tags are added.
    return Markup(result.replace("\x00", "<mark>").replace("\x01", "</mark>"))  # noqa: S704


def mark_spans(text: str, spans) -> Markup:
    """Escape ``text`` and wrap each (start, end, …) span of it in <mark>.

    The spans come from the matcher (``highlight``: shared terms as whole words), so a term
    inside a longer word (mura in Demura) is never marked, as a plain replace would.
    """
    text = text or ""
    out, at = [], 0
    for start, end, *_rest in sorted(spans or ()):
        if start < at or end <= start or end > len(text):
            continue  # overlapping or out of range: leave the text unmarked there
        out += [str(escape(text[at:start])), "<mark>", str(escape(text[start:end])), "</mark>"]
        at = end
    out.append(str(escape(text[at:])))
    # Safe: every piece of ``text`` was escaped; only our own <mark> tags are added.
    return Markup("".join(out))  # noqa: S704


@contextmanager
def service_errors(
    form=None, *, field: str | None = None, forbidden_aborts: bool = False
) -> Iterator[None]:
    """Turn a ServiceError raised inside the block into a message, after a rollback.

    The message goes on the form's field ``exc.field`` (else ``field``, else the form's own
    errors) when a form is given, else into a flash. Code after the failing call in the block
    is skipped, so a route writes its success path inside the block and its failure after it.
    """
    try:
        yield
    except ServiceError as exc:
        db.session.rollback()
        if forbidden_aborts and exc.status == 403:  # not this user's to do: a refusal
            abort(403, str(exc.message))
        message = str(exc.message)
        if form is None:
            flash(message, "error")
            return
        target = getattr(form, exc.field or field or "", None)
        if target is not None and isinstance(getattr(target, "errors", None), list):
            target.errors.append(message)
        else:
            form.form_errors.append(message)


def _conflict():
    """The answer when the commit itself finds a conflict (two people at once)."""
    message = _("数据已被他人修改或与现有记录冲突，请刷新后重试。")
    target = request.referrer
    if target and is_safe_url(target) and request.method in WRITE_METHODS:
        flash(message, "error")
        return redirect(target)
    return current_app.make_response(
        (render_template("errors/error.html", status=409, message=message), 409)
    )


def finish_request(response):
    """The one commit of a page request, or the rollback of a failed or read-only one.

    Like the API's edge (``api/errors.py``) and Indico's ``RH.process``: routes and services
    flush; only a successful request that may write (POST …) commits, once, here.
    """
    if request.path.startswith("/api/"):  # the API blueprints finish their own requests
        return response
    if response.status_code >= 400 or request.method not in WRITE_METHODS:
        db.session.rollback()
        return response
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        current_app.logger.info("Conflict at commit: %s %s", request.method, request.path)
        return _conflict()
    except DBAPIError as exc:
        if mark_for_retry(exc):  # replayed once by core/retry.py's middleware
            return busy()
        raise
    return response


def reads_first(view):
    """For a write request whose slow part only reads (a login's Argon2 check, ~0.1 s): its
    first transaction begins deferred, so on SQLite it holds no write lock meanwhile and
    other writers are not queued behind it. The view calls ``begin_writes()`` before it
    writes anything."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        g.reads_first = True
        return view(*args, **kwargs)

    return wrapped


def begin_writes() -> None:
    """End a ``reads_first`` request's read: what follows runs in a writing transaction
    (BEGIN IMMEDIATE on SQLite). Loaded objects are read again on their next use."""
    if g.pop("reads_first", False):
        db.session.rollback()


def commit_batch(*_progress) -> None:
    """Commit a finished batch of a long request's work (an import's rows) at the edge.

    The one exception to one commit per request: a spreadsheet of thousands of rows must
    not hold the database's write lock for minutes (SQLite writers would wait and fail) nor
    lose everything to a crash half-way. Each batch is keyed work (a re-run updates, never
    duplicates); the rest of the request still commits at its end.
    """
    db.session.commit()


def register(app: Flask) -> None:
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["date"] = lambda d, fmt="medium": format_date(d, fmt) if d else ""
    app.jinja_env.filters["datetime"] = lambda d, fmt="medium": format_datetime(d, fmt) if d else ""
    app.jinja_env.filters["highlight"] = highlight
    app.jinja_env.filters["mark_spans"] = mark_spans
    app.jinja_env.globals["code_label"] = label
    app.jinja_env.filters["to_local"] = to_local
    app.jinja_env.globals["label"] = label
    app.jinja_env.globals["current_language"] = lambda: str(get_locale() or "zh")

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not (current_app.config.get("DEVELOPMENT") or current_app.config.get("TESTING")):
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response

    @app.errorhandler(IntegrityError)
    def integrity_error(exc: IntegrityError):
        db.session.rollback()
        return _conflict()

    # Registered last, so that it runs first: the answer to a failed commit gets the headers.
    app.after_request(finish_request)
