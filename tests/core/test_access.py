"""Who may reach what: every object route of enterprise A as a member of B, and the
organizer and admin pages as a member."""

import pytest

ORGANIZER_GETS = ["/enterprises/review", "/imports"]
ADMIN_GETS = ["/admin/taxonomies", "/admin/users", "/admin/taxonomies/chains/new"]


@pytest.fixture
def world(make_user, make_listing):
    owner = make_user()
    published = make_listing(enterprise=owner.enterprise)
    draft = make_listing(enterprise=owner.enterprise, status="draft")
    expired = make_listing(enterprise=owner.enterprise, status="expired")
    return {"owner": owner, "published": published, "draft": draft, "expired": expired}


def _object_routes(world):
    p, d, x = world["published"].id, world["draft"].id, world["expired"].id
    e = world["owner"].enterprise_id
    return [
        ("GET", f"/listings/{p}/edit"),
        ("POST", f"/listings/{p}/edit"),
        ("POST", f"/listings/{p}/close"),
        ("POST", f"/listings/{d}/publish"),
        ("POST", f"/listings/{x}/renew"),
        ("GET", f"/listings/{d}"),
        ("GET", f"/listings/{d}/edit"),
        ("GET", f"/enterprises/{e}/edit"),
        ("POST", f"/enterprises/{e}/edit"),
    ]


def test_member_of_another_enterprise_is_refused_everywhere(auth, make_user, world):
    auth.login(make_user())
    for method, path in _object_routes(world):
        if method == "GET":
            status = auth.client.get(path).status_code
        else:
            status = auth.post(path, {"title": "篡改", "deadline": "2030-01-01"}).status_code
        assert status in (403, 404), (method, path, status)
    assert world["published"].status == "published"
    assert world["draft"].status == "draft"
    assert world["expired"].status == "expired"
    assert world["published"].title != "篡改"


def test_owner_reaches_its_own_routes(auth, world):
    auth.login(world["owner"])
    for method, path in _object_routes(world):
        if method == "GET":
            assert auth.client.get(path).status_code == 200, path


def test_anonymous_is_sent_to_login(client, world):
    for method, path in _object_routes(world):
        response = client.get(path) if method == "GET" else client.post(path)
        assert response.status_code in (302, 400, 404), (path, response.status_code)
        if method == "GET" and response.status_code == 302:
            assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("path", ORGANIZER_GETS + ADMIN_GETS)
def test_member_gets_403_on_organizer_and_admin_pages(auth, make_user, path):
    auth.login(make_user())
    assert auth.client.get(path).status_code == 403


@pytest.mark.parametrize(
    "path", ["/enterprises/1/verify", "/enterprises/1/unverify", "/listings/1/unpublish"]
)
def test_member_cannot_post_organizer_actions(auth, make_user, make_listing, path):
    listing = make_listing()
    auth.login(make_user())
    path = path.replace(
        "/1/", f"/{listing.enterprise_id}/" if "enterprises" in path else f"/{listing.id}/"
    )
    assert auth.post(path, {"reason": "x"}).status_code == 403
    assert listing.status == "published" and listing.enterprise.verified


@pytest.mark.parametrize("path", ADMIN_GETS)
def test_organizer_is_not_admin(auth, make_user, path):
    auth.login(make_user(role="organizer"))
    assert auth.client.get(path).status_code == 403


def test_admin_edits_taxonomy_and_roles(auth, make_user):
    admin = make_user(role="admin")
    target = make_user()
    auth.login(admin)
    assert auth.client.get("/admin/taxonomies").status_code == 200
    response = auth.post(
        "/admin/taxonomies/chains/new",
        {
            "code": "hydrogen",
            "label_zh": "氢能",
            "label_en": "Hydrogen",
            "position": "16",
            "active": "y",
        },
    )
    assert response.status_code == 302
    assert "氢能" in auth.client.get("/listings/").get_data(as_text=True)
    bad = auth.post(
        "/admin/taxonomies/chains/new", {"code": "Bad Code!", "label_zh": "", "label_en": ""}
    )
    assert bad.status_code == 200 and "代码只能包含" in bad.get_data(as_text=True)
    auth.post(f"/admin/users/{target.id}/role", {"role": "organizer"})
    assert target.role == "organizer"
    auth.post(f"/admin/users/{admin.id}/role", {"role": "member"})
    assert admin.role == "admin"
