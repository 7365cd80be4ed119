from datetime import timedelta

from rongtong.core.time import local_today
from rongtong.extensions import db
from rongtong.listings.models import Listing
from rongtong.listings.services import expire_listings


def _form(**overrides):
    data = {
        "kind": "challenge",
        "category": "rnd",
        "chain": "auto",
        "title": "电池托盘激光焊接变形控制",
        "summary": "寻求铝合金电池托盘激光焊接后的变形控制方案。",
        "description": "平面度 ≤0.5mm，节拍 45 秒/件。",
        "confidential": "年需求 20 万件，对接人：张工 13800138000",
        "keywords": "激光焊接、电池托盘",
        "budget_min": "200000",
        "budget_max": "800000",
        "deadline": (local_today() + timedelta(days=60)).isoformat(),
    }
    data.update(overrides)
    return data


def _listing(title):
    return db.session.execute(db.select(Listing).filter_by(title=title)).scalar_one_or_none()


def test_verified_member_creates_and_publishes(auth, make_user):
    user = make_user()
    auth.login(user)
    response = auth.post("/listings/new", _form(publish="1"))
    assert response.status_code == 302
    listing = _listing("电池托盘激光焊接变形控制")
    assert listing.status == "published" and listing.published_at is not None
    assert listing.keyword_list == ["激光焊接", "电池托盘"]
    assert listing.budget_max == 800_000
    assert listing.ref.startswith("RT-CH-")
    assert " 焊接 " in listing.search_text


def test_unverified_enterprise_can_draft_but_not_publish(auth, make_user, make_enterprise):
    user = make_user(enterprise=make_enterprise(verified=False))
    auth.login(user)
    response = auth.post("/listings/new", _form(publish="1"))
    assert "单位尚未通过审核" in response.get_data(as_text=True)
    assert _listing("电池托盘激光焊接变形控制") is None
    response = auth.post("/listings/new", _form(save="1"))
    assert response.status_code == 302
    listing = _listing("电池托盘激光焊接变形控制")
    assert listing.status == "draft"
    auth.post(f"/listings/{listing.id}/publish")
    assert listing.status == "draft"


def test_listing_form_errors_and_nothing_written(auth, make_user):
    auth.login(make_user())
    response = auth.post(
        "/listings/new",
        _form(
            title="",
            summary="摘" * 501,
            category="teleport",
            budget_min="900",
            budget_max="100",
            deadline="not-a-date",
        ),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for message in ("请填写标题", "摘要不超过 500 字", "请选择列表中的一项"):
        assert message in html, message
    assert 'id="deadline-error"' in html
    assert db.session.execute(db.select(db.func.count(Listing.id))).scalar_one() == 0


def test_budget_order_is_checked(auth, make_user):
    auth.login(make_user())
    response = auth.post("/listings/new", _form(budget_min="900", budget_max="100"))
    assert "预算下限不能高于上限" in response.get_data(as_text=True)


def test_capability_has_no_budget(auth, make_user):
    auth.login(make_user())
    auth.post("/listings/new", _form(kind="capability", title="视觉检测能力", publish="1"))
    listing = _listing("视觉检测能力")
    assert listing.kind == "capability" and listing.budget_min is None


def test_owner_edits_other_enterprise_cannot(auth, make_user, make_listing):
    owner = make_user()
    listing = make_listing(enterprise=owner.enterprise)
    auth.login(owner)
    response = auth.post(f"/listings/{listing.id}/edit", _form(title="新标题", save="1"))
    assert response.status_code == 302 and listing.title == "新标题"
    auth.logout()
    auth.login(make_user())
    assert auth.client.get(f"/listings/{listing.id}/edit").status_code == 403
    assert auth.post(f"/listings/{listing.id}/edit", _form(title="被篡改")).status_code == 403
    assert auth.post(f"/listings/{listing.id}/close").status_code == 403
    assert listing.title == "新标题" and listing.status == "published"


def test_confidential_only_for_verified_members(
    client, auth, make_user, make_listing, make_enterprise
):
    listing = make_listing(confidential="内部目标：年产 20 万件")
    assert "内部目标" not in client.get(f"/listings/{listing.id}").get_data(as_text=True)
    # A challenge's details are shown (and the showing logged) through the reveal button.
    reveal = f"/listings/{listing.id}/confidential"
    auth.login(make_user(enterprise=make_enterprise(verified=False)))
    assert "内部目标" not in auth.post(reveal).get_data(as_text=True)
    auth.logout()
    # A challenge's details: only after the member's enterprise accepted its terms (揭榜).
    auth.login(make_user())
    assert "内部目标" not in auth.post(reveal).get_data(as_text=True)
    auth.post(f"/listings/{listing.id}/terms", {"accept": "y"})
    assert "内部目标" in auth.post(reveal).get_data(as_text=True)
    # A capability's: to every verified member.
    capability = make_listing(kind="capability", confidential="产能：月产 5 万件")
    assert "产能：月产" in client.get(f"/listings/{capability.id}").get_data(as_text=True)


def test_drafts_are_private(client, auth, make_user, make_listing):
    owner = make_user()
    draft = make_listing(enterprise=owner.enterprise, status="draft", title="草稿条目")
    assert client.get(f"/listings/{draft.id}").status_code == 404
    assert "草稿条目" not in client.get("/listings/").get_data(as_text=True)
    auth.login(owner)
    assert client.get(f"/listings/{draft.id}").status_code == 200
    assert "草稿条目" in client.get("/listings/mine").get_data(as_text=True)


def test_organizer_unpublishes_with_reason_owner_sees_it(auth, make_user, make_listing):
    owner = make_user()
    listing = make_listing(enterprise=owner.enterprise)
    auth.login(make_user(role="organizer"))
    assert auth.post(f"/listings/{listing.id}/unpublish", {"reason": ""}).status_code == 302
    assert listing.status == "published"
    auth.post(f"/listings/{listing.id}/unpublish", {"reason": "含有联系方式，违反发布规则"})
    assert listing.status == "draft"
    auth.logout()
    auth.login(owner)
    assert "含有联系方式，违反发布规则" in auth.client.get("/listings/mine").get_data(as_text=True)


def test_close_expire_and_renew(auth, make_user, make_listing):
    owner = make_user()
    listing = make_listing(enterprise=owner.enterprise, deadline=local_today() - timedelta(days=1))
    assert expire_listings() == 1
    assert listing.status == "expired"
    auth.login(owner)
    past = (local_today() - timedelta(days=3)).isoformat()
    auth.post(f"/listings/{listing.id}/renew", {"deadline": past})
    assert listing.status == "expired"
    future = (local_today() + timedelta(days=30)).isoformat()
    auth.post(f"/listings/{listing.id}/renew", {"deadline": future})
    assert listing.status == "published" and listing.deadline.isoformat() == future
    auth.post(f"/listings/{listing.id}/close")
    assert listing.status == "closed"


def test_search_chinese_without_spaces(client, make_listing):
    make_listing(title="激光焊接工艺开发", summary="铝合金激光焊接", keywords=[])
    make_listing(title="机器人焊接工作站", summary="弧焊与点焊，焊接节拍优化", keywords=[])
    make_listing(
        title="生物发酵罐清洗", summary="CIP 清洗验证", description="无关内容", keywords=[]
    )
    html = client.get("/listings/?q=激光焊接").get_data(as_text=True)
    assert "激光焊接工艺开发" in html.replace("<mark>", "").replace("</mark>", "")
    assert "机器人焊接工作站" in html.replace("<mark>", "").replace("</mark>", "")
    assert "生物发酵罐清洗" not in html
    # the listing that has the whole phrase ranks first
    assert html.index("激光") < html.index("机器人")


def test_search_tolerates_typo_in_enterprise_name(client, make_enterprise, make_listing):
    enterprise = make_enterprise(name="广州市星瀚精密机械有限公司")
    make_listing(enterprise=enterprise, title="精密零件加工能力", kind="capability")
    html = client.get("/listings/?q=星翰精密").get_data(as_text=True)
    assert "精密零件加工能力" in html.replace("<mark>", "").replace("</mark>", "")


def test_filters_sort_and_pagination(client, make_listing, make_enterprise):
    enterprise = make_enterprise(district="nansha", tier="little_giant")
    for i in range(23):
        make_listing(
            enterprise=enterprise,
            title=f"批量条目{i:02d}",
            chain="semicon",
            category="supply",
            deadline=local_today() + timedelta(days=10 + i),
        )
    make_listing(title="别的链条目", chain="biomed")
    html = client.get("/listings/?chain=semicon&sort=deadline").get_data(as_text=True)
    assert "共 23 条" in html and "别的链条目" not in html
    assert html.index("批量条目00") < html.index("批量条目01")
    page2 = client.get("/listings/?chain=semicon&sort=deadline&page=2").get_data(as_text=True)
    assert "批量条目20" in page2 and "批量条目00" not in page2
    assert "共 0 条" in client.get("/listings/?chain=semicon&district=tianhe").get_data(
        as_text=True
    )
    assert "共 23 条" in client.get("/listings/?tier=little_giant&category=supply").get_data(
        as_text=True
    )
    assert client.get("/listings/?page=abc&chain=nonsense&sort=evil").status_code == 200


def test_output_is_escaped(client, make_listing):
    listing = make_listing(
        title="<script>alert(1)</script>", summary="<img src=x onerror=alert(1)>"
    )
    html = client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    assert "<img src=x" not in client.get("/listings/").get_data(as_text=True)


def test_search_finds_a_word_the_dictionary_does_not_know(client, make_listing):
    """Found by the browser journey: 残影 inside a longer title was not findable."""
    make_listing(title="大尺寸OLED电视面板残影在线检测与寿命预测", summary="面板老化", keywords=[])
    html = client.get("/listings/?q=残影").get_data(as_text=True)
    assert "共 1 条" in html
