"""/api/v1/listings: token auth, permissions, validation, pagination, search."""

from datetime import timedelta

import pytest

from rongtong.accounts.services import revoke_api_token
from rongtong.core.time import local_today
from rongtong.extensions import db
from rongtong.listings.models import Listing

from .conftest import API, assert_error, listing_count

LISTING_KEYS = {
    "id", "ref", "kind", "enterprise", "category", "chain", "title", "summary", "description",
    "keywords", "budget_min", "budget_max", "deadline", "status", "published_at", "created_at",
    "updated_at", "confidential",
}  # fmt: skip


def new_listing(**overrides) -> dict:
    body = {
        "kind": "challenge",
        "category": "rnd",
        "chain": "auto",
        "title": "电池托盘激光焊接变形控制",
        "summary": "寻求铝合金电池托盘焊接变形控制方案。",
        "description": "平面度 ≤ 0.5 mm，节拍 ≤ 90 秒。",
        "confidential": "目标成本：每件 80 元以内。",
        "keywords": ["激光焊接", "电池托盘"],
        "budget_min": 500_000,
        "budget_max": 2_000_000,
        "deadline": (local_today() + timedelta(days=60)).isoformat(),
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


# --- reading ---------------------------------------------------------------------------------


def test_browse_lists_published_listings_in_the_documented_shape(client, make_listing):
    published = make_listing(title="公开的需求")
    make_listing(title="别人的草稿", status="draft")
    db.session.commit()

    response = client.get(f"{API}/listings")

    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"items", "total", "page", "per_page"}
    assert (body["total"], body["page"], body["per_page"]) == (1, 1, 20)
    [item] = body["items"]
    assert set(item) == LISTING_KEYS
    assert item["id"] == published.id
    assert item["enterprise"] == {
        "id": published.enterprise.id,
        "name": published.enterprise.name,
        "credit_code": published.enterprise.credit_code,
    }
    assert item["category"] == {"code": "rnd", "label_zh": "技术研发", "label_en": "R&D"}
    assert item["keywords"] == ["激光焊接", "电池托盘"]
    assert item["confidential"] is None  # anonymous callers never see it


def test_pagination_and_its_bounds(client, make_listing):
    enterprise = make_listing().enterprise
    for _ in range(4):
        make_listing(enterprise=enterprise)
    db.session.commit()

    page = client.get(f"{API}/listings?per_page=2&page=3").get_json()
    assert (page["total"], page["page"], page["per_page"], len(page["items"])) == (5, 3, 2, 1)
    assert client.get(f"{API}/listings?per_page=2&page=9").get_json()["items"] == []
    assert len(client.get(f"{API}/listings?per_page=100").get_json()["items"]) == 5

    # More than 100 a page is refused (422), not clamped.
    assert_error(client.get(f"{API}/listings?per_page=101"), 422, "per_page")
    for bad in ("per_page=0", "page=0", "page=-1", "page=abc", "per_page=1.5",
                f"page={10**30}", "page=1e3", "per_page="):  # fmt: skip
        assert_error(client.get(f"{API}/listings?{bad}"), 422, bad.split("=")[0])


def test_filters_by_kind_category_chain_district_and_tier(client, make_listing, make_enterprise):
    panyu_giant = make_enterprise(district="panyu", tier="little_giant")
    a = make_listing(kind="challenge", category="rnd", chain="auto", enterprise=panyu_giant)
    b = make_listing(kind="capability", category="supply", chain="robotics")
    db.session.commit()

    def ids(query):
        response = client.get(f"{API}/listings?{query}")
        assert response.status_code == 200, response.get_json()
        return {item["id"] for item in response.get_json()["items"]}

    assert ids("kind=challenge") == {a.id}
    assert ids("kind=capability") == {b.id}
    assert ids("category=supply") == {b.id}
    assert ids("category=技术研发") == {a.id}  # a Chinese label works as well as the code
    assert ids("chain=auto") == {a.id}
    assert ids("district=panyu") == {a.id}
    assert ids("tier=little_giant") == {a.id}
    assert ids("tier=little_giant&kind=capability") == set()
    error = assert_error(client.get(f"{API}/listings?chain=nowhere"), 422, "chain")
    assert "auto" in error["fields"]["chain"][0]  # the message lists the allowed codes
    assert_error(client.get(f"{API}/listings?kind=offer"), 422, "kind")
    assert_error(client.get(f"{API}/listings?sort=random"), 422, "sort")
    assert_error(client.get(f"{API}/listings", query_string={"q": "焊接\x00"}), 422, "q")
    assert_error(client.get(f"{API}/listings", query_string={"ref": "x" * 65}), 422, "ref")


def test_chinese_search_finds_listings_by_their_words(client, make_listing):
    welding = make_listing(
        title="铝合金托盘焊接变形控制", summary="焊接后平面度超差", keywords=["焊接"]
    )
    make_listing(
        title="机器视觉缺陷检测", summary="表面划痕识别", description="", keywords=["视觉"]
    )
    db.session.commit()

    body = client.get(f"{API}/listings", query_string={"q": "激光焊接"}).get_json()

    assert [item["id"] for item in body["items"]] == [welding.id]
    assert body["total"] == 1


def test_ref_lookup(client, make_listing):
    wanted = make_listing(ref="CH-AUTO-001")
    make_listing(ref="CH-AUTO-002")
    db.session.commit()

    body = client.get(f"{API}/listings?ref=CH-AUTO-001").get_json()

    assert [item["id"] for item in body["items"]] == [wanted.id]
    assert client.get(f"{API}/listings?ref=NOPE").get_json()["total"] == 0


def test_drafts_are_listed_to_their_own_enterprise_only(client, caller, make_listing):
    owner = caller()
    draft = make_listing(enterprise=owner.enterprise, status="draft")
    db.session.commit()

    mine = client.get(f"{API}/listings?status=draft", headers=owner.headers).get_json()
    assert [item["id"] for item in mine["items"]] == [draft.id]
    assert client.get(f"{API}/listings?status=draft").get_json()["items"] == []
    other = caller()
    theirs = client.get(f"{API}/listings?status=draft", headers=other.headers).get_json()
    assert theirs["items"] == []


def test_detail_hides_drafts_and_confidential_text_from_those_who_may_not_see_them(
    client, caller, make_listing
):
    owner = caller()
    draft = make_listing(enterprise=owner.enterprise, status="draft", confidential="底价 80 万")
    public = make_listing(confidential="内部指标")
    organizer = caller("organizer")
    verified_member = caller(verified=True)
    unverified_member = caller(verified=False)
    db.session.commit()

    assert_error(client.get(f"{API}/listings/{draft.id}"), 404)
    assert_error(client.get(f"{API}/listings/{draft.id}", headers=verified_member.headers), 404)
    own = client.get(f"{API}/listings/{draft.id}", headers=owner.headers).get_json()
    assert own["confidential"] == "底价 80 万"
    assert client.get(f"{API}/listings/{draft.id}", headers=organizer.headers).status_code == 200

    def confidential(headers=None):
        response = client.get(f"{API}/listings/{public.id}", headers=headers or {})
        assert response.status_code == 200
        return response.get_json()["confidential"]

    assert confidential() is None
    assert confidential(unverified_member.headers) is None
    # A challenge's details need its terms accepted first (揭榜 confidentiality).
    assert confidential(verified_member.headers) is None
    accepted = client.post(f"{API}/listings/{public.id}/terms", headers=verified_member.headers)
    assert accepted.status_code in (200, 201)
    assert confidential(verified_member.headers) == "内部指标"
    assert confidential(organizer.headers) == "内部指标"


@pytest.mark.parametrize("path", ["99999999999999999999999", "abc", "-1", "0", "1.5"])
def test_bad_listing_ids_are_json_404s(client, caller, path):
    member = caller()
    assert_error(client.get(f"{API}/listings/{path}"), 404)
    assert_error(client.patch(f"{API}/listings/{path}", json={}, headers=member.headers), 404)
    assert_error(client.post(f"{API}/listings/{path}/close", headers=member.headers), 404)


# --- auth ------------------------------------------------------------------------------------


def test_writes_need_a_bearer_token(client, caller, auth, make_user):
    response = client.post(f"{API}/listings", json=new_listing())
    error = assert_error(response, 401)
    assert error["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")

    for header in ("Bearer rt_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "rt_abc"):
        response = client.post(
            f"{API}/listings", json=new_listing(), headers={"Authorization": header}
        )
        assert_error(response, 401)

    # A logged-in browser session is not an API credential.
    user = make_user()
    db.session.commit()
    auth.login(user)
    assert_error(client.post(f"{API}/listings", json=new_listing()), 401)
    assert listing_count() == 0


def test_a_revoked_token_is_refused_even_for_reads(client, caller):
    member = caller()
    [token] = member.user.tokens
    revoke_api_token(token)
    db.session.commit()

    assert_error(client.get(f"{API}/listings", headers=member.headers), 401)


def test_api_writes_need_no_csrf_token(app, client, caller):
    assert app.config.get("WTF_CSRF_ENABLED", True)
    member = caller()
    response = client.post(f"{API}/listings", json=new_listing(), headers=member.headers)
    assert response.status_code == 201, response.get_json()


# --- create ----------------------------------------------------------------------------------


def test_create_makes_a_draft_of_the_token_users_enterprise(client, caller):
    member = caller()

    response = client.post(f"{API}/listings", json=new_listing(), headers=member.headers)

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "draft"
    assert body["enterprise"]["id"] == member.enterprise.id
    assert body["confidential"] == "目标成本：每件 80 元以内。"
    assert body["ref"].startswith("RT-CH-")
    listing = db.session.get(Listing, body["id"])
    assert listing.enterprise_id == member.enterprise.id
    assert listing.created_by_id == member.user.id
    assert listing.keyword_list == ["激光焊接", "电池托盘"]


def test_create_published_needs_a_verified_enterprise(client, caller):
    verified = caller(verified=True)
    response = client.post(
        f"{API}/listings", json=new_listing(status="published"), headers=verified.headers
    )
    assert response.status_code == 201
    assert response.get_json()["status"] == "published"
    assert response.get_json()["published_at"]

    unverified = caller(verified=False)
    before = listing_count()
    response = client.post(
        f"{API}/listings", json=new_listing(status="published"), headers=unverified.headers
    )
    assert assert_error(response, 409)["code"] == "not_verified"
    assert listing_count() == before  # nothing half-written


def test_create_accepts_chinese_labels_and_capabilities_without_budget(client, caller):
    member = caller()
    body = new_listing(
        kind="capability", category="产品配套", chain="智能装备与机器人",
        budget_min=None, budget_max=None,
    )  # fmt: skip
    response = client.post(f"{API}/listings", json=body, headers=member.headers)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["category"]["code"] == "supply"
    assert response.get_json()["chain"]["code"] == "robotics"


def test_users_without_an_enterprise_cannot_create(client, caller):
    organizer = caller("organizer")
    assert_error(client.post(f"{API}/listings", json=new_listing(), headers=organizer.headers), 403)


INVALID = [
    ("missing title", {"title": ...}, "title"),
    ("blank title", {"title": "   "}, "title"),
    ("null title", {"title": None}, "title"),
    ("title as number", {"title": 123}, "title"),
    ("title too long", {"title": "长" * 121}, "title"),
    ("NUL in title", {"title": "a\x00b"}, "title"),
    ("summary too long", {"summary": "字" * 501}, "summary"),
    ("description too long", {"description": "字" * 20_001}, "description"),
    ("confidential too long", {"confidential": "字" * 20_001}, "confidential"),
    ("keywords too long", {"keywords": [f"词{i}" * 60 for i in range(5)]}, "keywords"),
    ("keywords as string", {"keywords": "激光焊接,电池托盘"}, "keywords"),
    ("keywords with numbers", {"keywords": [1, 2]}, "keywords"),
    ("missing kind", {"kind": ...}, "kind"),
    ("unknown kind", {"kind": "offer"}, "kind"),
    ("unknown category", {"category": "nonsense"}, "category"),
    ("category as list", {"category": ["rnd"]}, "category"),
    ("missing chain", {"chain": ...}, "chain"),
    ("negative budget", {"budget_min": -1}, "budget_min"),
    ("fractional budget", {"budget_min": 1.5}, "budget_min"),
    ("budget as word", {"budget_max": "lots"}, "budget_max"),
    ("budget as bool", {"budget_max": True}, "budget_max"),
    ("huge budget", {"budget_max": 10**40}, "budget_max"),
    ("budget range reversed", {"budget_min": 3, "budget_max": 2}, "budget_max"),
    ("budget on a capability", {"kind": "capability"}, "budget_min"),
    ("bad deadline", {"deadline": "2026-13-45"}, "deadline"),
    ("deadline in words", {"deadline": "next week"}, "deadline"),
    ("unknown field", {"owner": "someone"}, "owner"),
    ("status not allowed", {"status": "awarded"}, "status"),
]


@pytest.mark.parametrize(
    ("changes", "field"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID]
)
def test_invalid_input_is_a_422_with_field_messages_and_writes_nothing(
    client, caller, changes, field
):
    body = new_listing(**changes)
    member = caller()
    before = listing_count()

    response = client.post(f"{API}/listings", json=body, headers=member.headers)

    error = assert_error(response, 422, field)
    assert error["code"] == "validation_error"
    assert all(isinstance(m, str) for m in error["fields"][field])
    assert listing_count() == before


def test_unknown_taxonomy_value_lists_the_allowed_codes(client, caller):
    member = caller()
    response = client.post(
        f"{API}/listings", json=new_listing(category="nonsense"), headers=member.headers
    )
    [message] = assert_error(response, 422, "category")["fields"]["category"]
    assert "nonsense" in message
    assert "rnd" in message and "finance" in message


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b'{"title": "unterminated',
        b"\xff\xfe\x00",
        b'{"budget_min": ' + b"9" * 5000 + b"}",
        b"[" * 100_000,
    ],
    ids=["syntax", "unterminated", "not utf-8", "5000 digits", "deep nesting"],
)
def test_malformed_json_is_a_400_in_the_error_shape(client, caller, raw):
    member = caller()
    response = client.post(
        f"{API}/listings", data=raw, headers={**member.headers, "Content-Type": "application/json"}
    )
    assert_error(response, 400)
    assert listing_count() == 0


@pytest.mark.parametrize("body", [[1, 2], "text", 42, None])
def test_a_body_that_is_not_an_object_is_a_422(client, caller, body):
    member = caller()
    response = client.post(f"{API}/listings", json=body, headers=member.headers)
    assert_error(response, 422)


def test_infinite_and_nan_numbers_are_refused(client, caller):
    member = caller()
    for raw in (b'{"budget_min": 1e400}', b'{"budget_min": NaN}', b'{"budget_min": -Infinity}'):
        body = (
            raw[:-1] + b', "kind": "challenge", "category": "rnd", "chain": "auto", "title": "t"}'
        )
        response = client.post(
            f"{API}/listings", data=body,
            headers={**member.headers, "Content-Type": "application/json"},
        )  # fmt: skip
        assert_error(response, 422, "budget_min")
    assert listing_count() == 0


# --- update and close ------------------------------------------------------------------------


def test_owner_updates_a_listing(client, caller, make_listing):
    owner = caller()
    listing = make_listing(enterprise=owner.enterprise, kind="challenge")
    db.session.commit()

    response = client.patch(
        f"{API}/listings/{listing.id}",
        json={"title": "新标题", "keywords": ["焊接", "夹具"], "budget_max": 900_000},
        headers=owner.headers,
    )

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["title"] == "新标题"
    db.session.expire_all()
    assert listing.title == "新标题"
    assert listing.keyword_list == ["焊接", "夹具"]
    assert listing.budget_max == 900_000


def test_who_may_update(client, caller, make_listing):
    owner = caller()
    public = make_listing(enterprise=owner.enterprise)
    draft = make_listing(enterprise=owner.enterprise, status="draft")
    other = caller()
    organizer = caller("organizer")
    admin = caller("admin")
    db.session.commit()
    change = {"title": "改"}

    assert_error(client.patch(f"{API}/listings/{public.id}", json=change), 401)
    assert_error(
        client.patch(f"{API}/listings/{public.id}", json=change, headers=other.headers), 403
    )
    assert_error(
        client.patch(f"{API}/listings/{draft.id}", json=change, headers=other.headers), 404
    )
    assert_error(
        client.patch(f"{API}/listings/{public.id}", json=change, headers=organizer.headers), 403
    )
    response = client.patch(f"{API}/listings/{public.id}", json=change, headers=admin.headers)
    assert response.status_code == 200
    db.session.expire_all()
    assert draft.title != "改"


def test_update_rules_checked_against_the_stored_listing(client, caller, make_listing):
    owner = caller()
    challenge = make_listing(enterprise=owner.enterprise, budget_min=100, budget_max=200)
    capability = make_listing(enterprise=owner.enterprise, kind="capability")
    db.session.commit()

    def patch(listing, body):
        return client.patch(f"{API}/listings/{listing.id}", json=body, headers=owner.headers)

    assert_error(patch(challenge, {"budget_min": 300}), 422, "budget_max")
    assert_error(patch(challenge, {"kind": "capability"}), 422, "kind")
    assert_error(patch(capability, {"budget_min": 5}), 422, "budget_min")
    assert_error(patch(challenge, {"title": None}), 422, "title")
    assert_error(patch(challenge, {"nonsense": 1}), 422, "nonsense")
    assert patch(challenge, {"budget_min": None}).status_code == 200
    db.session.expire_all()
    assert challenge.budget_min is None and challenge.budget_max == 200


def test_a_failing_update_leaves_nothing_half_written(client, caller, make_listing):
    owner = caller(verified=False)
    draft = make_listing(enterprise=owner.enterprise, status="draft", title="旧标题")
    db.session.commit()

    response = client.patch(
        f"{API}/listings/{draft.id}",
        json={"title": "新标题", "status": "published"},
        headers=owner.headers,
    )

    assert assert_error(response, 409)["code"] == "not_verified"
    db.session.expire_all()
    assert (draft.title, draft.status) == ("旧标题", "draft")


def test_publish_and_unpublish_by_patch(client, caller, make_listing):
    owner = caller(verified=True)
    draft = make_listing(enterprise=owner.enterprise, status="draft")
    db.session.commit()

    response = client.patch(
        f"{API}/listings/{draft.id}", json={"status": "published"}, headers=owner.headers
    )
    assert response.get_json()["status"] == "published"
    response = client.patch(
        f"{API}/listings/{draft.id}", json={"status": "draft"}, headers=owner.headers
    )
    assert response.get_json()["status"] == "draft"


def test_close(client, caller, make_listing):
    owner = caller()
    listing = make_listing(enterprise=owner.enterprise)
    other = caller()
    db.session.commit()
    url = f"{API}/listings/{listing.id}/close"

    assert_error(client.post(url), 401)
    assert_error(client.post(url, headers=other.headers), 403)
    response = client.post(url, headers=owner.headers)
    assert response.status_code == 200
    assert response.get_json()["status"] == "closed"
    assert assert_error(client.post(url, headers=owner.headers), 409)["code"] == "bad_state"
    db.session.expire_all()
    assert listing.status == "closed"


def test_token_use_is_recorded(client, caller):
    member = caller()
    [token] = member.user.tokens
    assert token.last_used_at is None
    assert client.get(f"{API}/listings", headers=member.headers).status_code == 200
    db.session.expire_all()
    assert token.last_used_at is not None


def test_create_with_only_the_required_fields(client, caller):
    """Found by the two-instances test: a body without keywords gave a 500."""
    member = caller(verified=True)
    response = client.post(
        f"{API}/listings",
        headers=member.headers,
        json={
            "kind": "capability",
            "category": "rnd",
            "chain": "robotics",
            "title": "只有必填字段的能力",
            "summary": "摘要",
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["keywords"] == [] and body["description"] == ""
