"""The OpenAPI document: valid, generated from the code, and complete."""

import re

import openapi_spec_validator
import pytest

from rongtong.extensions import db

from .conftest import API


@pytest.fixture
def spec(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_the_document_is_valid_openapi_3(spec):
    openapi_spec_validator.validate(spec)
    assert spec["openapi"].startswith("3.")


def test_every_api_route_is_documented(app, spec):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(f"{API}/") and rule.endpoint.startswith("api_"):
            path = re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>", r"{\1}", rule.rule)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                routes.add((path, method.lower()))
    documented = {
        (path, m) for path, ops in spec["paths"].items() for m in ops if m != "parameters"
    }
    assert routes
    assert routes <= documented
    # Every route is documented (above); these are the core's, others add theirs.
    assert {p for p, _ in routes} >= {
        f"{API}/listings",
        f"{API}/listings/{{listing_id}}",
        f"{API}/listings/{{listing_id}}/close",
        f"{API}/enterprises",
        f"{API}/enterprises/{{enterprise_id}}",
        f"{API}/taxonomies",
        f"{API}/taxonomies/{{vocabulary}}",
    }


def _resolve(spec, ref_or_obj):
    while "$ref" in ref_or_obj:
        parts = ref_or_obj["$ref"].lstrip("#/").split("/")
        ref_or_obj = spec
        for part in parts:
            ref_or_obj = ref_or_obj[part]
    return ref_or_obj


def test_error_responses_use_the_error_schema(spec):
    error = spec["components"]["schemas"]["ApiError"]
    assert error["required"] == ["error"]
    body = _resolve(spec, error["properties"]["error"])
    assert set(body["properties"]) == {"code", "message", "fields"}
    assert "Error" not in spec["components"]["schemas"]  # smorest's own shape is gone

    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            failures = {k: v for k, v in operation["responses"].items() if not k.startswith("2")}
            assert "default" in failures, (path, method)
            for status, response in failures.items():
                schema = _resolve(spec, response)["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ApiError"}, (path, method, status)


def test_security_and_parameters(spec):
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    listings = spec["paths"][f"{API}/listings"]
    assert listings["post"]["security"] == [{"bearerAuth": []}]
    assert {} in listings["get"]["security"]
    assert {"401", "403", "409", "422"} <= set(listings["post"]["responses"])
    patch = spec["paths"][f"{API}/listings/{{listing_id}}"]["patch"]
    assert {"401", "403", "404", "422"} <= set(patch["responses"])

    params = {p["name"]: p for p in listings["get"]["parameters"]}
    assert {"page", "per_page", "q", "kind", "category", "chain", "district", "tier", "status",
            "ref", "sort"} <= set(params)  # fmt: skip
    assert params["per_page"]["schema"]["maximum"] == 100
    assert params["page"]["schema"]["minimum"] == 1
    page = _resolve(spec, listings["get"]["responses"]["200"])["content"]["application/json"]
    assert set(_resolve(spec, page["schema"])["properties"]) == {
        "items",
        "total",
        "page",
        "per_page",
    }

    create = _resolve(
        spec, listings["post"]["requestBody"]["content"]["application/json"]["schema"]
    )
    assert {"kind", "category", "chain", "title"} <= set(create["required"])
    assert create["properties"]["title"]["maxLength"] == 120


def test_responses_match_their_documented_schema(client, spec, make_listing):
    """A live listing has exactly the documented properties."""
    make_listing()
    db.session.commit()
    item = client.get(f"{API}/listings").get_json()["items"][0]
    documented = _resolve(spec, {"$ref": "#/components/schemas/Listing"})
    assert set(item) == set(documented["properties"])


#: Parameters whose bounds Schemathesis should probe: both ends stated in the document.
BOUNDED = {"page", "per_page", "year", "k"}


def test_every_page_and_year_parameter_states_its_bounds(spec):
    seen = {}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":  # the path's own, shared by its operations
                continue
            for parameter in operations.get("parameters", []) + operation.get("parameters", []):
                parameter = _resolve(spec, parameter)
                if parameter["name"] in BOUNDED:
                    schema = parameter["schema"]
                    seen[(method, path, parameter["name"])] = (
                        schema.get("minimum"),
                        schema.get("maximum"),
                    )
    unbounded = {key: bounds for key, bounds in seen.items() if None in bounds}
    assert unbounded == {}
    names = {name for _, _, name in seen}
    assert names == BOUNDED
    assert seen[("get", f"{API}/plan/{{year}}", "year")] == (2000, 2100)
    assert seen[("get", f"{API}/events", "year")] == (2000, 2100)


@pytest.mark.parametrize(
    "path",
    [
        f"{API}/listings?page=0",
        f"{API}/listings?page=100001",
        f"{API}/listings?page=99999999999999999999",
        f"{API}/enterprises?per_page=0",
        f"{API}/events?year=1999",
        f"{API}/events?year=2101",
        f"{API}/events?year=-5",
        f"{API}/notifications?page=0",
        f"{API}/notifications?per_page=101",
    ],
)
def test_parameters_past_their_bounds_are_4xx(client, caller, path):
    member = caller()
    response = client.get(path, headers=member.headers)
    assert response.status_code == 422, (path, response.status_code)
    assert set(response.get_json()) == {"error"}


@pytest.mark.parametrize("year", [1999, 2101, 99999])
def test_plan_years_past_the_bounds_are_404_with_the_error_body(client, caller, year):
    organizer = caller("organizer")
    response = client.get(f"{API}/plan/{year}", headers=organizer.headers)
    assert response.status_code == 404
    assert set(response.get_json()) == {"error"}
