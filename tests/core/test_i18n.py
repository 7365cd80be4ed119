"""Chinese first, with a complete English translation and a switch on every page."""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.conftest import csrf_token

CATALOG = Path(__file__).resolve().parents[2] / "rongtong/translations/en/LC_MESSAGES/messages.po"


@pytest.mark.nodb
def test_english_catalog_is_complete():
    with CATALOG.open("rb") as fh:
        catalog = read_po(fh)
    untranslated = [m.id for m in catalog if m.id and not m.string]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == [] and fuzzy == []


@pytest.mark.nodb
def test_every_interface_string_is_in_the_catalog():
    """A string added to the code without `make i18n-update` fails here."""
    from babel.messages.extract import extract_from_dir

    root = CATALOG.parents[3]
    method_map = [
        ("**.py", "python"),
        ("**/templates/**.html", "jinja2"),
        ("**/templates/**.txt", "jinja2"),
    ]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(root), method_map, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    with CATALOG.open("rb") as fh:
        catalog = read_po(fh)
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    assert sorted(found - known) == []


def test_default_is_chinese_and_switch_to_english(client, make_listing):
    make_listing(title="激光焊接需求")
    html = client.get("/listings/").get_data(as_text=True)
    assert 'lang="zh-CN"' in html and "发榜需求" in html
    token = csrf_token(client, "/listings/")
    response = client.post("/language/en", data={"csrf_token": token, "next": "/listings/"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/listings/")
    html = client.get("/listings/").get_data(as_text=True)
    assert 'lang="en"' in html
    assert "Challenges" in html
    assert "激光焊接需求" in html  # data stays as entered
    client.post("/language/zh", data={"csrf_token": csrf_token(client, "/"), "next": "/"})
    assert 'lang="zh-CN"' in client.get("/").get_data(as_text=True)


def test_browser_language_is_honoured(client):
    html = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert 'lang="en"' in html


def test_logged_in_choice_is_remembered(auth, make_user):
    user = make_user()
    auth.login(user)
    auth.post("/language/en", {"next": "/"})
    assert user.locale == "en"


def test_language_switch_refuses_offsite_next(client):
    response = client.post(
        "/language/en",
        data={"csrf_token": csrf_token(client, "/"), "next": "https://evil.example/"},
    )
    assert "evil" not in response.headers["Location"]
