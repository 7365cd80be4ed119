"""/api/v1/favourites: members star, list and unstar listings through the API."""

from datetime import timedelta

from rongtong.core.time import utcnow
from rongtong.extensions import db


def test_a_member_stars_lists_and_unstars_through_the_api(
    client, make_user, make_listing, api_token
):
    member = make_user()
    headers = api_token(member)
    listing = make_listing(title="伺服电机寿命预测算法征集")
    url = f"/api/v1/favourites/{listing.id}"

    starred = client.put(url, headers=headers)
    assert starred.status_code == 200, starred.get_json()
    assert starred.get_json()["listing_id"] == listing.id
    assert client.put(url, headers=headers).status_code == 200  # twice is once
    body = client.get("/api/v1/favourites", headers=headers).get_json()
    assert body["total"] == 1
    [item] = body["items"]
    assert item["title"] == "伺服电机寿命预测算法征集" and item["changed"] is False

    listing.updated_at = utcnow() + timedelta(minutes=1)  # its owner edits it
    db.session.flush()
    [item] = client.get("/api/v1/favourites", headers=headers).get_json()["items"]
    assert item["changed"] is True

    assert client.delete(url, headers=headers).status_code == 204
    assert client.delete(url, headers=headers).status_code == 204  # not starred: the same
    assert client.get("/api/v1/favourites", headers=headers).get_json() == {
        "items": [],
        "total": 0,
    }


def test_what_the_caller_may_not_see_or_do_is_refused(client, make_user, make_listing, api_token):
    member = make_user()
    organizer = make_user(role="organizer", enterprise=None)
    draft = make_listing(status="draft")  # another enterprise's draft
    response = client.put(f"/api/v1/favourites/{draft.id}", headers=api_token(member))
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert client.put("/api/v1/favourites/999999", headers=api_token(member)).status_code == 404
    listing = make_listing()
    refused = client.put(f"/api/v1/favourites/{listing.id}", headers=api_token(organizer))
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "not_member"
    assert client.get("/api/v1/favourites").status_code == 401
