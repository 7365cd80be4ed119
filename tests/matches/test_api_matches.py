"""GET /api/v1/listings/{id}/matches and the ref look-up."""


def test_matches_endpoint_returns_ranked_counterparts_with_reasons(client, corpus):
    response = client.get(f"/api/v1/listings/{corpus['challenge'].id}/matches?k=2")
    assert response.status_code == 200
    body = response.get_json()
    assert len(body) == 2
    first = body[0]
    assert first["listing"]["id"] == corpus["welder"].id
    assert first["listing"]["ref"] == corpus["welder"].ref
    assert 0 < first["score"] <= 1 and first["score"] >= body[1]["score"]
    codes = [r["code"] for r in first["reasons"]]
    assert "shared_terms" in codes and "same_chain" in codes
    assert all(r["text"] for r in first["reasons"])
    assert first["terms"]


def test_matches_endpoint_validates_k_and_visibility(client, corpus, make_listing):
    listing_id = corpus["challenge"].id
    for bad in ("0", "51", "abc"):
        response = client.get(f"/api/v1/listings/{listing_id}/matches?k={bad}")
        assert response.status_code == 422
        assert "k" in response.get_json()["error"]["fields"]
    draft = make_listing(status="draft")
    response = client.get(f"/api/v1/listings/{draft.id}/matches")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_listing_lookup_by_ref(client, corpus):
    ref = corpus["welder"].ref
    body = client.get(f"/api/v1/listings?ref={ref}").get_json()
    assert body["total"] == 1 and body["items"][0]["ref"] == ref


def test_matches_are_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/listings/{listing_id}/matches"]["get"]
    assert any(p["name"] == "k" for p in operation["parameters"])
    assert "200" in operation["responses"] and "404" in operation["responses"]
