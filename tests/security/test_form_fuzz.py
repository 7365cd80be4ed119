"""Random form data on every form route, as a member and as an organizer: never a 5xx.

Routes come from the URL map, so a route added later is fuzzed too.
"""

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Auth, csrf_token

FIELD_NAMES = [
    "title",
    "summary",
    "description",
    "confidential",
    "keywords",
    "budget_min",
    "budget_max",
    "deadline",
    "category",
    "chain",
    "kind",
    "name",
    "credit_code",
    "district",
    "tier",
    "chains",
    "website",
    "contact_email",
    "contact_mobile",
    "reason",
    "email",
    "password",
    "confirm",
    "role",
    "code",
    "label_zh",
    "label_en",
    "position",
    "note",
    "amount",
    "quote",
    "status",
    "starts_at",
    "ends_at",
    "capacity",
    "budget",
    "frequency",
    "min_score",
    "body",
    "question",
]
VALUES = st.one_of(
    st.text(max_size=50),
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "1e309",
            "99999999999999999999",
            "2027-02-30",
            "<script>x</script>",
            "../../etc/passwd",
            "auto",
            "rnd",
            "challenge",
            "\x00",
            "全角１２３",
            "a" * 3000,
        ]
    ),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
FORMS = st.dictionaries(st.sampled_from(FIELD_NAMES), VALUES, max_size=10)
PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _post_routes(app, ids):
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.rule.startswith(("/api/", "/static")):
            continue
        if rule.endpoint in ("accounts.logout", "accounts.set_language"):
            continue  # they would end the session the other examples need
        yield PARAM.sub(lambda m: str(ids.get(m.group(2), 1)), rule.rule)


@pytest.fixture
def world(make_user, make_listing):
    member = make_user()
    listing = make_listing(enterprise=member.enterprise)
    return {
        "member": member,
        "organizer": make_user(role="organizer"),
        "ids": {
            "listing_id": listing.id,
            "enterprise_id": member.enterprise_id,
            "counterpart_id": listing.id,
            "user_id": member.id,
            "code": "en",
        },
    }


@pytest.mark.slow
@pytest.mark.parametrize("role", ["member", "organizer"])
def test_random_form_data_never_gives_a_server_error(app, world, role):
    client = app.test_client()
    Auth(client).login(world[role])
    token = csrf_token(client, "/")
    paths = sorted(set(_post_routes(app, world["ids"])))
    assert len(paths) >= 10

    @given(data=FORMS, path=st.sampled_from(paths))
    @settings(
        max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def post(data, path):
        response = client.post(path, data={**data, "csrf_token": token})
        assert response.status_code < 500, (path, data, response.status_code)
        assert response.status_code != 400 or "安全令牌" not in response.get_data(as_text=True)

    post()


QUERY_NAMES = ["page", "per_page", "year", "q", "status", "kind", "chain", "category", "sort"]
QUERIES = st.dictionaries(st.sampled_from(QUERY_NAMES), VALUES, max_size=4)


def _get_routes(app):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith("/static"):
            yield rule.rule


@pytest.mark.slow
@pytest.mark.parametrize("role", ["member", "organizer"])
def test_random_query_parameters_never_give_a_server_error(app, world, role):
    client = app.test_client()
    Auth(client).login(world[role])
    paths = sorted(set(_get_routes(app)))
    assert len(paths) >= 10

    @given(query=QUERIES, path=st.sampled_from(paths))
    @settings(
        max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def get(query, path):
        response = client.get(path, query_string=query)
        assert response.status_code < 500, (path, query, response.status_code)

    get()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/listings/?page=99999999999999999999", 200),
        ("/enterprises/?page=99999999999999999999", 200),
        ("/events/?year=10000", 404),
        ("/events/?year=9999", 404),
        ("/events/?year=-5", 404),
        ("/events/dashboard?year=10000", 404),
    ],
)
def test_out_of_range_page_and_year_are_not_server_errors(app, world, path, expected):
    client = app.test_client()
    Auth(client).login(world["organizer"])
    assert client.get(path).status_code == expected
