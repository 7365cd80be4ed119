from rongtong.enterprises.models import Enterprise
from rongtong.enterprises.services import name_key, near_duplicate
from rongtong.extensions import db
from tests.conftest import valid_credit_code


def _profile(enterprise, **overrides):
    data = {
        "name": enterprise.name,
        "credit_code": enterprise.credit_code,
        "kind": "sme",
        "tier": "little_giant",
        "district": "nansha",
        "chains": ["robotics", "ai"],
        "description": "工业机器人视觉引导系统。",
        "website": "https://example.cn",
        "contact_name": "李工",
        "contact_email": "li@example.cn",
        "contact_mobile": "13912345678",
    }
    data.update(overrides)
    return data


def test_name_key_strips_place_and_legal_form():
    assert name_key("广州市星瀚精密机械有限公司") == "星瀚精密机械"
    assert name_key("星瀚精密机械（广州）股份有限公司") == "星瀚精密机械"


def test_near_duplicate_is_flagged_to_organizer(app, make_enterprise, make_user, auth):
    first = make_enterprise(name="广州市星瀚精密机械有限公司")
    second = make_enterprise(name="星瀚精密机械（广州）股份有限公司", verified=False)
    assert second.possible_duplicate_of == first
    assert second.duplicate_score >= 90
    with app.test_request_context():
        assert near_duplicate("完全不同的名字生物科技有限公司") is None
    auth.login(make_user(role="organizer"))
    html = auth.client.get("/enterprises/review").get_data(as_text=True)
    assert "星瀚精密机械（广州）股份有限公司" in html
    assert "广州市星瀚精密机械有限公司" in html


def test_member_edits_own_profile(auth, make_user):
    user = make_user()
    auth.login(user)
    response = auth.post(f"/enterprises/{user.enterprise_id}/edit", _profile(user.enterprise))
    assert response.status_code == 302
    enterprise = db.session.get(Enterprise, user.enterprise_id)
    assert enterprise.tier.code == "little_giant"
    assert [c.code for c in enterprise.chains] == ["robotics", "ai"]
    assert enterprise.contact_mobile == "13912345678"


def test_profile_form_errors_per_field_and_nothing_written(auth, make_user):
    user = make_user()
    auth.login(user)
    before = (user.enterprise.name, user.enterprise.website)
    response = auth.post(
        f"/enterprises/{user.enterprise_id}/edit",
        _profile(
            user.enterprise,
            name="",
            credit_code="91440300708461136",
            website="javascript:alert(1)",
            contact_mobile="12345",
            contact_email="nope",
            district="atlantis",
            chains=["robotics", "moon"],
            description="字" * 5001,
        ),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for message in (
        "请填写单位名称",
        "应为 18 位",
        "网址须以 http:// 或 https:// 开头",
        "手机号码应为 11 位数字",
        "邮箱格式不正确",
        "请选择列表中的一项",
        "请选择列表中的选项",
        "简介不超过 5000 字",
    ):
        assert message in html, message
    db.session.expire_all()
    assert (user.enterprise.name, user.enterprise.website) == before


def test_credit_code_taken_by_another_is_refused(auth, make_user, make_enterprise):
    other = make_enterprise()
    user = make_user()
    auth.login(user)
    response = auth.post(
        f"/enterprises/{user.enterprise_id}/edit",
        _profile(user.enterprise, credit_code=other.credit_code),
    )
    assert "已被其他单位使用" in response.get_data(as_text=True)


def test_organizer_verifies_and_unverifies(auth, make_user, make_enterprise):
    enterprise = make_enterprise(verified=False)
    auth.login(make_user(role="organizer"))
    assert auth.post(f"/enterprises/{enterprise.id}/verify").status_code == 302
    assert enterprise.verified
    assert auth.post(f"/enterprises/{enterprise.id}/unverify").status_code == 302
    assert not enterprise.verified


def test_unverified_enterprise_hidden_from_public(client, make_enterprise):
    enterprise = make_enterprise(verified=False)
    assert client.get(f"/enterprises/{enterprise.id}").status_code == 404
    make_enterprise(name="可见的企业有限公司")
    html = client.get("/enterprises/").get_data(as_text=True)
    assert "可见的企业有限公司" in html and enterprise.name not in html


def test_contact_details_only_for_verified_members(client, auth, make_enterprise, make_user):
    enterprise = make_enterprise()
    page = client.get(f"/enterprises/{enterprise.id}").get_data(as_text=True)
    assert enterprise.contact_email not in page
    auth.login(make_user(enterprise=make_enterprise(verified=False)))
    assert enterprise.contact_email not in client.get(f"/enterprises/{enterprise.id}").get_data(
        as_text=True
    )
    auth.logout()
    auth.login(make_user())
    assert enterprise.contact_email in client.get(f"/enterprises/{enterprise.id}").get_data(
        as_text=True
    )


def test_enterprise_search_tolerates_a_typo(client, make_enterprise):
    make_enterprise(name="广州市星瀚精密机械有限公司")
    make_enterprise(name="广州白云生物制药有限公司")
    html = client.get("/enterprises/?q=星翰精密机械").get_data(as_text=True)
    assert "星瀚精密机械" in html
    assert "白云生物制药" not in html


def test_unique_credit_code_is_enforced_by_database(make_enterprise):
    import pytest
    from sqlalchemy.exc import IntegrityError

    code = valid_credit_code()
    make_enterprise(credit_code=code)
    with pytest.raises(IntegrityError), db.session.begin_nested():
        make_enterprise(credit_code=code)
