"""Security headers on every response, and cookie flags."""

import re

import pytest

from rongtong import create_app


@pytest.mark.parametrize("path", ["/", "/listings/", "/login", "/api/v1/listings", "/nope"])
def test_security_headers(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.nodb
def test_hsts_outside_development(tmp_path):
    app = create_app(
        {
            "SECRET_KEY": "x" * 48,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/h.db",
            "DEVELOPMENT": False,
            "PUBLIC_URL": "https://rongtong.example.cn",
        }
    )
    response = app.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_no_inline_scripts_or_styles(client, make_listing):
    listing = make_listing()
    for path in ("/", "/listings/", f"/listings/{listing.id}", "/login", "/register"):
        html = client.get(path).get_data(as_text=True)
        # Scripts only as files of our own (CSP script-src 'self'), never inline.
        inline = re.sub(r'<script src="/static/[\w/.-]+\.js" defer></script>', "", html)
        assert "<script" not in inline and 'style="' not in html, path


def test_api_error_is_json_and_404_page_is_html(client):
    response = client.get("/api/v1/listings/999999")
    assert response.status_code == 404 and response.is_json
    assert set(response.get_json()["error"]) == {"code", "message", "fields"}
    page = client.get("/no-such-page")
    assert page.status_code == 404 and "页面不存在" in page.get_data(as_text=True)


def test_ids_beyond_the_column_are_404_not_overflow(client):
    """PostgreSQL refuses an INTEGER above 2**31 - 1; such ids in URLs never reach it."""
    for path in (
        "/listings/154814963598",
        "/api/v1/listings/154814963598/close",
        "/api/v1/listings/2147483648",
        "/enterprises/99999999999",
    ):
        response = client.get(path) if "close" not in path else client.post(path)
        # 404 like any unknown id (the anonymous POST is refused first: 401), never a 500.
        assert response.status_code in (401, 404), (path, response.status_code)
