"""The audit log: each organizer and admin action leaves one entry with its values before and
after; the log page filters by Asia/Shanghai dates and exports without raw codes."""

import csv
import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from rongtong.audit import services as audit
from rongtong.audit.models import AuditEntry
from rongtong.events import programme
from rongtong.events import services as events
from rongtong.events.models import Event
from rongtong.extensions import db
from rongtong.taxonomy.models import Chain
from tests.conftest import valid_credit_code


@pytest.fixture
def organizer(make_user):
    return make_user(role="organizer", enterprise=None, name="审核员甲")


@pytest.fixture
def admin(make_user):
    return make_user(role="admin", enterprise=None, name="管理员乙")


def _entries(action: str) -> list[AuditEntry]:
    return list(
        db.session.execute(
            db.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        ).scalars()
    )


def _only(action: str) -> AuditEntry:
    entries = _entries(action)
    assert len(entries) == 1, entries
    return entries[0]


def _event(budget: int = 50_000) -> Event:
    event = Event()
    chain = db.session.execute(db.select(Chain).filter_by(code="robotics")).scalar_one()
    events.save_event(
        event,
        {
            "title": "机器人产业链路演",
            "kind": "roadshow",
            "chain": chain,
            "theme": None,
            "starts_at": datetime(2026, 3, 18, 14),
            "ends_at": datetime(2026, 3, 18, 18),
            "timezone": "Asia/Shanghai",
            "venue": "广州",
            "capacity": 0,
            "budget": budget,
            "organiser": "服务中心",
            "requires_approval": False,
        },
    )
    event.status = "planned"
    db.session.flush()
    return event


# --- recording ------------------------------------------------------------------------------


def test_record_flushes_and_skips_a_change_that_changed_nothing(app, organizer, make_enterprise):
    enterprise = make_enterprise()
    entry = audit.record(organizer, "enterprise.verify", enterprise, {"a": 1}, {"a": 2}, "说明")
    assert entry.id is not None  # flushed, in the caller's transaction
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        organizer.id,
        "enterprise",
        str(enterprise.id),
    )
    assert entry.object_label == enterprise.name and entry.note == "说明"
    assert audit.record(organizer, "enterprise.verify", enterprise, {"a": 1}, {"a": 1}) is None
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.record(organizer, "enterprise.explode", enterprise)


def test_tracked_keeps_only_changed_fields_and_nothing_when_the_body_fails(app, organizer):
    event = _event(budget=10_000)
    with audit.tracked(organizer, "event.budget", event, ("budget", "title")):
        event.budget = 20_000
    entry = _only("event.budget")
    assert (entry.before, entry.after) == ({"budget": 10_000}, {"budget": 20_000})
    with pytest.raises(RuntimeError), audit.tracked(organizer, "event.budget", event, ("budget",)):
        event.budget = 30_000
        raise RuntimeError
    assert len(_entries("event.budget")) == 1


# --- one entry per hooked action ------------------------------------------------------------


def test_verify_and_unverify_are_recorded(auth, organizer, make_enterprise):
    enterprise = make_enterprise(verified=False)
    auth.login(organizer)
    auth.post(f"/enterprises/{enterprise.id}/verify")
    auth.post(f"/enterprises/{enterprise.id}/unverify")
    verify, unverify = _only("enterprise.verify"), _only("enterprise.unverify")
    assert verify.actor_id == organizer.id
    assert verify.before == {"verified": False, "review_status": "pending"}
    assert verify.after == {"verified": True, "review_status": "approved"}
    assert unverify.before == {"verified": True, "review_status": "approved"}
    assert unverify.after == {"verified": False, "review_status": "pending"}


def test_listing_take_down_is_recorded_with_its_reason(auth, organizer, make_listing):
    listing = make_listing()
    auth.login(organizer)
    auth.post(f"/listings/{listing.id}/unpublish", {"reason": "联系方式虚假"})
    entry = _only("listing.unpublish")
    assert (entry.before, entry.after) == ({"status": "published"}, {"status": "draft"})
    assert entry.note == "联系方式虚假" and entry.object_id == str(listing.id)


def test_role_change_is_recorded(auth, admin, make_user):
    user = make_user()
    auth.login(admin)
    auth.post(f"/admin/users/{user.id}/role", {"role": "organizer"})
    entry = _only("user.role")
    assert (entry.before, entry.after) == ({"role": "member"}, {"role": "organizer"})
    assert entry.actor_id == admin.id and entry.object_label == user.name


def test_taxonomy_edit_is_recorded_with_the_changed_fields_only(auth, admin):
    chain = db.session.execute(db.select(Chain).filter_by(code="robotics")).scalar_one()
    auth.login(admin)
    response = auth.post(
        f"/admin/taxonomies/chains/{chain.id}",
        {
            "code": chain.code,
            "label_zh": "智能装备与机器人（新）",
            "label_en": chain.label_en,
            "position": str(chain.position),
            "active": "y",
        },
    )
    assert response.status_code == 302
    entry = _only("taxonomy.edit")
    assert entry.before == {"label_zh": "智能装备与机器人"}
    assert entry.after == {"label_zh": "智能装备与机器人（新）"}


def test_programme_settings_change_is_recorded(auth, admin):
    auth.login(admin)
    before = programme.all_settings()
    response = auth.post(
        "/events/settings",
        {**{key: str(value) for key, value in before.items()}, "roadshow_budget_cap": "1200000"},
    )
    assert response.status_code == 302
    entry = _only("programme.settings")
    assert entry.before == {"roadshow_budget_cap": before["roadshow_budget_cap"]}
    assert entry.after == {"roadshow_budget_cap": 1_200_000}


def test_event_status_change_by_an_organizer_is_recorded(auth, organizer):
    event = _event()
    auth.login(organizer)
    # The event's dates are past, so opening it is an override the clock would not make.
    auth.post(f"/events/{event.id}/status", {"status": "open", "reason": "补充报名"})
    entry = _only("event.status")
    assert (entry.before, entry.after) == ({"status": "planned"}, {"status": "open"})


def test_event_budget_change_through_the_api_is_recorded(client, organizer, api_token):
    event = _event(budget=50_000)
    headers = api_token(organizer)
    response = client.patch(
        f"/api/v1/events/{event.id}",
        json={"budget": 80_000, "status": "open", "status_reason": "补充报名"},
        headers=headers,
    )
    assert response.status_code == 200, response.get_json()
    budget, status = _only("event.budget"), _only("event.status")
    assert (budget.before, budget.after) == ({"budget": 50_000}, {"budget": 80_000})
    assert (status.before, status.after) == ({"status": "planned"}, {"status": "open"})


def test_import_run_is_recorded(auth, organizer):
    auth.login(organizer)
    header = "credit_code,name,kind,district\n"
    body = f"{valid_credit_code()},广州市审计测试科技有限公司,sme,huangpu\n123,坏行,sme,huangpu\n"
    response = auth.post(
        "/imports",
        data={
            "target": "enterprises",
            "file": (io.BytesIO((header + body).encode()), "单位.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    entry = _only("import.run")
    assert entry.after == {
        "target": "enterprises",
        "filename": "单位.csv",
        "created": 1,
        "updated": 0,
        "failed": 1,
    }


# --- reading: access, filters, export -------------------------------------------------------


def _entry_at(actor, action, when: datetime, obj=None, **changes):
    entry = audit.record(actor, action, obj, *changes.get("values", (None, None)))
    entry.created_at = when
    db.session.flush()
    return entry


def test_members_get_403_and_organizers_do_not_see_account_entries(
    client, auth, organizer, admin, make_user
):
    member = make_user()
    audit.record(admin, "user.role", member, {"role": "member"}, {"role": "organizer"})
    audit.record(organizer, "listing.unpublish", None, {"status": "published"}, {"status": "draft"})
    auth.login(member)
    assert client.get("/admin/audit/").status_code == 403
    assert client.get("/admin/audit/export.csv").status_code == 403
    auth.logout()
    auth.login(organizer)
    html = client.get("/admin/audit/").get_data(as_text=True)
    assert "<td>下架条目</td>" in html and "修改用户角色" not in html
    auth.logout()
    auth.login(admin)
    html = client.get("/admin/audit/").get_data(as_text=True)
    assert "<td>下架条目</td>" in html and "<td>修改用户角色</td>" in html


def test_filters_by_actor_action_type_and_shanghai_dates(app, client, auth, organizer, admin):
    # 16:30 UTC on 1 March is 00:30 on 2 March in Shanghai.
    late = _entry_at(organizer, "event.status", datetime(2026, 3, 1, 16, 30))
    early = _entry_at(organizer, "import.run", datetime(2026, 3, 1, 15, 30))
    other = _entry_at(admin, "event.budget", datetime(2026, 3, 5, 2, 0))

    def ids(**filters) -> set[int]:
        stmt = audit.entries_statement(audit.Filters(**filters), admin=True)
        found = {e.id for e in db.session.execute(stmt).scalars()}
        return found & {late.id, early.id, other.id}

    with app.test_request_context():
        assert ids(date_from=date(2026, 3, 2), date_to=date(2026, 3, 2)) == {late.id}
        assert ids(date_to=date(2026, 3, 1)) == {early.id}
        assert ids(actor_id=admin.id) == {other.id}
        assert ids(action="import.run") == {early.id}
        assert ids(object_type="event") == {late.id, other.id}

    auth.login(admin)
    html = client.get("/admin/audit/?date_from=2026-03-02&date_to=2026-03-02").get_data(
        as_text=True
    )
    assert "2026-03-02 00:30" in html and "2026-03-01 23:30" not in html
    html = client.get(f"/admin/audit/?actor={admin.id}&action=event.budget").get_data(as_text=True)
    assert "<td>修改活动预算</td>" in html and "<td>修改活动状态</td>" not in html


def test_bad_filter_re_renders_with_a_message(client, auth, organizer):
    auth.login(organizer)
    response = client.get("/admin/audit/?date_from=2026-03-05&date_to=2026-03-01")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "截止日期不能早于起始日期。" in html and 'value="2026-03-05"' in html


RAW_CODES = ("enterprise.verify", "listing.unpublish", "event.status", "published", "draft")


def _sample_entries(organizer, make_listing, make_enterprise):
    listing = make_listing(title="待下架的需求")
    enterprise = make_enterprise(verified=False)
    _entry_at(
        organizer,
        "listing.unpublish",
        datetime(2026, 3, 1, 16, 30),
        listing,
        values=({"status": "published"}, {"status": "draft"}),
    )
    _entry_at(
        organizer,
        "enterprise.verify",
        datetime(2026, 3, 2, 1, 0),
        enterprise,
        values=({"verified": False}, {"verified": True}),
    )


def test_csv_export_has_chinese_headers_shanghai_times_and_no_raw_codes(
    client, auth, organizer, make_listing, make_enterprise
):
    _sample_entries(organizer, make_listing, make_enterprise)
    auth.login(organizer)
    response = client.get("/admin/audit/export.csv?date_from=2026-03-01&date_to=2026-03-02")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "时间（北京时间）",
        "操作人",
        "操作",
        "对象类型",
        "对象",
        "变更（之前 → 之后）",
        "说明",
    ]
    take_down = next(row for row in rows if row[2] == "下架条目")
    assert take_down[0] == "2026-03-02 00:30:00"
    assert take_down[3] == "条目" and take_down[4] == "待下架的需求"
    assert take_down[5] == "状态：发布中 → 草稿"
    assert "审核员甲" in take_down[1]
    verify = next(row for row in rows if row[2] == "通过单位审核")
    assert verify[5] == "已认证：否 → 是"
    for code in RAW_CODES:
        assert code not in text, code


def test_xlsx_export_in_english_for_an_english_reader(
    client, auth, organizer, make_listing, make_enterprise
):
    _sample_entries(organizer, make_listing, make_enterprise)
    organizer.locale = "en"
    db.session.flush()
    auth.login(organizer)
    client.post("/language/en", data={"csrf_token": _token(client), "next": "/"})
    response = client.get("/admin/audit/export.xlsx?date_from=2026-03-01&date_to=2026-03-02")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = [[cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:3] == ["Time (Beijing)", "By", "Actions"]
    take_down = next(row for row in rows if row[2] == "Listing taken down")
    assert take_down[0] == "2026-03-02 00:30:00"
    assert take_down[5] == "Status: Published → Draft"
    flat = " ".join(str(cell) for row in rows for cell in row)
    for code in RAW_CODES:
        assert code not in flat, code


def _token(client):
    from tests.conftest import csrf_token

    return csrf_token(client, "/")
