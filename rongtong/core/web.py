"""What every page shares: security headers, template helpers, safe redirects."""

from urllib.parse import urljoin, urlsplit

from flask import Flask, current_app, request
from flask_babel import format_date, format_datetime, get_locale
from markupsafe import Markup, escape

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


def money(value: int | None) -> str:
    if value is None:
        return ""
    if value >= 10_000 and get_locale() and get_locale().language == "zh":
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


def register(app: Flask) -> None:
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["date"] = lambda d, fmt="medium": format_date(d, fmt) if d else ""
    app.jinja_env.filters["datetime"] = lambda d, fmt="medium": format_datetime(d, fmt) if d else ""
    app.jinja_env.filters["highlight"] = highlight
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
