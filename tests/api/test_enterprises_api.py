"""/api/v1/enterprises and /api/v1/taxonomies."""

from rongtong.extensions import db

from .conftest import API, assert_error

CONTACT = ("contact_name", "contact_email", "contact_mobile")


def ids(client, query="", headers=None):
    response = client.get(f"{API}/enterprises?{query}", headers=headers or {})
    assert response.status_code == 200, response.get_json()
    return {item["id"] for item in response.get_json()["items"]}


def test_directory_lists_verified_enterprises_without_contacts(client, make_enterprise):
    verified = make_enterprise(name="广州星瀚精密机械有限公司")
    make_enterprise(verified=False)
    db.session.commit()

    response = client.get(f"{API}/enterprises")

    body = response.get_json()
    assert body["total"] == 1
    [item] = body["items"]
    assert item["id"] == verified.id
    assert item["kind"] == {"code": "sme", "label_zh": "中小企业", "label_en": "SME"}
    assert item["chains"][0]["code"] == "robotics"
    assert all(item[name] is None for name in CONTACT)


def test_directory_filters(client, make_enterprise, caller):
    a = make_enterprise(name="广州星瀚精密机械有限公司", district="panyu", chains=["auto"])
    b = make_enterprise(
        name="广州康瑞生物医药有限公司", kind="large", tier=None, district="huangpu",
        chains=["biomed"],
    )  # fmt: skip
    hidden = make_enterprise(name="广州未审核科技有限公司", verified=False)
    organizer = caller("organizer")
    db.session.commit()

    assert ids(client, "q=星瀚") == {a.id}
    assert ids(client, "q=%25") == set()  # LIKE wildcards are literal
    assert ids(client, "kind=large") == {b.id}
    assert ids(client, "kind=大企业") == {b.id}
    assert ids(client, "district=panyu") == {a.id}
    assert ids(client, "chain=biomed") == {b.id}
    assert ids(client, "verified=false") == set()
    assert ids(client, "verified=false", organizer.headers) == {hidden.id}
    assert hidden.id in ids(client, "", organizer.headers)
    assert_error(client.get(f"{API}/enterprises?district=atlantis"), 422, "district")
    assert_error(client.get(f"{API}/enterprises?per_page=500"), 422, "per_page")


def test_contact_details_only_to_organizers_and_own_members(client, make_enterprise, caller):
    enterprise = make_enterprise()
    own = caller(enterprise=enterprise)
    other = caller()
    organizer = caller("organizer")
    url = f"{API}/enterprises/{enterprise.id}"

    def contacts(headers=None):
        response = client.get(url, headers=headers or {})
        assert response.status_code == 200
        return [response.get_json()[name] for name in CONTACT]

    assert contacts() == [None, None, None]
    assert contacts(other.headers) == [None, None, None]
    assert contacts(own.headers) == [
        enterprise.contact_name,
        enterprise.contact_email,
        "13800138000",
    ]
    assert contacts(organizer.headers)[2] == "13800138000"


def test_unverified_enterprises_are_hidden_from_the_public(client, make_enterprise, caller):
    hidden = make_enterprise(verified=False)
    own = caller(enterprise=hidden)
    organizer = caller("organizer")

    assert_error(client.get(f"{API}/enterprises/{hidden.id}"), 404)
    assert client.get(f"{API}/enterprises/{hidden.id}", headers=own.headers).status_code == 200
    assert (
        client.get(f"{API}/enterprises/{hidden.id}", headers=organizer.headers).status_code == 200
    )
    assert_error(client.get(f"{API}/enterprises/{2**70}"), 404)


def test_taxonomies(client):
    body = client.get(f"{API}/taxonomies").get_json()

    assert set(body) == {"chains", "districts", "categories", "enterprise_kinds", "tiers"}
    assert len(body["chains"]) == 15 and len(body["districts"]) == 11
    assert body["chains"][0] == {
        "code": "auto",
        "label_zh": "智能网联与新能源汽车",
        "label_en": "Intelligent connected and new energy vehicles",
        "position": 1,
        "group": "emerging_pillar",
    }
    one = client.get(f"{API}/taxonomies/categories").get_json()
    assert one["vocabulary"] == "categories"
    assert [t["code"] for t in one["items"]][:2] == ["rnd", "project"]
    assert "group" not in one["items"][0]
    assert_error(client.get(f"{API}/taxonomies/planets"), 404)


def test_unknown_api_paths_and_methods_are_json(client):
    assert_error(client.get(f"{API}/nothing-here"), 404)
    assert_error(client.delete(f"{API}/listings"), 405)
