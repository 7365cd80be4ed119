"""No input makes the API answer 500: arbitrary JSON bodies and query strings."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import API, assert_error

FIELDS = ["kind", "category", "chain", "title", "summary", "keywords", "budget_min",
          "budget_max", "deadline", "status", "confidential", "extra"]  # fmt: skip
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
bodies = st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=8) | json_values
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def member(caller):
    return caller()


@FUZZ
@given(body=bodies)
def test_any_json_body_gets_a_4xx_or_a_listing(client, member, body):
    response = client.post(f"{API}/listings", json=body, headers=member.headers)
    if response.status_code != 201:
        assert_error(response, response.status_code)
        assert 400 <= response.status_code < 500


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(
            [
                "page",
                "per_page",
                "q",
                "kind",
                "category",
                "chain",
                "district",
                "tier",
                "status",
                "ref",
                "sort",
            ]
        ),
        st.text(max_size=12),
        max_size=5,
    )
)
def test_any_query_string_gets_a_page_or_a_422(client, params):
    response = client.get(f"{API}/listings", query_string=params)
    if response.status_code != 200:
        assert_error(response, 422)
