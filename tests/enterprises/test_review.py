"""Verification review: approve, reject with a reason, ask for more; the members are told by
mail in their language and see the reason on their profile. Near-duplicates: comparison and
merge, which moves every reference to the duplicate."""

from datetime import datetime

import pytest

from rongtong.audit.models import AuditEntry
from rongtong.enterprises import merge
from rongtong.enterprises.models import Enterprise
from rongtong.events import registrations
from rongtong.events import services as events
from rongtong.events.models import Event, Invitation
from rongtong.extensions import db
from rongtong.listings import confidential
from rongtong.mail.models import OutboxMail
from rongtong.proposals import services as proposals
from rongtong.taxonomy.models import Chain
from tests.enterprises.test_enterprises import _profile


@pytest.fixture
def organizer(make_user):
    return make_user(role="organizer", enterprise=None)


def _mails(enterprise_id: int, status: str) -> list[OutboxMail]:
    return list(
        db.session.execute(
            db.select(OutboxMail)
            .where(OutboxMail.key.like(f"enterprise-review:{enterprise_id}:{status}:%"))
            .order_by(OutboxMail.recipient)
        ).scalars()
    )


def _pending_table(html: str) -> str:
    """The organizers' queue: the first table of the review page."""
    return html.split("<tbody>")[1].split("</tbody>")[0]


def test_approve_verifies_and_mails_each_member_in_their_language(
    auth, organizer, make_user, make_enterprise
):
    enterprise = make_enterprise(name="广州市审核测试科技有限公司", verified=False)
    zh = make_user(enterprise=enterprise, email="a-zh@example.cn")
    en = make_user(enterprise=enterprise, email="b-en@example.cn", locale="en")
    auth.login(organizer)
    response = auth.post(f"/enterprises/{enterprise.id}/verify")
    assert response.status_code == 302
    assert enterprise.verified and enterprise.review_status == "approved"
    assert enterprise.reviewed_by_id == organizer.id
    mails = _mails(enterprise.id, "approved")
    assert [m.recipient for m in mails] == [zh.email, en.email]
    assert mails[0].subject == "广州市审核测试科技有限公司 已通过平台审核"
    assert mails[1].subject == "广州市审核测试科技有限公司 has been verified"
    assert 'lang="en"' in mails[1].html_body
    auth.post(f"/enterprises/{enterprise.id}/verify")  # a second click: no mail, no entry
    assert len(_mails(enterprise.id, "approved")) == 2
    assert (
        db.session.execute(
            db.select(db.func.count(AuditEntry.id)).where(AuditEntry.action == "enterprise.verify")
        ).scalar_one()
        == 1
    )


def test_reject_with_reason_is_mailed_shown_and_leaves_the_queue(
    client, auth, organizer, make_user, make_enterprise
):
    enterprise = make_enterprise(name="广州市驳回测试科技有限公司", verified=False)
    member = make_user(enterprise=enterprise)
    auth.login(organizer)
    assert "广州市驳回测试科技有限公司" in _pending_table(
        client.get("/enterprises/review").get_data(as_text=True)
    )
    response = auth.post(
        f"/enterprises/{enterprise.id}/decision",
        {"decision": "reject", "note": "营业执照与信用代码不符。"},
    )
    assert response.status_code == 302
    assert (enterprise.review_status, enterprise.review_note) == (
        "rejected",
        "营业执照与信用代码不符。",
    )
    assert not enterprise.verified and enterprise.reviewed_by_id == organizer.id
    (mail,) = _mails(enterprise.id, "rejected")
    assert mail.recipient == member.email and "营业执照与信用代码不符。" in mail.text_body
    assert mail.subject == "广州市驳回测试科技有限公司 未通过平台审核"
    html = client.get("/enterprises/review").get_data(as_text=True)
    assert "广州市驳回测试科技有限公司" not in _pending_table(html)
    assert "营业执照与信用代码不符。" in html.split("<tbody>")[2]
    entry = db.session.execute(
        db.select(AuditEntry).where(AuditEntry.action == "enterprise.reject")
    ).scalar_one()
    assert entry.before == {"verified": False, "review_status": "pending"}
    assert entry.after == {"verified": False, "review_status": "rejected"}
    assert entry.note == "营业执照与信用代码不符。"

    auth.logout()
    auth.login(member)
    for path in (f"/enterprises/{enterprise.id}", f"/enterprises/{enterprise.id}/edit"):
        html = client.get(path).get_data(as_text=True)
        assert "单位未通过平台审核。" in html and "营业执照与信用代码不符。" in html, path


def test_ask_for_more_then_member_edit_puts_it_back_in_the_queue(
    client, auth, organizer, make_user, make_enterprise
):
    enterprise = make_enterprise(name="广州市补充测试科技有限公司", verified=False)
    member = make_user(enterprise=enterprise, locale="en")
    auth.login(organizer)
    auth.post(
        f"/enterprises/{enterprise.id}/decision",
        {"decision": "needs_info", "note": "请补充单位简介和联系人。"},
    )
    assert enterprise.review_status == "needs_info"
    (mail,) = _mails(enterprise.id, "needs_info")
    assert mail.subject == "Please complete the profile of 广州市补充测试科技有限公司"
    assert "请补充单位简介和联系人。" in mail.text_body
    entry = db.session.execute(
        db.select(AuditEntry).where(AuditEntry.action == "enterprise.request_info")
    ).scalar_one()
    assert entry.after["review_status"] == "needs_info"

    auth.logout()
    auth.login(member)
    html = client.get(f"/enterprises/{enterprise.id}/edit").get_data(as_text=True)
    assert "请补充单位简介和联系人。" in html
    response = auth.post(f"/enterprises/{enterprise.id}/edit", _profile(enterprise))
    assert response.status_code == 302
    assert enterprise.review_status == "pending" and enterprise.review_note
    auth.logout()
    auth.login(organizer)
    html = client.get("/enterprises/review").get_data(as_text=True)
    assert "广州市补充测试科技有限公司" in _pending_table(html)
    assert "上次审核意见：请补充单位简介和联系人。" in html


def test_a_decision_without_a_reason_re_renders_and_changes_nothing(
    auth, organizer, make_user, make_enterprise
):
    enterprise = make_enterprise(verified=False)
    make_user(enterprise=enterprise)
    auth.login(organizer)
    response = auth.post(f"/enterprises/{enterprise.id}/decision", {"decision": "reject"})
    assert response.status_code == 422
    assert "请填写原因或需要补充的内容。" in response.get_data(as_text=True)
    assert enterprise.review_status == "pending" and _mails(enterprise.id, "rejected") == []


def test_a_verified_enterprise_cannot_be_rejected_without_unverifying(
    auth, organizer, make_enterprise
):
    enterprise = make_enterprise()
    auth.login(organizer)
    response = auth.post(
        f"/enterprises/{enterprise.id}/decision", {"decision": "reject", "note": "理由"}
    )
    assert response.status_code == 422
    assert enterprise.verified and enterprise.review_status != "rejected"


def test_members_may_not_review_compare_or_merge(client, auth, make_user, make_enterprise):
    member = make_user()
    other = make_enterprise(verified=False)
    auth.login(member)
    assert client.get(f"/enterprises/{other.id}/decision").status_code == 403
    assert (
        auth.post(
            f"/enterprises/{other.id}/decision", {"decision": "reject", "note": "x"}
        ).status_code
        == 403
    )
    assert client.get(f"/enterprises/{other.id}/compare/{member.enterprise_id}").status_code == 403
    assert (
        auth.post(f"/enterprises/{other.id}/merge-into/{member.enterprise_id}").status_code == 403
    )
    assert db.session.get(Enterprise, other.id) is not None


# --- near-duplicates ------------------------------------------------------------------------


def test_flagged_name_links_to_a_side_by_side_comparison(
    client, auth, organizer, make_user, make_enterprise, make_listing
):
    original = make_enterprise(name="广州市星瀚精密机械有限公司")
    duplicate = make_enterprise(name="星瀚精密机械（广州）股份有限公司", verified=False)
    make_user(enterprise=duplicate)
    make_listing(enterprise=original)
    make_listing(enterprise=original)
    auth.login(organizer)
    html = client.get("/enterprises/review").get_data(as_text=True)
    assert f"/enterprises/{duplicate.id}/compare/{original.id}" in html
    html = client.get(f"/enterprises/{duplicate.id}/compare/{original.id}").get_data(as_text=True)
    for text in (duplicate.name, original.name, duplicate.credit_code, original.credit_code):
        assert text in html
    assert "<td>1</td><td>0</td>" in html  # members
    assert "<td>0</td><td>2</td>" in html  # listings


def _event(title: str) -> Event:
    event = Event()
    chain = db.session.execute(db.select(Chain).filter_by(code="robotics")).scalar_one()
    events.save_event(
        event,
        {
            "title": title,
            "kind": "roadshow",
            "chain": chain,
            "theme": None,
            "starts_at": datetime(2027, 3, 18, 14),
            "ends_at": datetime(2027, 3, 18, 18),
            "timezone": "Asia/Shanghai",
            "venue": "广州",
            "capacity": 0,
            "budget": 0,
            "organiser": "服务中心",
            "requires_approval": False,
        },
    )
    event.status = "open"
    db.session.flush()
    return event


#: Tables holding one row per enterprise and thing (chain, challenge, event): that thing.
REDUNDANT_KEYS = {
    "enterprise_chains": "chain_id",
    "challenge_terms_acceptances": "listing_id",
    "event_invitations": "event_id",
}
PROPOSAL = {"summary": "方案", "approach": "路线", "team": "团队", "timeline": "三个月", "quote": 1}


def _kept_columns(table, column) -> list:
    return [c for c in table.columns if c.name != column.name and c.onupdate is None]


def _rows(table, column, enterprise_id: int) -> list[tuple]:
    """The rows of ``table`` that refer to the enterprise, without the reference itself (and
    the ``updated_at`` stamps an UPDATE renews)."""
    others = _kept_columns(table, column)
    return sorted(
        tuple(row)
        for row in db.session.execute(db.select(*others).where(column == enterprise_id)).all()
    )


def test_merge_moves_every_reference_and_records_it(
    app, auth, organizer, make_user, make_enterprise, make_listing
):
    original = make_enterprise(name="广州市星瀚精密机械有限公司", chains=["robotics"])
    duplicate = make_enterprise(
        name="星瀚精密机械（广州）股份有限公司", verified=True, chains=["robotics", "ai"]
    )
    third = make_enterprise(name="广州市旁观科技有限公司")
    third.possible_duplicate_of = duplicate
    member = make_user(enterprise=duplicate)
    make_user(enterprise=duplicate)
    make_user(enterprise=original)
    owner = make_user(enterprise=third)
    make_listing(enterprise=duplicate)
    challenge = make_listing(enterprise=duplicate, kind="challenge")
    other_challenge = make_listing(enterprise=third, kind="challenge")
    shared = _event("共同受邀的路演")
    own = _event("只有重复单位报名的路演")
    with app.test_request_context():
        # The duplicate answered a third party's challenge, and the third party its challenge.
        proposals.create_proposal(member, other_challenge, PROPOSAL, accept=True)
        proposals.create_proposal(owner, challenge, PROPOSAL, accept=True)
        registrations.register(own, duplicate, member)
        for enterprise in (duplicate, original):
            db.session.add(Invitation(event_id=shared.id, enterprise_id=enterprise.id))
        confidential.log_confidential_view(member, other_challenge, via="detail")
        requester = make_user(enterprise=None)
        from rongtong.enterprises.services import request_to_join

        request_to_join(requester, duplicate, "我是采购部")
    db.session.flush()
    references = merge.enterprise_references()
    before = {
        (t.name, c.name): (_rows(t, c, original.id), _rows(t, c, duplicate.id))
        for t, c in references
    }
    # The world above reaches the tables the merge must move.
    reached = {key for key, (_, dup) in before.items() if dup}
    assert {
        ("users", "enterprise_id"),
        ("listings", "enterprise_id"),
        ("proposals", "enterprise_id"),
        ("proposals", "owner_enterprise_id"),
        ("registrations", "enterprise_id"),
        ("join_requests", "enterprise_id"),
        ("enterprise_chains", "enterprise_id"),
        ("challenge_terms_acceptances", "enterprise_id"),
        ("event_invitations", "enterprise_id"),
        ("confidential_views", "enterprise_id"),
        ("enterprises", "possible_duplicate_of_id"),
    } <= reached
    duplicate_id, duplicate_name = duplicate.id, duplicate.name

    auth.login(organizer)
    response = auth.post(
        f"/enterprises/{duplicate_id}/merge-into/{original.id}",
        {"same_enterprise": "y", "confirm": "1"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert db.session.get(Enterprise, duplicate_id) is None
    for (table_name, column_name), (orig_rows, dup_rows) in before.items():
        table = db.metadata.tables[table_name]
        column = table.c[column_name]
        assert _rows(table, column, duplicate_id) == [], table_name
        after = _rows(table, column, original.id)
        if table_name in REDUNDANT_KEYS:
            # One row per thing: the original's rows stay, the duplicate's repeats go.
            key = [c.name for c in _kept_columns(table, column)].index(REDUNDANT_KEYS[table_name])
            assert all(row in after for row in orig_rows), table_name
            assert sorted(row[key] for row in after) == sorted(
                {row[key] for row in orig_rows + dup_rows}
            ), table_name
        else:
            gone = [
                row for row in orig_rows if table_name == "enterprises" and row[0] == duplicate_id
            ]
            assert after == sorted([r for r in orig_rows if r not in gone] + dup_rows), table_name
    assert [c.code for c in original.chains] == ["robotics", "ai"]
    assert (
        db.session.execute(
            db.select(db.func.count(Invitation.id)).where(Invitation.event_id == shared.id)
        ).scalar_one()
        == 1
    )
    entry = db.session.execute(
        db.select(AuditEntry).where(AuditEntry.action == "enterprise.merge")
    ).scalar_one()
    assert entry.object_id == str(original.id) and entry.actor_id == organizer.id
    assert entry.before["name"] == duplicate_name and entry.after["name"] == original.name
    assert entry.after["members"] == 2 and entry.after["listings"] == 2
    assert entry.after["registrations"] == 1 and entry.after["join_requests"] == 1


def test_two_verified_enterprises_need_the_confirmation(auth, organizer, make_enterprise):
    original = make_enterprise(name="广州市确认测试机械有限公司")
    duplicate = make_enterprise(name="确认测试机械（广州）有限公司")
    auth.login(organizer)
    # The second step's confirm=1 is not the box: without the box, both are refused.
    for data in ({}, {"confirm": "1"}):
        response = auth.post(f"/enterprises/{duplicate.id}/merge-into/{original.id}", data)
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert "确认是同一家单位后请勾选确认框" in html and 'name="same_enterprise"' in html
    assert db.session.get(Enterprise, duplicate.id) is not None
    assert not db.session.execute(
        db.select(AuditEntry).where(AuditEntry.action == "enterprise.merge")
    ).first()


def test_an_unverified_duplicate_merges_without_the_box_after_the_second_step(
    auth, organizer, make_user, make_enterprise
):
    original = make_enterprise(name="广州市二次确认机械有限公司")
    duplicate = make_enterprise(name="二次确认机械（广州）有限公司", verified=False)
    member = make_user(enterprise=duplicate)
    duplicate_id = duplicate.id
    auth.login(organizer)
    html = auth.client.get(f"/enterprises/{duplicate_id}/compare/{original.id}").get_data(
        as_text=True
    )
    assert 'data-confirm="二次确认机械（广州）有限公司 的成员' in html
    assert 'name="same_enterprise"' not in html  # the box is for two verified enterprises

    # Without JavaScript the post asks first, on a page, and changes nothing yet.
    response = auth.post(f"/enterprises/{duplicate_id}/merge-into/{original.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "不能撤销。确定合并吗？" in page and 'name="confirm" value="1"' in page
    db.session.expire_all()
    assert db.session.get(Enterprise, duplicate_id) is not None
    assert member.enterprise_id == duplicate_id
    assert not db.session.execute(
        db.select(AuditEntry).where(AuditEntry.action == "enterprise.merge")
    ).first()

    response = auth.post(f"/enterprises/{duplicate_id}/merge-into/{original.id}", {"confirm": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Enterprise, duplicate_id) is None
    assert member.enterprise_id == original.id


def test_both_registered_for_one_event_is_refused_and_nothing_moves(
    app, auth, organizer, make_user, make_enterprise
):
    original = make_enterprise()
    duplicate = make_enterprise(verified=False)
    user = make_user(enterprise=duplicate)
    event = _event("两家都报名的路演")
    with app.test_request_context():
        registrations.register(event, original, make_user(enterprise=original))
        registrations.register(event, duplicate, user)
    db.session.flush()
    auth.login(organizer)
    response = auth.post(f"/enterprises/{duplicate.id}/merge-into/{original.id}")
    assert response.status_code == 422
    assert "两家报名了同一场活动" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Enterprise, duplicate.id) is not None
    assert user.enterprise_id == duplicate.id
