"""Every route in the URL map, as anonymous, a member of another enterprise, the owning
member, an organizer and an admin: the expected status for each.

A route added later fails `test_every_route_is_classified` until it is given a row here.
"""

from datetime import datetime

import pytest

from rongtong.enterprises import services as enterprises
from rongtong.events import meetings as meeting_ops
from rongtong.events import registrations as registration_ops
from rongtong.events import services as events
from rongtong.events.models import Event, Meeting
from rongtong.extensions import db
from rongtong.mail.services import queue_mail
from rongtong.proposals import services as proposals
from rongtong.taxonomy.models import Chain
from tests.conftest import Auth

ROLES = ("anon", "other", "owner", "organizer", "admin")
OK = {200}
LOGIN = {302}  # to the login page
DENY = {403, 404}


@pytest.fixture
def world(app, make_user, make_enterprise, make_listing, api_token):
    owner = make_user(enterprise=make_enterprise(kind="large", tier=None))
    other = make_user()
    proposer = make_user(enterprise=make_enterprise(kind="sme"))
    challenge = make_listing(enterprise=owner.enterprise, kind="challenge")
    draft = make_listing(enterprise=owner.enterprise, status="draft")
    capability = make_listing(enterprise=proposer.enterprise, kind="capability")
    with app.test_request_context():
        proposal = proposals.create_proposal(
            proposer,
            challenge,
            {
                "summary": "方案摘要",
                "approach": "技术路线说明",
                "team": "团队",
                "timeline": "四个月",
                "quote": 100000,
            },
            accept=True,
        )
        event = Event()
        events.save_event(
            event,
            {
                "title": "测试路演",
                "kind": "roadshow",
                "chain": db.session.execute(
                    db.select(Chain).filter_by(code="robotics")
                ).scalar_one(),
                "theme": None,
                "starts_at": datetime(2027, 3, 18, 14),
                "ends_at": datetime(2027, 3, 18, 18),
                "timezone": "Asia/Shanghai",
                "venue": "广州",
                "capacity": 0,
                "budget": 10_000,
                "organiser": "服务中心",
                "requires_approval": False,
            },
        )
        event.status = "open"
        reg_owner = registration_ops.register(event, owner.enterprise, owner)
        reg_proposer = registration_ops.register(event, proposer.enterprise, proposer)
        meeting_ops.set_up_meetings(event, datetime(2027, 3, 18, 14), 2, 2)
        request = meeting_ops.request_meeting(reg_owner, reg_proposer, "想聊聊焊接方案")
        meeting_ops.respond_to_request(request, True)
        meeting_ops.schedule_event(event)
        third = make_user(enterprise=make_enterprise(kind="sme"))
        reg_third = registration_ops.register(event, third.enterprise, third)
        pending = meeting_ops.request_meeting(reg_third, reg_owner, "也想聊聊")
        mail = queue_mail(key="matrix", purpose="test", to=owner.email, subject="s", text="t")
        join_request = enterprises.request_to_join(make_user(enterprise=None), owner.enterprise)
    db.session.flush()
    meeting = db.session.execute(db.select(Meeting).filter_by(event_id=event.id)).scalars().first()
    ids = {
        "listing_id": challenge.id,
        "draft_id": draft.id,
        "capability_id": capability.id,
        "enterprise_id": owner.enterprise_id,
        "other_enterprise_id": other.enterprise_id,
        "proposal_id": proposal.id,
        "attachment_id": 999999,
        "event_id": event.id,
        "reg_id": reg_owner.id,
        "meeting_id": meeting.id if meeting else 999999,
        # Its own place: a move there is valid on any database (ids differ on PostgreSQL).
        "meeting_slot_id": meeting.slot_id if meeting else 1,
        "meeting_table_id": meeting.table_id if meeting else 1,
        "request_id": 999999,
        "pending_request_id": pending.id,
        "reg_proposer_id": reg_proposer.id,
        "join_request_id": join_request.id,
        "mail_id": mail.id,
        "user_id": other.id,
        "token_id": 999999,
        "judgement_id": 999999,
        "notification_id": _notice_for(owner),
        "term_id": 1,
        "year": 2027,
    }
    users = {
        "other": other,
        "owner": owner,
        "organizer": make_user(role="organizer", enterprise=None),
        "admin": make_user(role="admin", enterprise=None),
    }
    return {"ids": ids, "users": users, "reg_proposer": reg_proposer}


def _notice_for(user) -> int:
    from rongtong.notifications.services import notify

    (note,) = notify(
        [user],
        kind="schedule_published",
        key="matrix",
        params={"event": "路演"},
        endpoint="notifications.index",
        mail=False,
    )
    return note.id


def _client(app, world, role):
    client = app.test_client()
    if role != "anon":
        Auth(client).login(world["users"][role])
    return client


# endpoint -> (path template, {role: allowed statuses}); GET only.
def _gets(ids):
    L, E, P = ids["listing_id"], ids["event_id"], ids["proposal_id"]
    member = {"anon": LOGIN, "other": OK, "owner": OK, "organizer": {403}, "admin": {403}}
    organizer = {"anon": LOGIN, "other": {403}, "owner": {403}, "organizer": OK, "admin": OK}
    admin = {"anon": LOGIN, "other": {403}, "owner": {403}, "organizer": {403}, "admin": OK}
    login = {"anon": LOGIN, "other": OK, "owner": OK, "organizer": OK, "admin": OK}
    public = dict.fromkeys(ROLES, OK)
    owner_only = {"anon": LOGIN | DENY, "other": DENY, "owner": OK, "organizer": DENY, "admin": OK}
    return {
        "main.home": ("/", public),
        "main.healthz": ("/healthz", public),
        "accounts.login": (
            "/login",
            {**public, "other": {302}, "owner": {302}, "organizer": {302}, "admin": {302}},
        ),
        "accounts.register": (
            "/register",
            {**public, "other": {302}, "owner": {302}, "organizer": {302}, "admin": {302}},
        ),
        # Public, also when logged in: a remembered session does not help one who forgot.
        "accounts.forgot_password": ("/forgot-password", public),
        "accounts.reset_password": (
            "/reset-password/not-a-token",
            {role: {400} for role in ROLES},
        ),
        "accounts.profile": ("/account", login),
        "listings.index": ("/listings/", public),
        "listings.detail": (f"/listings/{L}", public),
        "listings.detail#draft": (
            f"/listings/{ids['draft_id']}",
            {"anon": {404}, "other": {404}, "owner": OK, "organizer": OK, "admin": OK},
        ),
        "listings.mine": ("/listings/mine", member),
        "listings.create": ("/listings/new", member),
        "listings.edit": (
            f"/listings/{L}/edit",
            {"anon": LOGIN, "other": {403}, "owner": OK, "organizer": {403}, "admin": OK},
        ),
        "enterprises.index": ("/enterprises/", public),
        "enterprises.detail": (f"/enterprises/{ids['enterprise_id']}", public),
        "enterprises.edit": (f"/enterprises/{ids['enterprise_id']}/edit", owner_only),
        "enterprises.review": ("/enterprises/review", organizer),
        "enterprises.members": (f"/enterprises/{ids['enterprise_id']}/members", login),
        "enterprises.decision": (f"/enterprises/{ids['enterprise_id']}/decision", organizer),
        "enterprises.compare": (
            f"/enterprises/{ids['enterprise_id']}/compare/{ids['other_enterprise_id']}",
            organizer,
        ),
        "audit.index": ("/admin/audit/", organizer),
        "audit.export": ("/admin/audit/export.csv", organizer),
        "imports.upload": ("/imports", organizer),
        "imports.export_listings": ("/exports/listings?format=csv", organizer),
        "imports.template": ("/imports/template/enterprises.xlsx", organizer),
        # A report is its uploader's only; an unknown token is simply not there.
        "imports.error_report": (
            "/imports/reports/not-a-token",
            {"anon": LOGIN, "other": {403}, "owner": {403}, "organizer": {404}, "admin": {404}},
        ),
        "admin.taxonomies": ("/admin/taxonomies", admin),
        "admin.users": ("/admin/users", admin),
        "admin.matcher": ("/admin/matcher", admin),
        "admin.edit_term": ("/admin/taxonomies/chains/new", admin),
        "admin.edit_term#existing": ("/admin/taxonomies/chains/1", admin),
        "mail.index": ("/admin/outbox/", admin),
        "notifications.index": ("/notifications/", login),
        "favourites.index": ("/favourites/", member),
        # The signed link is the key, for everyone alike; a bad one is a 400.
        "surveys.answer": ("/surveys/not-a-token", {role: {400} for role in ROLES}),
        "mail.detail": (f"/admin/outbox/{ids['mail_id']}", admin),
        "mail.html_part": (f"/admin/outbox/{ids['mail_id']}/html", {**admin, "admin": {200, 404}}),
        "digests.preferences": (
            "/digests/preferences",
            {**member, "organizer": {200, 403}, "admin": {200, 403}},
        ),
        "digests.unsubscribe": (
            "/digests/unsubscribe/not-a-token",
            {role: {400, 404} for role in ROLES},
        ),
        "proposals.mine": ("/proposals/mine", member),
        "proposals.detail": (
            f"/proposals/{P}",
            {"anon": LOGIN, "other": {403}, "owner": OK, "organizer": {403}, "admin": OK},
        ),
        "proposals.edit": (
            f"/proposals/{P}/edit",
            {
                "anon": LOGIN,
                "other": {403},
                "owner": {403},
                "organizer": {403},
                "admin": {403, 409},
            },
        ),
        "proposals.attachment": (
            f"/proposals/{P}/attachments/{ids['attachment_id']}",
            {"anon": LOGIN, "other": DENY, "owner": {404}, "organizer": DENY, "admin": {404}},
        ),
        "proposals.review": (
            f"/listings/{L}/proposals",
            {"anon": LOGIN, "other": {403}, "owner": OK, "organizer": {403}, "admin": OK},
        ),
        "proposals.new": (
            f"/listings/{L}/propose",
            {"anon": LOGIN, "other": OK, "owner": {403}, "organizer": {403}, "admin": {403}},
        ),
        "proposals.terms": (
            f"/listings/{L}/terms",
            {"anon": LOGIN, "other": OK, "owner": OK, "organizer": {403}, "admin": {403}},
        ),
        "proposals.overdue": ("/proposals/overdue", organizer),
        "proposals.progress": ("/proposals/progress", organizer),
        "events.index": ("/events/", public),
        "events.detail": (f"/events/{E}", public),
        "events.agenda": (
            f"/events/{E}/agenda",
            {**member, "organizer": OK, "admin": OK, "other": {403, 404}},
        ),
        "events.agenda_ics": (
            f"/events/{E}/agenda.ics",
            {**member, "organizer": {403, 404}, "admin": {403, 404}, "other": {403, 404}},
        ),
        "events.calendar": (f"/events/{E}/calendar.ics", public),
        "events.edit": (f"/events/{E}/edit", organizer),
        "events.export": (f"/events/{E}/export/registrations.csv", organizer),
        "events.invite": (f"/events/{E}/invite", organizer),
        "events.message": (f"/events/{E}/message", organizer),
        "events.manage": (f"/events/{E}/manage", organizer),
        "events.meetings": (
            f"/events/{E}/meetings",
            {**member, "other": {403, 404}, "organizer": OK, "admin": OK},
        ),
        "events.outcome": (
            f"/events/{E}/meetings/{ids['meeting_id']}/outcome",
            {"anon": LOGIN, "other": DENY, "owner": OK, "organizer": OK, "admin": OK},
        ),
        "events.outcomes": (
            f"/events/{E}/outcomes",
            {**member, "other": DENY, "organizer": OK, "admin": OK},
        ),
        "events.dashboard": ("/events/dashboard", organizer),
        "events.create": ("/events/new", organizer),
        "events.plan": ("/events/plan/2027", organizer),
        "events.programme_report": ("/events/report/2027?quarter=1", organizer),
        "events.programme_report_xlsx": ("/events/report/2027.xlsx", organizer),
        "events.settings": ("/events/settings", admin),
        "api-docs.openapi_json": ("/api/v1/openapi.json", public),
    }


def test_every_route_is_classified(app, world):
    gets = {name.split("#")[0] for name in _gets(world["ids"])}
    posts = {name for name, _, _ in _posts(world["ids"])}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.startswith("api_"):
            continue  # the API is walked by Schemathesis and tests/api
        if "GET" in rule.methods:
            assert rule.endpoint in gets, f"GET {rule.rule} ({rule.endpoint}) has no row"
        if "POST" in rule.methods:
            assert rule.endpoint in posts, f"POST {rule.rule} ({rule.endpoint}) has no row"


@pytest.mark.parametrize("role", ROLES)
def test_get_routes_answer_as_expected(app, world, role):
    client = _client(app, world, role)
    wrong = {}
    for name, (path, expected) in _gets(world["ids"]).items():
        response = client.get(path)
        response.close()
        if response.status_code not in expected[role]:
            wrong[name] = (path, response.status_code, sorted(expected[role]))
        if response.status_code == 302 and expected[role] is LOGIN:
            assert "/login" in response.headers["Location"], path
    assert wrong == {}


# (endpoint, path, roles that may act). Others get 403/404 (anonymous: the login page).
def _posts(ids):
    L, E, P, M = ids["listing_id"], ids["event_id"], ids["proposal_id"], ids["meeting_id"]
    owner_side = {"owner", "admin"}
    organizers = {"organizer", "admin"}
    return [
        ("listings.edit", f"/listings/{L}/edit", owner_side),
        ("listings.close", f"/listings/{L}/close", owner_side),
        ("listings.publish", f"/listings/{ids['draft_id']}/publish", owner_side),
        ("listings.renew", f"/listings/{L}/renew", owner_side),
        ("listings.unpublish", f"/listings/{L}/unpublish", organizers),
        ("listings.create", "/listings/new", {"other", "owner"}),
        ("listings.reveal", f"/listings/{L}/confidential", {"owner", "organizer", "admin"}),
        (
            "matches.not_relevant",
            f"/listings/{L}/matches/{ids['capability_id']}/not-relevant",
            owner_side,
        ),
        ("matches.restore", f"/listings/{L}/matches/{ids['capability_id']}/restore", owner_side),
        ("enterprises.edit", f"/enterprises/{ids['enterprise_id']}/edit", owner_side),
        ("enterprises.verify", f"/enterprises/{ids['enterprise_id']}/verify", organizers),
        ("enterprises.unverify", f"/enterprises/{ids['enterprise_id']}/unverify", organizers),
        ("enterprises.decision", f"/enterprises/{ids['enterprise_id']}/decision", organizers),
        (
            "enterprises.merge_into",
            f"/enterprises/{ids['enterprise_id']}/merge-into/{ids['other_enterprise_id']}",
            organizers,
        ),
        # Members of the enterprise and organizers decide; only the requester cancels.
        (
            "enterprises.approve_join_request",
            f"/enterprises/join-requests/{ids['join_request_id']}/approve",
            {"owner", "organizer", "admin"},
        ),
        (
            "enterprises.decline_join_request",
            f"/enterprises/join-requests/{ids['join_request_id']}/decline",
            {"owner", "organizer", "admin"},
        ),
        (
            "enterprises.cancel_join_request",
            f"/enterprises/join-requests/{ids['join_request_id']}/cancel",
            set(),
        ),
        ("imports.upload", "/imports", organizers),
        ("admin.edit_term", "/admin/taxonomies/chains/new", {"admin"}),
        ("admin.set_role", f"/admin/users/{ids['user_id']}/role", {"admin"}),
        ("mail.retry", f"/admin/outbox/{ids['mail_id']}/retry", {"admin"}),
        # A notice is its person's only: others get 404, as for one that does not exist.
        ("notifications.read", f"/notifications/{ids['notification_id']}/read", {"owner"}),
        (
            "notifications.read_all",
            "/notifications/read-all",
            {"other", "owner", "organizer", "admin"},
        ),
        ("favourites.listing_action", f"/favourites/listings/{L}/add", {"other", "owner"}),
        ("favourites.save_search", "/favourites/searches", {"other", "owner"}),
        # A saved search is its member's only: others get 404, as for one that does not exist.
        ("favourites.delete_search", "/favourites/searches/999999/delete", set()),
        ("surveys.answer", "/surveys/not-a-token", set()),
        ("accounts.profile", "/account", {"other", "owner", "organizer", "admin"}),
        ("accounts.revoke_token", f"/account/tokens/{ids['token_id']}/revoke", set()),
        # Only users without an enterprise ask to join one; every role here has one or is staff.
        ("accounts.join", "/account/join", set()),
        ("accounts.logout", "/logout", {"other", "owner", "organizer", "admin"}),
        ("accounts.login", "/login", {"anon"}),
        ("accounts.register", "/register", {"anon"}),
        ("accounts.forgot_password", "/forgot-password", set(ROLES)),
        ("accounts.reset_password", "/reset-password/not-a-token", set()),
        ("accounts.set_language", "/language/en", set(ROLES)),
        ("digests.preferences", "/digests/preferences", {"other", "owner"}),
        (
            "digests.restore",
            f"/digests/preferences/judgements/{ids['judgement_id']}/restore",
            set(),
        ),
        ("digests.unsubscribe", "/digests/unsubscribe/not-a-token", set()),
        ("proposals.award", f"/listings/{L}/award", owner_side),
        ("proposals.new", f"/listings/{L}/propose", {"other"}),
        ("proposals.add_reviewer", f"/listings/{L}/reviewers", owner_side),
        (
            "proposals.remove_reviewer",
            f"/listings/{L}/reviewers/{ids['user_id']}/remove",
            owner_side,
        ),
        ("proposals.terms", f"/listings/{L}/terms", {"other"}),
        ("proposals.accept", f"/proposals/{P}/accept", owner_side),
        ("proposals.decline", f"/proposals/{P}/decline", owner_side),
        ("proposals.shortlist", f"/proposals/{P}/shortlist", owner_side),
        ("proposals.message", f"/proposals/{P}/messages", owner_side),
        ("proposals.edit", f"/proposals/{P}/edit", set()),
        ("proposals.submit", f"/proposals/{P}/submit", set()),
        ("proposals.withdraw", f"/proposals/{P}/withdraw", set()),
        (
            "proposals.delete_attachment",
            f"/proposals/{P}/attachments/{ids['attachment_id']}/delete",
            set(),
        ),
        ("events.create", "/events/new", organizers),
        ("events.edit", f"/events/{E}/edit", organizers),
        ("events.settings", "/events/settings", {"admin"}),
        ("events.cancel", f"/events/{E}/cancel", {"owner"}),  # cancel one's registration
        ("events.set_status", f"/events/{E}/status", organizers),
        ("events.invite", f"/events/{E}/invite", organizers),
        ("events.message", f"/events/{E}/message", organizers),
        ("events.slots", f"/events/{E}/slots", organizers),
        ("events.run_schedule", f"/events/{E}/schedule", organizers),
        ("events.checkin_code", f"/events/{E}/checkin", organizers),
        ("events.register", f"/events/{E}/register", {"other", "owner"}),
        (
            "events.registration_action",
            f"/events/{E}/registrations/{ids['reg_id']}/cancel",
            organizers,
        ),
        ("events.send_request", f"/events/{E}/requests", {"owner"}),
        ("events.request_action", f"/events/{E}/requests/{ids['request_id']}/accept", set()),
        ("events.unavailable", f"/events/{E}/unavailable", {"owner"}),
        ("events.directory_visibility", f"/events/{E}/directory", {"owner"}),
        ("events.meeting_cutoff", f"/events/{E}/meetings/cutoff", organizers),
        ("events.meeting_action", f"/events/{E}/meetings/{M}/pin", organizers),
        ("events.outcome", f"/events/{E}/meetings/{M}/outcome", {"owner", "organizer", "admin"}),
    ]


POST_NAMES_IDS = (
    "listing_id",
    "draft_id",
    "capability_id",
    "enterprise_id",
    "proposal_id",
    "attachment_id",
    "event_id",
    "reg_id",
    "meeting_id",
    "request_id",
    "join_request_id",
    "mail_id",
    "user_id",
    "token_id",
    "judgement_id",
    "notification_id",
    "pending_request_id",
    "reg_proposer_id",
    "other_enterprise_id",
)
POST_NAMES = [name for name, _, _ in _posts(dict.fromkeys(POST_NAMES_IDS, 0))]


@pytest.mark.parametrize("name", POST_NAMES)
@pytest.mark.parametrize("role", ROLES)
def test_post_routes_refuse_those_who_may_not_act(app, world, role, name):
    """Each POST on a fresh world: those who may not act get 403/404 (anonymous: the login
    page); those who may get neither a 401/403 nor a 5xx."""
    from tests.conftest import csrf_token

    path, allowed = next((p, a) for n, p, a in _posts(world["ids"]) if n == name)
    client = _client(app, world, role)
    response = client.post(path, data={"csrf_token": csrf_token(client, "/")})
    status = response.status_code
    if role in allowed:
        assert status < 500 and status not in (401, 403), (path, status)
    elif role == "anon":
        assert status in DENY | REFUSED.get(name, set()) or (
            status == 302 and "/login" in response.headers["Location"]
        ), (path, status)
    else:
        assert status in DENY | REFUSED.get(name, set()), (path, status)


#: Routes whose refusal is not about who asks (a bad token is a 400 for everyone).
REFUSED = {
    "digests.unsubscribe": {400},
    "accounts.reset_password": {400},
    "surveys.answer": {400},
    "accounts.login": {302},
    "accounts.register": {302},
}


@pytest.mark.parametrize("path", ["/listings/1/close", "/enterprises/1/verify", "/events/new"])
def test_post_without_csrf_token_is_refused(app, world, path):
    client = _client(app, world, "admin")
    response = client.post(path, data={})
    assert response.status_code == 400


# --- the API -----------------------------------------------------------------------------------
# The same roles with bearer tokens (a session cookie does not authenticate the API). Anonymous
# callers of a token-only endpoint get a 401; a row marks what each role gets on a GET, and who
# may act on a write: the others get 403/404 (anonymous: 401). An endpoint added without a row
# fails `test_every_api_route_is_classified`.
API_PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
TOKEN = {"anon": {401}}


def _api_gets(ids):
    L, D, E, P = ids["listing_id"], ids["draft_id"], ids["event_id"], ids["proposal_id"]
    public = dict.fromkeys(ROLES, OK)
    token = {**public, **TOKEN}
    organizer = {"anon": {401}, "other": {403}, "owner": {403}, "organizer": OK, "admin": OK}
    draft = {"anon": {404}, "other": {404}, "owner": OK, "organizer": OK, "admin": OK}
    parties = {"anon": {401}, "other": {403}, "owner": OK, "organizer": {403}, "admin": OK}
    v1 = "/api/v1"
    return {
        "api_enterprises.browse": (f"{v1}/enterprises", public),
        "api_enterprises.detail": (f"{v1}/enterprises/{ids['enterprise_id']}", public),
        "api_events.list_events": (f"{v1}/events", public),
        "api_events.get_event": (f"{v1}/events/{E}", public),
        "api_events.calendar": (f"{v1}/events/{E}/calendar.ics", public),
        # One's own agenda: a confirmed registration of one's enterprise.
        "api_events.agenda": (f"{v1}/events/{E}/agenda.ics", {**parties, "admin": {403}}),
        "api_events.meetings": (f"{v1}/events/{E}/meetings", {**organizer, "owner": OK}),
        "api_events.outcomes": (f"{v1}/events/{E}/outcomes", token),
        "api_events.list_registrations": (f"{v1}/events/{E}/registrations", token),
        "api_events.suggestions": (f"{v1}/events/{E}/suggestions", organizer),
        "api_events.plan": (f"{v1}/plan/2027", organizer),
        "api_listings.browse": (f"{v1}/listings", public),
        "api_listings.detail": (f"{v1}/listings/{L}", public),
        "api_listings.detail#draft": (f"{v1}/listings/{D}", draft),
        "api_matches.matches": (f"{v1}/listings/{L}/matches", public),
        "api_matches.matches#draft": (f"{v1}/listings/{D}/matches", draft),
        "api_proposals.list_proposals": (f"{v1}/listings/{L}/proposals", token),
        "api_proposals.list_proposals#draft": (
            f"{v1}/listings/{D}/proposals",
            {**draft, "anon": {401}},
        ),
        "api_proposals.read": (f"{v1}/proposals/{P}", parties),
        "api_proposals.attachment": (
            f"{v1}/proposals/{P}/attachments/{ids['attachment_id']}",
            {**parties, "owner": {404}, "admin": {404}},
        ),
        "api_notifications.list_notifications": (f"{v1}/notifications", token),
        # Stars belong to members of an enterprise, as on the web.
        "api_favourites.list_favourites": (
            f"{v1}/favourites",
            {"anon": {401}, "other": OK, "owner": OK, "organizer": {403}, "admin": {403}},
        ),
        "api_taxonomies.all_vocabularies": (f"{v1}/taxonomies", public),
        "api_taxonomies.vocabulary": (f"{v1}/taxonomies/chains", public),
    }


def _api_writes(ids):
    """(endpoint, method, path, request arguments, roles that may act). Bodies pass the schema,
    so that the request reaches the check of who asks."""
    from io import BytesIO

    L, E, P, A = ids["listing_id"], ids["event_id"], ids["proposal_id"], ids["attachment_id"]
    owner_side = {"owner", "admin"}
    organizers = {"organizer", "admin"}
    members = {"other", "owner"}
    v1 = "/api/v1"
    event = {
        "title": "新路演",
        "kind": "roadshow",
        "chain": "robotics",
        "starts_at": "2027-05-20T14:00:00",
        "ends_at": "2027-05-20T18:00:00",
    }
    listing = {"kind": "capability", "category": "rnd", "chain": "robotics", "title": "新能力"}
    return [
        ("api_events.create_event", "POST", f"{v1}/events", {"json": event}, organizers),
        (
            "api_events.update_event",
            "PATCH",
            f"{v1}/events/{E}",
            {"json": {"venue": "黄埔"}},
            organizers,
        ),
        (
            "api_events.invite",
            "POST",
            f"{v1}/events/{E}/invitations",
            {"json": {"enterprise_ids": [ids["other_enterprise_id"]]}},
            organizers,
        ),
        ("api_events.schedule", "POST", f"{v1}/events/{E}/schedule", {}, organizers),
        # Members register their own enterprise (the owner's is registered already: a 409).
        (
            "api_events.create_registration",
            "POST",
            f"{v1}/events/{E}/registrations",
            {"json": {}},
            members,
        ),
        (
            "api_events.registration_action",
            "POST",
            f"{v1}/events/{E}/registrations/{ids['reg_id']}/cancel",
            {},
            {"owner", *organizers},
        ),
        (
            "api_events.registration_action#approve",
            "POST",
            f"{v1}/events/{E}/registrations/{ids['reg_id']}/approve",
            {},
            organizers,
        ),
        # Requests between confirmed participants only; organizers arrange, they do not ask.
        (
            "api_events.create_request",
            "POST",
            f"{v1}/events/{E}/meeting-requests",
            {"json": {"recipient_id": ids["reg_proposer_id"], "message": "再聊聊"}},
            {"owner"},
        ),
        (
            "api_events.respond_request",
            "POST",
            f"{v1}/events/{E}/meeting-requests/{ids['pending_request_id']}/respond",
            {"json": {"accept": True}},
            {"owner"},
        ),
        (
            "api_events.record_outcome",
            "POST",
            f"{v1}/events/{E}/meetings/{ids['meeting_id']}/outcome",
            {"json": {"attendance": "held", "stage": "contact"}},
            {"owner", *organizers},
        ),
        ("api_listings.create", "POST", f"{v1}/listings", {"json": listing}, members),
        (
            "api_listings.update",
            "PATCH",
            f"{v1}/listings/{L}",
            {"json": {"summary": "改写"}},
            owner_side,
        ),
        ("api_listings.close", "POST", f"{v1}/listings/{L}/close", {}, owner_side),
        (
            "api_proposals.submit",
            "POST",
            f"{v1}/listings/{L}/proposals",
            {"json": {"summary": "方案", "status": "draft"}},
            {"other"},
        ),
        ("api_proposals.accept_terms", "POST", f"{v1}/listings/{L}/terms", {}, {"other"}),
        (
            "api_proposals.decide",
            "POST",
            f"{v1}/proposals/{P}/decision",
            {"json": {"decision": "shortlist"}},
            owner_side,
        ),
        (
            "api_proposals.post_message",
            "POST",
            f"{v1}/proposals/{P}/messages",
            {"json": {"body": "请补充报价明细"}},
            owner_side,
        ),
        # The world's proposal is submitted and its enterprise is none of the roles: nobody
        # may edit, upload, delete, submit or withdraw it.
        (
            "api_events.move_meeting",
            "POST",
            f"{v1}/events/{E}/meetings/{ids['meeting_id']}/move",
            {
                "json": {
                    "slot_id": ids.get("meeting_slot_id", 1),
                    "table_id": ids.get("meeting_table_id", 1),
                    "force": True,
                }
            },
            {"organizer", "admin"},
        ),
        (
            "api_proposals.update_draft",
            "PATCH",
            f"{v1}/proposals/{P}",
            {"json": {"summary": "改写"}},
            set(),
        ),
        (
            "api_proposals.upload_attachment",
            "POST",
            f"{v1}/proposals/{P}/attachments",
            {
                "data": {"file": (BytesIO(API_PDF), "方案.pdf")},
                "content_type": "multipart/form-data",
            },
            set(),
        ),
        (
            "api_proposals.delete_attachment",
            "DELETE",
            f"{v1}/proposals/{P}/attachments/{A}",
            {},
            set(),
        ),
        ("api_proposals.submit_draft", "POST", f"{v1}/proposals/{P}/submit", {"json": {}}, set()),
        ("api_proposals.withdraw", "POST", f"{v1}/proposals/{P}/withdraw", {}, set()),
        ("api_favourites.star", "PUT", f"{v1}/favourites/{L}", {}, members),
        ("api_favourites.unstar", "DELETE", f"{v1}/favourites/{L}", {}, members),
        # A notice is its person's only: others get 404.
        (
            "api_notifications.read_notification",
            "POST",
            f"{v1}/notifications/{ids['notification_id']}/read",
            {},
            {"owner"},
        ),
    ]


#: API writes whose refusal to some who may not act is about the object's state, not the
#: caller: the admin reads every proposal, so its submit/withdraw/edit is refused as a 409;
#: the owner's members need no terms for their own challenge (409 `own_challenge`).
API_REFUSED = {
    "api_proposals.accept_terms": {409},
    "api_proposals.update_draft": {409},
    "api_proposals.upload_attachment": {409},
    "api_proposals.delete_attachment": {409},
    "api_proposals.submit_draft": {409},
    "api_proposals.withdraw": {409},
}


def test_every_api_route_is_classified(app, world):
    gets = {name.split("#")[0] for name in _api_gets(world["ids"])} | {"api-docs.openapi_json"}
    writes = {(name.split("#")[0], m) for name, m, *_ in _api_writes(world["ids"])}
    api_rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/")]
    assert len(api_rules) > 30
    for rule in api_rules:
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if method == "GET":
                assert rule.endpoint in gets, f"GET {rule.rule} ({rule.endpoint}) has no row"
            else:
                assert (rule.endpoint, method) in writes, (
                    f"{method} {rule.rule} ({rule.endpoint}) has no row"
                )


def _api_headers(api_token, world, role) -> dict:
    headers = api_token(world["users"][role]) if role != "anon" else {}
    db.session.commit()  # an API error rolls back; the world must outlive it
    return headers


@pytest.mark.parametrize("role", ROLES)
def test_api_get_routes_answer_as_expected(app, world, api_token, role):
    headers = _api_headers(api_token, world, role)
    client = app.test_client()
    wrong = {}
    for name, (path, expected) in _api_gets(world["ids"]).items():
        response = client.get(path, headers=headers)
        response.close()
        if response.status_code not in expected[role]:
            wrong[name] = (path, response.status_code, sorted(expected[role]))
    assert wrong == {}


API_WRITE_NAMES = [row[0] for row in _api_writes(dict.fromkeys(POST_NAMES_IDS, 0))]


@pytest.mark.parametrize("name", API_WRITE_NAMES)
@pytest.mark.parametrize("role", ROLES)
def test_api_writes_refuse_those_who_may_not_act(app, world, api_token, role, name):
    method, path, kwargs, allowed = next(
        (m, p, k, a) for n, m, p, k, a in _api_writes(world["ids"]) if n == name
    )
    headers = _api_headers(api_token, world, role)
    response = app.test_client().open(path, method=method, headers=headers, **kwargs)
    status = response.status_code
    if role in allowed:
        refused = {401, 403} if name in API_422_ALLOWED else {401, 403, 422}
        assert status < 500 and status not in refused, (path, status)
    elif role == "anon":
        assert status == 401, (path, status)
    else:
        assert status in DENY | API_REFUSED.get(name, set()), (path, status)


#: Writes whose body cannot pass in this world: without a matcher index there are no
#: suggestions, so inviting an enterprise is a 422 naming it (past the check of who asks).
API_422_ALLOWED = {"api_events.invite"}
