"""Every route and API endpoint that loads a listing by id checks that the caller may see it.

A member walks the ids of another enterprise's drafts through every endpoint of the URL map
that takes a listing id (in the path, or in a body: a registration's listings), and through
the pages that list what was done with them afterwards: none answers anything but a refusal,
none shows a draft's title, none keeps a trace of it. The endpoints are read from the URL
map, so a route added later is walked as well.
"""

import itertools
from datetime import datetime

import pytest
from werkzeug.routing import Rule

from rongtong.events import services as event_services
from rongtong.events.models import Event, Registration
from rongtong.extensions import db
from rongtong.matches.models import MatchJudgement
from rongtong.taxonomy.models import Chain
from tests.conftest import Auth, csrf_token

MARKER = "机密草稿标题"
#: Path arguments that name a listing.
LISTING_ARGS = {"listing_id", "counterpart_id"}
#: A request body that passes the API's schema, so that the visibility check is reached.
API_BODIES = {
    "api_listings.update": {"title": "改一下标题"},
    "api_proposals.submit": {"summary": "方案", "status": "draft"},
}
#: Pages and lists where a trace of a walked id could show up afterwards.
AFTERWARDS = [
    "/digests/preferences",
    "/notifications/",
    "/listings/mine",
    "/listings/?status=draft",
    "/proposals/mine",
]
API_AFTERWARDS = [
    "/api/v1/listings?status=draft",
    "/api/v1/listings?status=all",
    "/api/v1/notifications",
]


@pytest.fixture
def setting(app, make_user, make_enterprise, make_listing, api_token):
    victim = make_enterprise()
    drafts = [
        make_listing(enterprise=victim, kind=kind, status="draft", title=f"{MARKER}{n}")
        for n, kind in enumerate(("challenge", "capability"))
    ]
    attacker = make_user(enterprise=make_enterprise(kind="sme"))
    own = make_listing(enterprise=attacker.enterprise, kind="capability")
    event = Event()
    event_services.save_event(
        event,
        {
            "title": "测试路演",
            "kind": "roadshow",
            "chain": db.session.execute(db.select(Chain).filter_by(code="robotics")).scalar_one(),
            "theme": None,
            "starts_at": datetime(2027, 3, 18, 14),
            "ends_at": datetime(2027, 3, 18, 18),
            "timezone": "Asia/Shanghai",
            "venue": "广州",
            "capacity": 0,
            "budget": 0,
            "organiser": "服务中心",
            "requires_approval": False,
        },
    )
    event.status = "open"
    headers = api_token(attacker)
    db.session.commit()  # an API error rolls back; the setting must outlive it
    return {
        "drafts": drafts,
        "attacker": attacker,
        "own": own,
        "event": event,
        "headers": headers,
        "owner": make_user(enterprise=victim),
    }


def _listing_rules(app) -> list[Rule]:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if LISTING_ARGS & set(rule.arguments) and rule.endpoint != "static"
    ]


def _probes(app, setting):
    """(endpoint, method, path) for every listing-taking route with each draft in each of its
    listing arguments (the others: the attacker's own listing)."""
    own = setting["own"].id
    others = {"user_id": setting["attacker"].id, "action": "add"}
    for rule in _listing_rules(app):
        names = sorted(LISTING_ARGS & set(rule.arguments))
        unknown = set(rule.arguments) - LISTING_ARGS - set(others)
        assert not unknown, f"{rule.rule}: give {unknown} a value in this test"
        for draft in setting["drafts"]:
            for choice in itertools.product((own, draft.id), repeat=len(names)):
                if draft.id not in choice:
                    continue
                values = {**others, **dict(zip(names, choice, strict=True))}
                values = {k: v for k, v in values.items() if k in rule.arguments}
                path = rule.build(values)[1]
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    yield rule.endpoint, method, path


def test_the_walk_covers_the_listing_routes(app, setting):
    endpoints = {endpoint for endpoint, _, _ in _probes(app, setting)}
    # The ones the review found, and the API's: a rename here must not empty the walk.
    assert {
        "matches.not_relevant",
        "matches.restore",
        "listings.detail",
        "proposals.new",
        "api_listings.detail",
        "api_matches.matches",
        "api_proposals.submit",
    } <= endpoints


def test_walking_other_enterprises_draft_ids_reveals_no_title(app, setting):
    web = app.test_client()
    Auth(web).login(setting["attacker"])
    token = csrf_token(web, "/")
    api = app.test_client()
    answered = {}
    for endpoint, method, path in _probes(app, setting):
        if path.startswith("/api/"):
            kwargs = {"headers": setting["headers"]}
            if method in ("POST", "PATCH"):
                kwargs["json"] = API_BODIES.get(endpoint, {})
            response = api.open(path, method=method, **kwargs)
        elif method == "GET":
            response = web.get(path)
        else:
            response = web.open(path, method=method, data={"csrf_token": token})
        body = response.get_data(as_text=True)
        answered[(method, path)] = response.status_code
        assert MARKER not in body, (method, path)
        assert response.status_code in (403, 404), (method, path, response.status_code)

    # Body ids: a registration that brings another enterprise's draft.
    event = setting["event"]
    for draft in setting["drafts"]:
        response = api.post(
            f"/api/v1/events/{event.id}/registrations",
            json={"listing_ids": [draft.id]},
            headers=setting["headers"],
        )
        assert response.status_code == 404
        assert MARKER not in response.get_data(as_text=True)
        response = web.post(
            f"/events/{event.id}/register",
            data={"csrf_token": token, "listings": [draft.id]},
            follow_redirects=True,
        )
        assert response.status_code == 200
        assert MARKER not in response.get_data(as_text=True)

    # Afterwards: nothing was kept about the drafts, and no page lists them.
    for path in AFTERWARDS:
        response = web.get(path, follow_redirects=True)
        assert response.status_code == 200, path
        assert MARKER not in response.get_data(as_text=True), path
    for path in API_AFTERWARDS:
        response = api.get(path, headers=setting["headers"])
        assert response.status_code == 200, path
        assert MARKER not in response.get_data(as_text=True), path
    draft_ids = [d.id for d in setting["drafts"]]
    assert not db.session.execute(
        db.select(MatchJudgement).where(MatchJudgement.counterpart_id.in_(draft_ids))
    ).first()
    assert not db.session.execute(
        db.select(Registration).where(Registration.event_id == event.id)
    ).first()
    for draft in setting["drafts"]:
        db.session.refresh(draft)
        assert draft.status == "draft" and draft.title.startswith(MARKER)
    assert len(answered) >= 40  # every listing route, each draft, each method


def test_the_owner_sees_the_title_the_walk_looks_for(app, setting):
    """The walk would notice a leak: the same pages show the title to its own enterprise."""
    client = app.test_client()
    Auth(client).login(setting["owner"])
    draft = setting["drafts"][0]
    assert MARKER in client.get(f"/listings/{draft.id}").get_data(as_text=True)
    assert MARKER in client.get("/listings/mine").get_data(as_text=True)


def test_not_relevant_refuses_a_draft_and_echoes_no_title(auth, make_user, make_listing):
    """Finding 2: the judgement on another enterprise's draft was kept and its title echoed."""
    user = make_user()
    own = make_listing(enterprise=user.enterprise, kind="challenge")
    draft = make_listing(kind="capability", status="draft", title=f"{MARKER}：焊接")
    auth.login(user)
    response = auth.post(f"/listings/{own.id}/matches/{draft.id}/not-relevant")
    assert response.status_code == 404
    assert MARKER not in response.get_data(as_text=True)
    assert not db.session.execute(
        db.select(MatchJudgement).where(MatchJudgement.counterpart_id == draft.id)
    ).first()
    page = auth.client.get("/digests/preferences").get_data(as_text=True)
    assert MARKER not in page


def test_preferences_hide_a_counterpart_that_went_back_to_draft(auth, make_user, make_listing):
    """A judgement made while the counterpart was public stays restorable, without its title
    once the counterpart is no longer visible."""
    user = make_user()
    own = make_listing(enterprise=user.enterprise, kind="challenge")
    counterpart = make_listing(kind="capability", title=f"{MARKER}：伺服")
    auth.login(user)
    assert auth.post(f"/listings/{own.id}/matches/{counterpart.id}/not-relevant").status_code == (
        302
    )
    page = auth.client.get("/digests/preferences").get_data(as_text=True)
    assert MARKER in page
    counterpart.status = "draft"
    db.session.commit()
    page = auth.client.get("/digests/preferences").get_data(as_text=True)
    assert MARKER not in page
    assert "已不公开的条目" in page
    response = auth.post(f"/listings/{own.id}/matches/{counterpart.id}/restore")
    assert response.status_code == 302
    assert auth.post(f"/listings/{own.id}/matches/{counterpart.id}/restore").status_code == 404
