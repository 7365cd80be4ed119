"""Random form data and JSON bodies on every proposal route: a 4xx or a page, never a 5xx."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rongtong.extensions import db
from rongtong.proposals import services
from tests.conftest import Auth, csrf_token

from .conftest import proposal_data

TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "1e309",
            "99999999999999999999",
            "y",
            "accept",
            "decline",
            "shortlist",
            "price",
            "other",
            "\x00",
            "../../etc/passwd",
            "a" * 6000,
        ]
    ),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
FIELDS = [
    "summary",
    "approach",
    "team",
    "timeline",
    "quote",
    "accept_terms",
    "save",
    "submit",
    "accept",
    "user_id",
    "decline-reason",
    "decline-note",
    "accept-amount",
    "accept-award",
    "message-body",
    "body",
    "reason",
    "note",
    "amount",
]
FORMS = st.dictionaries(st.sampled_from(FIELDS), TEXT, max_size=8)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=6,
)
BODY_KEYS = [
    "summary",
    "approach",
    "team",
    "timeline",
    "quote",
    "status",
    "accept_terms",
    "decision",
    "reason",
    "note",
    "amount",
    "award",
    "body",
    "extra",
]
BODIES = st.dictionaries(st.sampled_from(BODY_KEYS), JSON, max_size=7) | JSON
FUZZ = settings(
    max_examples=120, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)


@pytest.fixture
def world(owner, challenge, proposer, make_user, api_token):
    member = proposer()
    services.accept_terms(member, challenge)
    proposal = services.create_proposal(member, challenge, proposal_data())
    db.session.commit()
    ids = {
        "listing_id": challenge.id,
        "proposal_id": proposal.id,
        "attachment_id": 1,
        "user_id": make_user(role="organizer").id,
    }
    return {
        "owner": owner,
        "member": member,
        "ids": ids,
        "headers": {"owner": api_token(owner), "member": api_token(member)},
    }


def _paths(app, ids, api: bool):
    import re

    param = re.compile(r"<(?:\w+:)?(\w+)>")
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api_proposals." if api else "proposals."):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            yield method, param.sub(lambda m: str(ids[m.group(1)]), rule.rule)


@pytest.mark.parametrize("role", ["owner", "member"])
def test_random_forms_on_proposal_pages(app, world, role):
    client = app.test_client()
    Auth(client).login(world[role])
    token = csrf_token(client, "/")
    routes = sorted(_paths(app, world["ids"], api=False))
    assert len(routes) >= 15

    @given(data=FORMS, route=st.sampled_from(routes))
    @FUZZ
    def run(data, route):
        method, path = route
        if method == "GET":
            response = client.get(path, query_string=data)
        else:
            response = client.post(path, data={**data, "csrf_token": token})
        response.close()
        assert response.status_code < 500, (method, path, data)

    run()


@pytest.mark.parametrize("role", ["owner", "member"])
def test_random_json_on_proposal_api(app, world, role):
    client = app.test_client()
    headers = world["headers"][role]
    routes = sorted(_paths(app, world["ids"], api=True))
    assert len(routes) >= 8

    @given(body=BODIES, route=st.sampled_from(routes))
    @FUZZ
    def run(body, route):
        method, path = route
        response = client.open(path, method=method, json=body, headers=headers)
        response.close()
        assert response.status_code < 500, (method, path, body)
        if response.status_code >= 400:
            assert set(response.get_json()["error"]) == {"code", "message", "fields"}

    run()
