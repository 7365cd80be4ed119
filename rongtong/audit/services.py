"""Recording organizer and admin actions, and reading them back with labels. Never commits.

Each place where such an action happens calls ``record`` (or wraps the change in
``tracked``) in the same transaction as the change: an action rolled back leaves no entry,
and no committed change lacks one. Entries hold raw values (codes, numbers); the labels a
reader sees are chosen when the entry is shown, in the reader's language.
"""

import contextlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..core.labels import LABELS
from ..extensions import db
from .models import AuditEntry

#: Action code → label. The part before the dot is the object's type.
ACTIONS = {
    "enterprise.verify": _l("通过单位审核"),
    "enterprise.unverify": _l("撤销单位审核"),
    "enterprise.reject": _l("驳回单位审核"),
    "enterprise.request_info": _l("要求单位补充资料"),
    "enterprise.merge": _l("合并重复单位"),
    "listing.unpublish": _l("下架条目"),
    "user.role": _l("修改用户角色"),
    "taxonomy.edit": _l("编辑分类词表"),
    "programme.settings": _l("修改年度计划设置"),
    "event.budget": _l("修改活动预算"),
    "event.status": _l("修改活动状态"),
    "event.message": _l("给报名单位群发邮件"),
    "import.run": _l("批量导入"),
}

OBJECT_TYPES = {
    "enterprise": _l("单位"),
    "listing": _l("条目"),
    "user": _l("用户"),
    "taxonomy": _l("分类词表"),
    "programme": _l("年度计划"),
    "event": _l("活动"),
    "import": _l("导入文件"),
}

#: Object types only admins read: accounts and their roles.
ADMIN_ONLY_TYPES = ("user",)

FIELD_LABELS = {
    "verified": _l("已认证"),
    "review_status": _l("审核状态"),
    "status": _l("状态"),
    "role": _l("角色"),
    "budget": _l("预算（元）"),
    "code": _l("代码"),
    "label_zh": _l("中文名称"),
    "label_en": _l("英文名称"),
    "position": _l("排序"),
    "active": _l("启用"),
    "roadshow_budget_cap": _l("一月一链路演年度预算上限（元）"),
    "matchmaking_budget_cap": _l("专项供需对接年度预算上限（元）"),
    "matchmaking_target": _l("专项供需对接年度场次目标"),
    "roadshow_target": _l("路演年度场次目标"),
    "target": _l("导入对象"),
    "filename": _l("文件"),
    "created": _l("新建"),
    "updated": _l("更新"),
    "failed": _l("失败行数"),
    "name": _l("单位名称"),
    "credit_code": _l("统一社会信用代码"),
    "members": _l("成员"),
    "listings": _l("条目"),
    "proposals": _l("方案"),
    "registrations": _l("活动报名"),
    "join_requests": _l("加入申请"),
    "other_references": _l("其他关联记录"),
}

#: (object type, field) → value → label; values not listed are shown as they are.
VALUE_LABELS = {
    ("enterprise", "review_status"): LABELS["review_status"],
    ("listing", "status"): LABELS["listing_status"],
    ("event", "status"): LABELS["event_status"],
    ("user", "role"): LABELS["role"],
    ("import", "target"): {"enterprises": _l("单位"), "listings": _l("需求与能力")},
}


def record(actor, action: str, obj=None, before=None, after=None, note: str = ""):
    """Add an entry for ``actor`` doing ``action`` to ``obj``; flushes, never commits.

    ``before`` and ``after`` map field names to raw values. An action that changed nothing
    (``before == after``, both given) is not recorded and returns None.
    """
    if action not in ACTIONS:
        msg = f"unknown audit action {action!r}"
        raise ValueError(msg)
    before, after = _plain(before or {}), _plain(after or {})
    if before and before == after:
        return None
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        actor_label=_actor_label(actor),
        action=action,
        object_type=action.split(".", 1)[0],
        object_id=_object_id(obj),
        object_label=_object_label(obj)[:255],
        before=before,
        after=after,
        note=(note or "")[:5000],
    )
    db.session.add(entry)
    db.session.flush()
    return entry


@contextlib.contextmanager
def tracked(actor, action: str, obj=None, fields=(), *, read=None, note: str = ""):
    """Record ``action`` if the body changes ``obj``'s ``fields`` (or what ``read()``
    returns); only the changed values go in. Nothing is recorded if the body raises."""

    def snapshot() -> dict:
        return _plain(read() if read is not None else {f: getattr(obj, f) for f in fields})

    before = snapshot()
    yield
    after = snapshot()
    changed = [key for key in after if before.get(key) != after[key]]
    if changed:
        record(
            actor,
            action,
            obj,
            {key: before.get(key) for key in changed},
            {key: after[key] for key in changed},
            note,
        )


def _plain(values: dict) -> dict:
    """Values JSON can hold: taxonomy rows by code, dates as ISO text."""
    out = {}
    for key, value in values.items():
        if hasattr(value, "code") and hasattr(value, "label_zh"):
            value = value.code
        elif isinstance(value, (date, datetime)):
            value = value.isoformat()
        elif isinstance(value, dict):
            value = _plain(value)
        elif value is not None and not isinstance(value, (bool, int, float, str)):
            value = str(value)
        out[str(key)] = value
    return out


def _actor_label(actor) -> str:
    if actor is None or not getattr(actor, "id", None):
        return ""
    name, email = getattr(actor, "name", "") or "", getattr(actor, "email", "") or ""
    return f"{name} <{email}>" if name else email


def _object_id(obj) -> str:
    if obj is None:
        return ""
    value = getattr(obj, "id", None)
    if value is None:
        value = getattr(obj, "key", None)
    return "" if value is None else str(value)


def _object_label(obj) -> str:
    for attribute in ("name", "title", "label_zh", "email", "key"):
        value = getattr(obj, attribute, None)
        if value:
            return str(value)
    return ""


# --- reading --------------------------------------------------------------------------------


@dataclass
class Filters:
    actor_id: int | None = None
    action: str | None = None
    object_type: str | None = None
    #: Asia/Shanghai dates, both included.
    date_from: date | None = None
    date_to: date | None = None


def _utc_start_of(day: date) -> datetime:
    """The UTC instant at which ``day`` begins in the platform's time zone."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    local = datetime(day.year, day.month, day.day, tzinfo=zone)
    return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def entries_statement(filters: Filters, *, admin: bool):
    """The entries ``filters`` select, newest first; organizers do not see admin-only ones."""
    stmt = db.select(AuditEntry)
    if not admin:
        stmt = stmt.where(AuditEntry.object_type.not_in(ADMIN_ONLY_TYPES))
    if filters.actor_id is not None:
        stmt = stmt.where(AuditEntry.actor_id == filters.actor_id)
    if filters.action:
        stmt = stmt.where(AuditEntry.action == filters.action)
    if filters.object_type:
        stmt = stmt.where(AuditEntry.object_type == filters.object_type)
    if filters.date_from is not None:
        stmt = stmt.where(AuditEntry.created_at >= _utc_start_of(filters.date_from))
    if filters.date_to is not None:
        stmt = stmt.where(AuditEntry.created_at < _utc_start_of(filters.date_to + timedelta(1)))
    return stmt.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())


def actors(*, admin: bool) -> list[tuple[int, str]]:
    """(id, label) of everyone with an entry the reader may see, for the filter."""
    stmt = db.select(AuditEntry.actor_id, db.func.max(AuditEntry.actor_label)).where(
        AuditEntry.actor_id.is_not(None)
    )
    if not admin:
        stmt = stmt.where(AuditEntry.object_type.not_in(ADMIN_ONLY_TYPES))
    rows = db.session.execute(stmt.group_by(AuditEntry.actor_id)).all()
    return sorted(((row[0], row[1]) for row in rows), key=lambda row: row[1])


def local_time(entry: AuditEntry) -> datetime:
    """When it happened, in the platform's time zone."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    return entry.created_at.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone)


def action_label(action: str) -> str:
    label = ACTIONS.get(action)
    return str(label) if label is not None else _("其他操作")


def object_type_label(object_type: str) -> str:
    label = OBJECT_TYPES.get(object_type)
    return str(label) if label is not None else _("其他")


def actor_text(entry: AuditEntry) -> str:
    return entry.actor_label or _("系统（命令行或定时任务）")


def value_text(object_type: str, field: str, value) -> str:
    """A raw value as a reader should see it: a label for a code, 是/否, thousands."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, int):
        return f"{value:,}"
    labels = VALUE_LABELS.get((object_type, field))
    if labels is not None and value in labels:
        return str(labels[value])
    return str(value)


def changes(entry: AuditEntry) -> list[tuple[str, str, str]]:
    """(field label, before, after) for each field the entry holds."""
    keys = list(dict.fromkeys([*(entry.before or {}), *(entry.after or {})]))
    return [
        (
            str(FIELD_LABELS.get(key, _("其他"))),
            value_text(entry.object_type, key, (entry.before or {}).get(key)),
            value_text(entry.object_type, key, (entry.after or {}).get(key)),
        )
        for key in keys
    ]


def changes_text(entry: AuditEntry) -> str:
    """The changes on one line: 状态：报名中 → 已取消；预算（元）：0 → 10,000."""
    return _("；").join(
        _("%(field)s：%(old)s → %(new)s", field=label, old=old, new=new)
        for label, old, new in changes(entry)
    )
