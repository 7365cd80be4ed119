"""Enterprises: profile changes, verification, the near-duplicate guard and requests to
join. Never commits."""

import re
import threading

from flask import current_app, render_template
from flask_babel import gettext as _
from rapidfuzz import fuzz, process
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..audit import services as audit
from ..core.services import ServiceError
from ..core.time import utcnow
from ..core.validators import to_halfwidth
from ..extensions import db
from ..mail.services import external_url, in_recipients_language, queue_mail
from ..notifications.services import notify
from ..taxonomy.models import Chain
from .models import Enterprise, JoinRequest

#: Place names and legal forms that say nothing about which enterprise a name means.
_NAME_NOISE = re.compile(
    r"(广东省|广州市|广州|有限责任公司|股份有限公司|有限公司|集团|公司|分公司|"
    r"（[^）]*）|\([^)]*\)|\s|·|-)"
)

PROFILE_FIELDS = (
    "name",
    "description",
    "website",
    "contact_name",
    "contact_email",
    "contact_mobile",
)


def name_key(name: str) -> str:
    """The distinctive part of an enterprise name: 广州市星瀚精密机械有限公司 → 星瀚精密机械."""
    key = _NAME_NOISE.sub("", to_halfwidth(name or "")).lower()
    return key or to_halfwidth(name or "").strip().lower()


def find_by_credit_code(code: str) -> Enterprise | None:
    return db.session.execute(
        db.select(Enterprise).where(Enterprise.credit_code == code)
    ).scalar_one_or_none()


class NameIndex:
    """Every enterprise's name key, read once, for many checks in one unit of work (an
    import of thousands of rows would otherwise read the whole table again for each row)."""

    def __init__(self):
        rows = db.session.execute(db.select(Enterprise.id, Enterprise.name_key)).all()
        self.keys = {row.id: row.name_key for row in rows}

    def add(self, enterprise: Enterprise) -> None:
        self.keys[enterprise.id] = enterprise.name_key


def near_duplicate(
    name: str, *, exclude_id: int | None = None, names: NameIndex | None = None
) -> tuple[Enterprise, float] | None:
    """The existing enterprise whose name is most like ``name``, if above the threshold."""
    key = name_key(name)
    choices = (names or NameIndex()).keys
    own = choices.pop(exclude_id, None)  # never its own duplicate; put back below
    try:
        best = process.extractOne(
            key,
            choices,
            scorer=fuzz.ratio,
            score_cutoff=current_app.config["DUPLICATE_NAME_THRESHOLD"],
        )
    finally:
        if own is not None:
            choices[exclude_id] = own
    if best is None:
        return None
    _, score, enterprise_id = best
    found = db.session.get(Enterprise, enterprise_id)  # None if its row was rolled back
    return (found, float(score)) if found is not None else None


#: What verification vouches for: a member's change to any of these sends a verified
#: enterprise back to the review queue, so permissions never rest on an unchecked claim.
IDENTITY_FIELDS = ("name", "credit_code", "kind", "tier")


def identity_changes(enterprise: Enterprise, data: dict) -> list[str]:
    """The identity fields ``data`` would change on ``enterprise``."""
    return [
        field
        for field in IDENTITY_FIELDS
        if field in data and (data[field] or None) != (getattr(enterprise, field) or None)
    ]


def apply_profile(
    enterprise: Enterprise, data: dict, *, reviewed: bool = False, names: NameIndex | None = None
) -> Enterprise:
    """Set the profile fields present in ``data`` (already validated and resolved).

    ``kind``, ``tier``, ``district`` are taxonomy rows; ``chains`` a list of Chain rows.
    Unless ``reviewed`` (an organizer's own change or import), a change of identity
    unverifies the enterprise until an organizer has looked at it again. ``names``: the name
    keys to look for near-duplicates in (kept up to date with this one), for a batch.
    """
    if not reviewed and enterprise.verified_at is not None and identity_changes(enterprise, data):
        unverify_enterprise(enterprise)
    for field in PROFILE_FIELDS:
        if field in data:
            setattr(enterprise, field, data[field] if data[field] is not None else "")
    if "credit_code" in data:
        enterprise.credit_code = data["credit_code"]
    for field in ("kind", "tier", "district"):
        if field in data:
            setattr(enterprise, field, data[field])
    if "chains" in data:
        enterprise.chains = list(data["chains"])
    if "name" in data:
        enterprise.name_key = name_key(enterprise.name)
        match = near_duplicate(enterprise.name, exclude_id=enterprise.id, names=names)
        enterprise.possible_duplicate_of = match[0] if match else None
        enterprise.duplicate_score = match[1] if match else None
    db.session.add(enterprise)
    db.session.flush()
    if names is not None:
        names.add(enterprise)
    return enterprise


def create_enterprise(data: dict) -> Enterprise:
    """A new, unverified enterprise from validated data."""
    return apply_profile(Enterprise(), data)


# --- verification review ------------------------------------------------------------------

#: Statuses that wait for the members rather than the organizers.
WAITING_FOR_MEMBERS = ("rejected", "needs_info")
MAX_REVIEW_NOTE = 2000


def review_queue_statement():
    """Unverified enterprises the organizers have to decide on, near-duplicates first."""
    return (
        db.select(Enterprise)
        .where(
            Enterprise.verified_at.is_(None),
            Enterprise.review_status.not_in(WAITING_FOR_MEMBERS),
        )
        .order_by(Enterprise.possible_duplicate_of_id.is_(None), Enterprise.created_at)
    )


def waiting_for_members_statement():
    """Rejected enterprises and those asked for more, latest decision first."""
    return (
        db.select(Enterprise)
        .where(
            Enterprise.verified_at.is_(None),
            Enterprise.review_status.in_(WAITING_FOR_MEMBERS),
        )
        .order_by(Enterprise.reviewed_at.desc(), Enterprise.id.desc())
    )


def _review_state(enterprise: Enterprise) -> dict:
    return {"verified": enterprise.verified, "review_status": enterprise.review_status}


def verify_enterprise(enterprise: Enterprise, organizer) -> None:
    """Approve: the enterprise may publish; its members are told. Twice is once."""
    if enterprise.verified:
        return
    before = _review_state(enterprise)
    enterprise.verified_at = utcnow()
    enterprise.verified_by_id = organizer.id
    _decide_review(enterprise, "approved", organizer, "")
    audit.record(organizer, "enterprise.verify", enterprise, before, _review_state(enterprise))


def reject_enterprise(enterprise: Enterprise, organizer, reason: str) -> None:
    """Refuse verification with a reason the members read (on the profile and by mail)."""
    before = _review_state(enterprise)
    _decide_review(enterprise, "rejected", organizer, _review_note(enterprise, reason))
    audit.record(
        organizer, "enterprise.reject", enterprise, before, _review_state(enterprise), reason
    )


def request_information(enterprise: Enterprise, organizer, message: str) -> None:
    """Ask the members to complete the profile; editing it puts it back in the queue."""
    before = _review_state(enterprise)
    _decide_review(enterprise, "needs_info", organizer, _review_note(enterprise, message))
    audit.record(
        organizer, "enterprise.request_info", enterprise, before, _review_state(enterprise), message
    )


def unverify_enterprise(enterprise: Enterprise, organizer=None) -> None:
    """Withdraw the verification; the enterprise is back in the organizers' queue."""
    before = _review_state(enterprise)
    enterprise.verified_at = None
    enterprise.verified_by_id = None
    enterprise.review_status = "pending"
    audit.record(organizer, "enterprise.unverify", enterprise, before, _review_state(enterprise))


def resubmit_for_review(enterprise: Enterprise) -> bool:
    """After the members edit a rejected or incomplete profile: back in the queue."""
    if enterprise.verified or enterprise.review_status not in WAITING_FOR_MEMBERS:
        return False
    enterprise.review_status = "pending"
    db.session.flush()
    return True


def _review_note(enterprise: Enterprise, text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ServiceError(_("请填写原因或需要补充的内容。"), field="note")
    if len(text) > MAX_REVIEW_NOTE:
        raise ServiceError(_("不超过 %(n)d 字。", n=MAX_REVIEW_NOTE), field="note", code="too_long")
    if enterprise.verified:
        raise ServiceError(_("该单位已通过审核；请先撤销审核。"), code="verified", status=409)
    return text


def _decide_review(enterprise: Enterprise, status: str, organizer, note: str) -> None:
    enterprise.review_status = status
    enterprise.review_note = note
    enterprise.reviewed_at = utcnow()
    enterprise.reviewed_by_id = getattr(organizer, "id", None)
    db.session.flush()
    for member in members(enterprise):
        _queue_review_mail(enterprise, member)
    _review_notice(enterprise)


def _review_notice(enterprise: Enterprise) -> None:
    """The decision in the members' notification centre; the review mail is their mail."""
    status = enterprise.review_status
    kinds = {
        "approved": "enterprise_verified",
        "rejected": "enterprise_rejected",
        "needs_info": "enterprise_needs_info",
    }
    notify(
        members(enterprise),
        kind=kinds[status],
        key=f"enterprise-review:{enterprise.id}:{status}:{enterprise.reviewed_at:%Y%m%d%H%M%S%f}",
        params={"name": enterprise.name, "enterprise": enterprise.name},
        endpoint="enterprises.detail" if status == "approved" else "enterprises.edit",
        values={"enterprise_id": enterprise.id},
        mail=False,
    )


def _queue_review_mail(enterprise: Enterprise, recipient: User) -> None:
    """The decision, its reason and what to do next, in the recipient's language."""
    status = enterprise.review_status
    with in_recipients_language(recipient) as lang:
        subjects = {
            "approved": _("%(enterprise)s 已通过平台审核", enterprise=enterprise.name),
            "rejected": _("%(enterprise)s 未通过平台审核", enterprise=enterprise.name),
            "needs_info": _("请补充 %(enterprise)s 的单位资料", enterprise=enterprise.name),
        }
        endpoint = "enterprises.detail" if status == "approved" else "enterprises.edit"
        context = {
            "recipient": recipient,
            "enterprise": enterprise,
            "status": status,
            "lang": lang,
            "link": external_url(endpoint, enterprise_id=enterprise.id),
        }
        subject = subjects[status]
        text = render_template("enterprises/mail/review.txt", **context)
        html = render_template("enterprises/mail/review.html", **context)
    stamp = enterprise.reviewed_at.strftime("%Y%m%d%H%M%S%f")
    queue_mail(
        key=f"enterprise-review:{enterprise.id}:{status}:{stamp}:user:{recipient.id}",
        purpose=f"enterprise_{status}",
        to=recipient.email,
        subject=subject[:255],
        text=text,
        html=html,
        user=recipient,
    )


def comparison_facts(enterprise: Enterprise) -> dict[str, int]:
    """What the near-duplicate comparison counts: members and listings."""
    return {
        "members": db.session.execute(
            db.select(db.func.count(User.id)).where(User.enterprise_id == enterprise.id)
        ).scalar_one(),
        # Through the relationship: enterprises must not import listings (listings imports us).
        "listings": db.session.execute(
            db.select(db.func.count())
            .select_from(Enterprise)
            .join(Enterprise.listings)
            .where(Enterprise.id == enterprise.id)
        ).scalar_one(),
    }


def chains_by_codes(codes) -> list[Chain]:
    codes = list(dict.fromkeys(codes or ()))
    if not codes:
        return []
    rows = db.session.execute(db.select(Chain).where(Chain.code.in_(codes))).scalars().all()
    return sorted(rows, key=lambda c: c.position)


class _NameKeys:
    """Every enterprise's (id, name_key), kept per process and read again only when the
    table changes: its row count, newest id or newest ``updated_at`` differ. Checking that
    is one small aggregate query instead of 20,000 rows per search."""

    def __init__(self):
        self.lock = threading.Lock()
        self.version: tuple | None = None
        self.rows: list[tuple[int, str]] = []
        self.choices: dict[int, str] = {}

    def get(self) -> tuple[list[tuple[int, str]], dict[int, str]]:
        version = tuple(
            db.session.execute(
                db.select(
                    db.func.count(Enterprise.id),
                    db.func.max(Enterprise.id),
                    db.func.max(Enterprise.updated_at),
                )
            ).one()
        )
        with self.lock:
            if version == self.version:
                return self.rows, self.choices
        rows = [
            (r.id, r.name_key)
            for r in db.session.execute(db.select(Enterprise.id, Enterprise.name_key))
        ]
        with self.lock:
            self.version, self.rows, self.choices = version, rows, dict(rows)
        return rows, self.choices


_name_keys = _NameKeys()


def search_ids(query: str, limit: int = 200) -> list[int]:
    """Enterprises whose name contains or nearly names ``query`` (a typo or two allowed)."""
    key = name_key(query)
    if not key:
        return []
    rows, choices = _name_keys.get()
    if len(key) < 3:
        return [enterprise_id for enterprise_id, name in rows if key in name][:limit]
    cutoff = max(66.0, 100.0 * (len(key) - 1) / len(key) - 1) if len(key) < 8 else 80.0
    hits = process.extract(
        key,
        choices,
        scorer=fuzz.partial_ratio,
        score_cutoff=cutoff,
        limit=limit,
    )
    return [enterprise_id for _, _, enterprise_id in hits]


# --- requests to join -----------------------------------------------------------------------


def members(enterprise: Enterprise) -> list[User]:
    """The enterprise's active members, by name."""
    return list(
        db.session.execute(
            db.select(User)
            .where(User.enterprise_id == enterprise.id, User.active.is_(True))
            .order_by(User.name, User.id)
        ).scalars()
    )


def pending_join_requests(enterprise: Enterprise) -> list[JoinRequest]:
    """Requests waiting for the enterprise's answer, oldest first."""
    return list(
        db.session.execute(
            db.select(JoinRequest)
            .options(joinedload(JoinRequest.user))
            .where(JoinRequest.enterprise_id == enterprise.id, JoinRequest.status == "pending")
            .order_by(JoinRequest.created_at, JoinRequest.id)
        ).scalars()
    )


def latest_join_request(user: User) -> JoinRequest | None:
    """The user's most recent request, whatever its status."""
    return db.session.execute(
        db.select(JoinRequest)
        .where(JoinRequest.user_id == user.id)
        .order_by(JoinRequest.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def may_decide(user, join_request: JoinRequest) -> bool:
    """Members of the enterprise and organizers decide; never the requester."""
    if not getattr(user, "is_authenticated", False) or user.id == join_request.user_id:
        return False
    return user.is_organizer or user.enterprise_id == join_request.enterprise_id


def request_to_join(user: User, enterprise: Enterprise, message: str = "") -> JoinRequest:
    """Record ``user``'s request to join ``enterprise`` and tell those who decide."""
    if user.is_organizer:
        raise ServiceError(_("组织方和管理员账号不加入单位。"), code="not_member", status=403)
    if user.enterprise_id is not None:
        raise ServiceError(
            _("您已是一家单位的成员，不能再申请加入其他单位。"), code="has_enterprise", status=409
        )
    duplicate = ServiceError(
        _("您已有一个待处理的加入申请；请等待对方答复，或先撤回该申请再重新申请。"),
        field="credit_code",
        code="duplicate",
        status=409,
    )
    pending = db.session.execute(
        db.select(JoinRequest.id).where(
            JoinRequest.user_id == user.id, JoinRequest.status == "pending"
        )
    ).first()
    if pending is not None:
        raise duplicate
    join_request = JoinRequest(
        enterprise=enterprise, user=user, status="pending", message=(message or "").strip()
    )
    try:
        with db.session.begin_nested():
            db.session.add(join_request)
    except IntegrityError as exc:
        # Two submissions at once: the unique index let one through.
        raise duplicate from exc
    _notify_deciders(join_request)
    return join_request


def approve_join_request(join_request: JoinRequest, decider: User) -> None:
    """Make the requester a member of the enterprise."""
    _require_pending(join_request)
    requester = join_request.user
    if requester.enterprise_id not in (None, join_request.enterprise_id):
        raise ServiceError(
            _("申请人已是其他单位的成员，不能批准；请拒绝该申请。"),
            code="has_enterprise",
            status=409,
        )
    requester.enterprise_id = join_request.enterprise_id
    _decide(join_request, "approved", decider)
    _notify_requester(join_request)


def decline_join_request(join_request: JoinRequest, decider: User) -> None:
    _require_pending(join_request)
    _decide(join_request, "declined", decider)
    _notify_requester(join_request)


def cancel_join_request(join_request: JoinRequest, user: User) -> None:
    """The requester withdraws their own pending request."""
    if join_request.user_id != user.id:
        raise ServiceError(_("只能撤回自己的申请。"), code="forbidden", status=403)
    _require_pending(join_request)
    _decide(join_request, "cancelled", user)


def _require_pending(join_request: JoinRequest) -> None:
    if not join_request.pending:
        raise ServiceError(_("该申请已处理。"), code="decided", status=409)


def _decide(join_request: JoinRequest, status: str, user: User) -> None:
    join_request.status = status
    join_request.decided_at = utcnow()
    join_request.decided_by_id = user.id
    db.session.flush()


def _deciders(join_request: JoinRequest) -> list[User]:
    """The enterprise's members; the organizers when it has none (an imported enterprise)."""
    users = members(join_request.enterprise)
    if users:
        return users
    return list(
        db.session.execute(
            db.select(User)
            .where(User.role.in_(("organizer", "admin")), User.active.is_(True))
            .order_by(User.id)
        ).scalars()
    )


def _queue_join_mail(join_request: JoinRequest, recipient: User, notice: str) -> None:
    """One mail about ``join_request`` to ``recipient``, in the recipient's language."""
    with in_recipients_language(recipient) as lang:
        context = {
            "notice": notice,
            "recipient": recipient,
            "requester": join_request.user,
            "enterprise": join_request.enterprise,
            "join_request": join_request,
            "lang": lang,
            "link": (
                external_url("enterprises.members", enterprise_id=join_request.enterprise_id)
                if notice == "requested"
                else external_url("accounts.profile")
            ),
        }
        subjects = {
            "requested": _(
                "%(name)s 申请加入 %(enterprise)s",
                name=join_request.user.name or join_request.user.email,
                enterprise=join_request.enterprise.name,
            ),
            "approved": _("您已加入 %(enterprise)s", enterprise=join_request.enterprise.name),
            "declined": _(
                "您加入 %(enterprise)s 的申请未获通过", enterprise=join_request.enterprise.name
            ),
        }
        subject = subjects[notice]
        text = render_template("enterprises/mail/join_request.txt", **context)
        html = render_template("enterprises/mail/join_request.html", **context)
    queue_mail(
        key=f"join-request:{join_request.id}:{notice}:user:{recipient.id}",
        purpose=f"join_request_{notice}",
        to=recipient.email,
        subject=subject[:255],
        text=text,
        html=html,
        user=recipient,
    )


def _notify_deciders(join_request: JoinRequest) -> None:
    for user in _deciders(join_request):
        _queue_join_mail(join_request, user, "requested")


def _notify_requester(join_request: JoinRequest) -> None:
    _queue_join_mail(join_request, join_request.user, join_request.status)
