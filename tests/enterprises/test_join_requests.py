"""Joining an existing enterprise: the request (at registration or from the account page),
the members' decision, the requester's cancellation, and who may do what."""

import pytest
import sqlalchemy as sa

from rongtong.accounts.models import User
from rongtong.enterprises import services
from rongtong.enterprises.models import JoinRequest
from rongtong.extensions import db
from rongtong.mail.models import OutboxMail
from tests.conftest import Auth, register_form_data, valid_credit_code
from tests.security import test_route_matrix as matrix


def _mails(purpose: str) -> list[OutboxMail]:
    return list(
        db.session.execute(
            db.select(OutboxMail).where(OutboxMail.purpose == purpose).order_by(OutboxMail.id)
        ).scalars()
    )


def _requests(user) -> list[JoinRequest]:
    return list(
        db.session.execute(
            db.select(JoinRequest).where(JoinRequest.user_id == user.id).order_by(JoinRequest.id)
        ).scalars()
    )


def _login(app, user) -> Auth:
    auth = Auth(app.test_client())
    auth.login(user)
    return auth


@pytest.fixture
def enterprise(make_enterprise):
    return make_enterprise(name="广州市星瀚精密机械有限公司")


@pytest.fixture
def member(make_user, enterprise):
    return make_user(enterprise=enterprise, name="李工")


@pytest.fixture
def requester(make_user):
    """A registered user without an enterprise."""
    return make_user(enterprise=None, name="张工", email="zhang@example.cn")


@pytest.fixture
def join_request(app, requester, enterprise, member):
    with app.test_request_context():
        return services.request_to_join(requester, enterprise, "我是采购部的张工。")


# --- asking -------------------------------------------------------------------------------


def test_registration_with_a_taken_credit_code_offers_to_join(client, enterprise, member):
    data = register_form_data(client, credit_code=enterprise.credit_code)
    response = client.post("/register", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "该统一社会信用代码已注册" in html
    assert 'name="join"' in html
    assert db.session.execute(db.select(User).filter_by(email="new@example.cn")).first() is None

    response = client.post(
        "/register", data={**data, "join": "y", "join_message": "我是研发部的王工。"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account")
    user = db.session.execute(db.select(User).filter_by(email="new@example.cn")).scalar_one()
    assert (user.enterprise_id, user.role) == (None, "member")
    [request] = _requests(user)
    assert (request.enterprise_id, request.status) == (enterprise.id, "pending")
    assert request.message == "我是研发部的王工。"
    # No second enterprise was made from the form's enterprise fields.
    assert user.enterprise is None
    [mail] = _mails("join_request_requested")
    assert mail.user_id == member.id
    # Logged in, and the account page shows the request waiting.
    html = client.get("/account").get_data(as_text=True)
    assert "等待该单位成员审批" in html and enterprise.name in html


def test_join_without_a_taken_credit_code_registers_a_new_enterprise(client):
    data = register_form_data(client, join="y", credit_code=valid_credit_code())
    response = client.post("/register", data=data)
    assert response.status_code == 302
    user = db.session.execute(db.select(User).filter_by(email="new@example.cn")).scalar_one()
    assert user.enterprise is not None
    assert _requests(user) == []


def test_request_from_the_account_page_notifies_members_in_their_language(
    app, make_user, requester, enterprise, member
):
    english = make_user(enterprise=enterprise, locale="en", name="Ann")
    make_user(enterprise=enterprise).active = False  # an inactive member is not asked
    auth = _login(app, requester)
    assert "申请加入" in auth.client.get("/account").get_data(as_text=True)
    response = auth.post(
        "/account/join",
        {"join-credit_code": enterprise.credit_code.lower(), "join-message": "采购部"},
    )
    assert response.status_code == 302
    [request] = _requests(requester)
    assert (request.enterprise_id, request.status, request.message) == (
        enterprise.id,
        "pending",
        "采购部",
    )
    by_user = {m.user_id: m for m in _mails("join_request_requested")}
    assert set(by_user) == {member.id, english.id}
    assert by_user[member.id].subject == f"张工 申请加入 {enterprise.name}"
    assert "zhang@example.cn" in by_user[member.id].text_body
    assert "采购部" in by_user[member.id].text_body
    assert by_user[english.id].subject.startswith("张工 asks to join")
    assert f"/enterprises/{enterprise.id}/members" in by_user[english.id].text_body
    assert by_user[member.id].key == f"join-request:{request.id}:requested:user:{member.id}"


def test_enterprise_without_members_asks_the_organizers(app, make_user, make_enterprise, requester):
    lonely = make_enterprise()
    organizer = make_user(role="organizer")
    with app.test_request_context():
        services.request_to_join(requester, lonely)
    assert organizer.id in {m.user_id for m in _mails("join_request_requested")}


def test_unknown_credit_code_is_refused_on_the_form(app, requester):
    auth = _login(app, requester)
    response = auth.post("/account/join", {"join-credit_code": valid_credit_code()})
    assert response.status_code == 200
    assert "没有使用该统一社会信用代码的单位" in response.get_data(as_text=True)
    assert _requests(requester) == []


def test_a_second_pending_request_is_refused_with_a_clear_message(
    app, make_enterprise, requester, join_request
):
    auth = _login(app, requester)
    other = make_enterprise()
    response = auth.post("/account/join", {"join-credit_code": other.credit_code})
    assert response.status_code == 200
    assert "您已有一个待处理的加入申请" in response.get_data(as_text=True)
    assert [r.enterprise_id for r in _requests(requester)] == [join_request.enterprise_id]


def test_the_database_keeps_one_pending_request_per_user(requester, join_request, enterprise):
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.add(JoinRequest(enterprise=enterprise, user=requester, status="pending"))
    # Decided requests do not count.
    join_request.status = "declined"
    db.session.add(JoinRequest(enterprise=enterprise, user=requester, status="pending"))
    db.session.flush()


def test_members_and_organizers_cannot_ask_to_join(app, make_user, enterprise):
    for user in (make_user(), make_user(role="organizer")):
        auth = _login(app, user)
        response = auth.post("/account/join", {"join-credit_code": enterprise.credit_code})
        assert response.status_code == 403
    assert db.session.execute(db.select(db.func.count(JoinRequest.id))).scalar_one() == 0


# --- deciding -----------------------------------------------------------------------------


def test_a_member_approves_and_the_requester_joins(app, member, requester, join_request):
    auth = _login(app, member)
    html = auth.client.get(f"/enterprises/{member.enterprise_id}/members").get_data(as_text=True)
    assert "zhang@example.cn" in html and "我是采购部的张工。" in html
    response = auth.post(f"/enterprises/join-requests/{join_request.id}/approve")
    assert response.status_code == 302
    assert requester.enterprise_id == member.enterprise_id
    assert (join_request.status, join_request.decided_by_id) == ("approved", member.id)
    assert join_request.decided_at is not None
    [mail] = _mails("join_request_approved")
    assert (mail.user_id, mail.recipient) == (requester.id, requester.email)
    # Now a member: may draft listings for the enterprise.
    assert _login(app, requester).client.get("/listings/new").status_code == 200
    # A second decision is refused with a message, not applied.
    response = auth.post(
        f"/enterprises/join-requests/{join_request.id}/decline", follow_redirects=True
    )
    assert "该申请已处理" in response.get_data(as_text=True)
    assert join_request.status == "approved"


def test_a_member_declines(app, member, requester, join_request):
    auth = _login(app, member)
    response = auth.post(f"/enterprises/join-requests/{join_request.id}/decline")
    assert response.status_code == 302
    assert requester.enterprise_id is None
    assert join_request.status == "declined"
    [mail] = _mails("join_request_declined")
    assert mail.user_id == requester.id
    html = _login(app, requester).client.get("/account").get_data(as_text=True)
    assert "申请未获通过" in html and 'name="join-credit_code"' in html


def test_an_organizer_approves(app, make_user, requester, join_request):
    auth = _login(app, make_user(role="organizer"))
    response = auth.post(f"/enterprises/join-requests/{join_request.id}/approve")
    assert response.status_code == 302
    assert requester.enterprise_id == join_request.enterprise_id


def test_a_member_of_another_enterprise_may_not_decide(app, make_user, requester, join_request):
    auth = _login(app, make_user())
    for action in ("approve", "decline"):
        response = auth.post(f"/enterprises/join-requests/{join_request.id}/{action}")
        assert response.status_code == 403
    assert (join_request.status, requester.enterprise_id) == ("pending", None)


def test_the_requester_may_not_approve_their_own_request(app, requester, join_request):
    auth = _login(app, requester)
    response = auth.post(f"/enterprises/join-requests/{join_request.id}/approve")
    assert response.status_code == 403
    assert (join_request.status, requester.enterprise_id) == ("pending", None)
    # Nor see the enterprise's pending requests.
    html = auth.client.get(f"/enterprises/{join_request.enterprise_id}/members").get_data(
        as_text=True
    )
    assert "我是采购部的张工。" not in html


def test_decisions_need_the_csrf_token(app, member, join_request):
    auth = _login(app, member)
    response = auth.client.post(f"/enterprises/join-requests/{join_request.id}/approve", data={})
    assert response.status_code == 400
    assert join_request.status == "pending"


# --- cancelling ---------------------------------------------------------------------------


def test_the_requester_cancels(app, requester, join_request, enterprise):
    auth = _login(app, requester)
    response = auth.post(f"/enterprises/join-requests/{join_request.id}/cancel")
    assert response.status_code == 302
    assert (join_request.status, join_request.decided_by_id) == ("cancelled", requester.id)
    # And may ask again.
    response = auth.post("/account/join", {"join-credit_code": enterprise.credit_code})
    assert response.status_code == 302
    assert [r.status for r in _requests(requester)] == ["cancelled", "pending"]


def test_nobody_else_cancels(app, member, make_user, join_request):
    for user in (member, make_user(role="admin")):
        auth = _login(app, user)
        response = auth.post(f"/enterprises/join-requests/{join_request.id}/cancel")
        assert response.status_code == 403
    assert join_request.status == "pending"


# --- the members page and browsing without an enterprise -----------------------------------


def test_members_page_shows_emails_only_to_members_and_organizers(
    app, client, make_user, member, join_request
):
    path = f"/enterprises/{member.enterprise_id}/members"
    assert "/login" in client.get(path).headers["Location"]
    outsider = _login(app, make_user()).client.get(path).get_data(as_text=True)
    assert "李工" in outsider and member.email not in outsider
    assert "zhang@example.cn" not in outsider
    organizer = _login(app, make_user(role="organizer")).client.get(path).get_data(as_text=True)
    assert member.email in organizer and "zhang@example.cn" in organizer
    detail = _login(app, member).client.get(f"/enterprises/{member.enterprise_id}")
    assert "1 个待审批" in detail.get_data(as_text=True)


def test_members_page_of_an_unverified_enterprise_is_hidden_from_outsiders(
    app, make_user, make_enterprise
):
    hidden = make_enterprise(verified=False)
    path = f"/enterprises/{hidden.id}/members"
    assert _login(app, make_user()).client.get(path).status_code == 404
    assert _login(app, make_user(enterprise=hidden)).client.get(path).status_code == 200


world = matrix.world


def test_a_user_without_an_enterprise_browses_without_errors(app, world, requester, join_request):
    auth = _login(app, requester)
    errors = {}
    for name, (path, _expected) in matrix._gets(world["ids"]).items():
        response = auth.client.get(path)
        response.close()
        if response.status_code >= 500:
            errors[name] = response.status_code
    assert errors == {}
