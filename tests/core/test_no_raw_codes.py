"""No raw code on any page or export: every GET route of the URL map that a role can reach,
walked over the seeded city in Chinese and in English, with the visible text searched for the
platform's enum codes (``held``, ``order``, ``member``, ``event_invitation`` …).

A route added later is walked too; one whose arguments cannot be filled from the seed fails
``test_every_route_is_walked`` until it is given values below.
"""

import csv
import io
import re
from html.parser import HTMLParser
from itertools import product

import pytest
from flask_migrate import upgrade
from openpyxl import load_workbook
from sqlalchemy import select

from rongtong import create_app
from rongtong.accounts.models import ROLES, User
from rongtong.enterprises.models import JOIN_STATUSES, REVIEW_STATUSES, Enterprise
from rongtong.events.models import (
    ATTENDANCE,
    EVENT_KINDS,
    EVENT_STATUSES,
    MEETING_SOURCES,
    REGISTRATION_STATUSES,
    REQUEST_STATUSES,
    Event,
    Meeting,
)
from rongtong.extensions import db
from rongtong.listings.models import KINDS as LISTING_KINDS
from rongtong.listings.models import STATUSES as LISTING_STATUSES
from rongtong.listings.models import Listing
from rongtong.mail.models import MAIL_STATUSES, OutboxMail
from rongtong.outcomes.models import DEAL_TYPES, STAGES
from rongtong.proposals.models import DECLINE_REASONS, Proposal
from rongtong.proposals.models import STATUSES as PROPOSAL_STATUSES
from rongtong.taxonomy.models import Chain
from tests.conftest import TEST_CONFIG, Auth

pytestmark = [pytest.mark.nodb, pytest.mark.slow]

PASSWORD = "rongtong-demo-2026"
USERS = {
    "anon": None,
    "member": "large@rongtong.example",
    "sme": "sme@rongtong.example",
    "organizer": "organizer@rongtong.example",
    "admin": "admin@rongtong.example",
}


def _mail_purposes() -> set[str]:
    from rongtong.core.labels import LABELS

    return set(LABELS["mail_purpose"])


# Codes that are also ordinary words of an English page ("Open", "closed") are caught in
# English only as a whole text of their own (a badge, a cell); in Chinese anywhere.
CODES = (
    set(ROLES)
    | set(EVENT_KINDS)
    | set(EVENT_STATUSES)
    | set(REGISTRATION_STATUSES)
    | set(REQUEST_STATUSES)
    | set(MEETING_SOURCES)
    | set(ATTENDANCE)
    | set(DEAL_TYPES)
    | set(STAGES)
    | set(LISTING_KINDS)
    | set(LISTING_STATUSES)
    | set(PROPOSAL_STATUSES)
    | set(DECLINE_REASONS)
    | set(REVIEW_STATUSES)
    | set(JOIN_STATUSES)
    | set(MAIL_STATUSES)
) - {"none", "other"}  # "none"/"other" are never shown; too common as words to search for
WORD = re.compile(
    r"(?<![\w@./:-])(" + "|".join(sorted(CODES, key=len, reverse=True)) + r")(?![\w@/-])"
)
UNDERSCORED = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
EMAIL_OR_URL = re.compile(r"\S+@\S+|https?://\S+")


class _Text(HTMLParser):
    """The text a reader sees: every text node outside <script>/<style>, one per element.

    Text marked ``translate="no"`` is data typed by people (a term's import aliases, which
    may well be ``order``), not a code the platform shows for want of a label.
    """

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.nodes: list[str] = []
        self.in_label = False

    def handle_starttag(self, tag, attrs):
        if tag not in ("text", "title"):
            self.in_label = False
        if tag not in VOID:
            hidden = tag in ("script", "style") or ("translate", "no") in attrs
            self.stack.append((tag, hidden))

    def handle_endtag(self, tag):
        # Close up to the matching tag: a <p> or <li> may have been left open before it.
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if not any(hidden for _tag, hidden in self.stack) and data.strip():
            # A chart's label wrapped over two lines ("Special" / "matchmaking") is one text:
            # an SVG <text> right after another <text> joins it, as a reader reads them.
            if self.stack and self.stack[-1][0] == "text" and self.in_label:
                self.nodes[-1] += " " + data.strip()
            else:
                self.nodes.append(data.strip())
            self.in_label = bool(self.stack) and self.stack[-1][0] == "text"


def bare_codes(texts, lang: str) -> set[str]:
    """The enum codes shown as they are in ``texts`` (visible text nodes or cells)."""
    found = set()
    for raw in texts:
        text = EMAIL_OR_URL.sub(" ", str(raw))
        found |= {m for m in UNDERSCORED.findall(text) if m in CODES or m in _mail_purposes()}
        if lang == "zh":
            found |= set(WORD.findall(text))
        elif text in CODES:
            found.add(text)
    return found


def test_the_finder_finds_codes_and_spares_words():
    assert bare_codes(["状态：held"], "zh") == {"held"}
    assert bare_codes(["admin@rongtong.example", "https://x.cn/events/held"], "zh") == set()
    assert bare_codes(["Held", "3 meetings held", "event_invitation"], "en") == {"event_invitation"}
    assert bare_codes(["order"], "en") == {"order"}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    path = tmp_path_factory.mktemp("codes") / "seed.db"
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        upgrade()
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    with app.test_request_context():
        _more_of_the_city()
        ids = _ids()
        db.session.commit()
    yield app, ids
    with app.app_context():
        db.engine.dispose()


def _user(email):
    return db.session.execute(select(User).filter_by(email=email)).scalar_one()


def _more_of_the_city():
    """What the seed lacks and the pages show codes of: a proposal, mail, an audit trail."""
    from rongtong.audit import services as audit
    from rongtong.mail.services import queue_mail
    from rongtong.proposals import services as proposals

    sme = _user("sme@rongtong.example")
    large = _user("large@rongtong.example")
    organizer = _user("organizer@rongtong.example")
    challenge = db.session.execute(
        select(Listing)
        .filter_by(enterprise_id=large.enterprise_id, kind="challenge", status="published")
        .limit(1)
    ).scalar_one()
    proposals.create_proposal(
        sme,
        challenge,
        {"summary": "方案", "approach": "路线", "team": "团队", "timeline": "三个月", "quote": 10},
        accept=True,
    )
    for i, purpose in enumerate(sorted(_mail_purposes())):
        queue_mail(key=f"walk-{i}", purpose=purpose, to=sme.email, subject="s", text="t")
    audit.record(
        organizer,
        "enterprise.verify",
        sme.enterprise,
        before={"review_status": "pending"},
        after={"review_status": "approved"},
    )
    audit.record(large, "user.role", sme, before={"role": "member"}, after={"role": "organizer"})
    db.session.flush()


def _ids() -> dict:
    held = db.session.execute(
        select(Meeting.event_id).filter_by(attendance="held").limit(1)
    ).scalar_one()
    meeting = db.session.execute(
        select(Meeting).filter_by(event_id=held, attendance="held").limit(1)
    ).scalar_one()
    large = _user("large@rongtong.example")
    proposal = db.session.execute(select(Proposal).limit(1)).scalar_one()
    enterprises = db.session.execute(select(Enterprise.id).limit(2)).scalars().all()
    return {
        "event_id": [held, db.session.execute(select(Event.id).filter_by(status="open")).scalar()],
        "meeting_id": [meeting.id],
        "listing_id": [proposal.listing_id],
        "proposal_id": [proposal.id],
        "enterprise_id": [large.enterprise_id],
        "other_id": [enterprises[1] if enterprises[0] == large.enterprise_id else enterprises[0]],
        "mail_id": [db.session.execute(select(OutboxMail.id).limit(1)).scalar_one()],
        "vocabulary": ["chains"],
        "term_id": [db.session.execute(select(Chain.id).limit(1)).scalar_one()],
        "year": [2025, 2027],  # 2025: the seed's held year, with outcomes
        "quarter": [1],
        "what": ["registrations", "meetings"],
        "fmt": ["csv", "xlsx"],
        "kind": ["enterprises", "listings"],
    }


#: Routes not walked, and why.
NOT_WALKED = {
    "static": "files",
    "digests.unsubscribe": "a signed token; the page says only that the mail stopped",
    "accounts.reset_password": "a signed token",
    "imports.error_report": "a file of one upload; tested in tests/imports",
    "proposals.attachment": "an uploaded file, not a page",
    "surveys.answer": "a signed token per meeting; its page is checked in tests/surveys",
}
#: Extra query strings for routes that take their format there.
QUERIES = {"imports.export_listings": ["format=csv", "format=xlsx"]}


def _urls(app, ids):
    from flask import url_for

    urls, unfilled = [], []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in NOT_WALKED:
            continue
        if rule.rule.startswith("/api/"):  # JSON for programs: codes are its vocabulary
            continue
        if any(arg not in ids for arg in rule.arguments):
            unfilled.append(rule.endpoint)
            continue
        names = sorted(rule.arguments)
        for combo in product(*(ids[n] for n in names)):
            url = url_for(rule.endpoint, **dict(zip(names, combo, strict=True)))
            for query in QUERIES.get(rule.endpoint, [""]):
                urls.append(f"{url}?{query}" if query else url)
    return urls, unfilled


def test_every_route_is_walked(seeded):
    app, ids = seeded
    with app.test_request_context():
        urls, unfilled = _urls(app, ids)
    assert unfilled == []
    assert len(urls) > 50


def _texts(response) -> list[str]:
    kind = response.mimetype
    body = response.get_data()
    if kind == "text/html":
        parser = _Text()
        parser.feed(body.decode())
        return parser.nodes
    if kind == "text/csv":
        return [cell for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))) for cell in row]
    if "spreadsheetml" in kind:
        book = load_workbook(io.BytesIO(body), read_only=True)
        return [
            cell
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if isinstance(cell, str)
        ]
    return []


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("role", list(USERS))
def test_no_bare_code_on_any_page_or_export(seeded, role, lang):
    app, ids = seeded
    with app.app_context():
        for email in filter(None, USERS.values()):
            _user(email).locale = lang
        db.session.commit()
    with app.test_request_context():
        urls, _unfilled = _urls(app, ids)
    client = app.test_client()
    if USERS[role]:
        Auth(client).login(USERS[role], PASSWORD)
    else:
        client.get("/", headers={"Accept-Language": lang})
        with client.session_transaction() as session:
            session["lang"] = lang
    walked, leaks = 0, {}
    for url in urls:
        response = client.get(url)
        if response.status_code != 200:
            continue
        walked += 1
        found = bare_codes(_texts(response), lang)
        if found:
            leaks[url] = sorted(found)
    assert walked > 10
    assert leaks == {}
