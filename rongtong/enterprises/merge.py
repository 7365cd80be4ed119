"""Merging a near-duplicate enterprise into the original. Never commits.

Every row that refers to the duplicate is moved to the original, whichever table holds it:
the references are read from the metadata, so a table added later is moved too. Where a
unique key would then hold two rows (both enterprises in one chain, both invited to one
event) the duplicate's row says nothing new and goes; where the rows carry their own
history (both registered for one event, both answered one challenge) the merge is refused,
for the organizer to settle first. The duplicate is then deleted; the audit entry keeps its
name and credit code; the duplicate's members are told which enterprise they are now in, the
kept enterprise's members who joined them.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, Table, UniqueConstraint, and_, exists, false, func, or_
from sqlalchemy.orm import aliased

from ..audit import services as audit
from ..core.services import ServiceError
from ..core.time import utcnow
from ..extensions import db
from ..notifications.services import notify
from .models import Enterprise
from .services import members

#: Tables where the duplicate's row repeats one the original has: the original's stays.
REDUNDANT = {"enterprise_chains", "challenge_terms_acceptances", "event_invitations"}

#: Table → the key the audit log counts its moved rows under (others: other_references).
AUDIT_KEYS = {
    "users": "members",
    "listings": "listings",
    "proposals": "proposals",
    "registrations": "registrations",
    "join_requests": "join_requests",
}

#: What a refused table holds, for the message.
CONFLICT_LABELS = {
    "registrations": _l("活动报名（两家报名了同一场活动）"),
    "proposals": _l("揭榜方案（两家向同一条需求提交了方案）"),
}


def enterprise_references() -> list[tuple[Table, Column]]:
    """Every (table, column) whose foreign key points at ``enterprises.id``."""
    return [
        (table, fk.parent)
        for table in db.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table.name == "enterprises" and fk.column.name == "id"
    ]


def reference_counts(enterprise_id: int) -> dict[str, int]:
    """Rows per ``table.column`` that refer to the enterprise."""
    return {
        f"{table.name}.{column.name}": db.session.execute(
            db.select(func.count()).select_from(table).where(column == enterprise_id)
        ).scalar_one()
        for table, column in enterprise_references()
    }


def needs_confirmation(duplicate: Enterprise, original: Enterprise) -> bool:
    """Two verified enterprises with different credit codes: two firms, on paper."""
    return (
        duplicate.verified and original.verified and duplicate.credit_code != original.credit_code
    )


def merge_enterprises(
    duplicate: Enterprise, original: Enterprise, organizer, *, confirmed: bool = False
) -> dict[str, int]:
    """Move everything of ``duplicate`` to ``original`` and delete it; returns the moved
    rows per audit key. Raises ServiceError, changing nothing, when it may not merge."""
    if duplicate.id == original.id:
        raise ServiceError(_("不能把单位与自身合并。"), code="same")
    if needs_confirmation(duplicate, original) and not confirmed:
        raise ServiceError(
            _("两家单位都已认证且信用代码不同；确认是同一家单位后请勾选确认框。"),
            field="same_enterprise",
            code="confirm_required",
            status=409,
        )
    db.session.flush()
    references = enterprise_references()
    for table, column in references:
        if table.name not in REDUNDANT and _conflicts(table, column, duplicate.id, original.id):
            what = CONFLICT_LABELS.get(table.name, _("其他关联记录"))
            raise ServiceError(
                _("两家单位的%(what)s重复，请先处理其中一家的记录再合并。", what=what),
                code="conflict",
                status=409,
            )
    before = {"name": duplicate.name, "credit_code": duplicate.credit_code}
    moved_members = members(duplicate)
    kept_members = members(original)
    moved: dict[str, int] = {}
    for table, column in references:
        if table.name in REDUNDANT:
            db.session.execute(
                table.delete().where(column == duplicate.id, _clash(table, column, original.id))
            )
        stmt = table.update().where(column == duplicate.id).values({column.name: original.id})
        if table.name == "enterprises":  # the original was flagged as the duplicate's twin
            db.session.execute(
                table.update()
                .where(table.c.id == original.id, column == duplicate.id)
                .values({column.name: None})
            )
        count = db.session.execute(stmt).rowcount or 0
        key = AUDIT_KEYS.get(table.name, "other_references")
        moved[key] = moved.get(key, 0) + count
    # The rows changed under the ORM's feet: read them again rather than trust the session.
    db.session.expire_all()
    db.session.delete(duplicate)
    db.session.flush()
    after = {"name": original.name, "credit_code": original.credit_code, **moved}
    audit.record(organizer, "enterprise.merge", original, before, after)
    # The duplicate's members learn where they are now; the kept enterprise's, who may now act
    # in its name.
    merged_at = f"{utcnow():%Y%m%d%H%M%S%f}"
    for people, kind, endpoint in (
        (moved_members, "enterprise_merged", "enterprises.detail"),
        (kept_members, "enterprise_merged_in", "enterprises.members"),
    ):
        notify(
            people,
            kind=kind,
            key=f"{kind}:{before['credit_code']}:{original.id}:{merged_at}",
            params={"duplicate": before["name"], "name": original.name},
            endpoint=endpoint,
            values={"enterprise_id": original.id},
        )
    return moved


def _unique_partners(table: Table, column: Column) -> list[list[Column]]:
    """For each unique key of ``table`` that includes ``column``: its other columns.
    Partial unique indexes are left out: they cover a few rows by status, not this key."""
    keys = [table.primary_key, *(c for c in table.constraints if isinstance(c, UniqueConstraint))]
    keys += [index for index in table.indexes if index.unique and not _partial(index)]
    return [
        [c for c in key.columns if c.name != column.name]
        for key in keys
        if column.name in {c.name for c in key.columns}
    ]


def _partial(index) -> bool:
    return any(
        index.dialect_options[name].get("where") is not None for name in ("postgresql", "sqlite")
    )


def _clash(table: Table, column: Column, original_id: int):
    """Rows of ``table`` whose unique key would clash once ``column`` is ``original_id``."""
    clauses = []
    for others in _unique_partners(table, column):
        twin = aliased(table)
        clauses.append(
            exists().where(
                twin.c[column.name] == original_id,
                *(twin.c[c.name] == c for c in others),
            )
        )
    return or_(*clauses) if clauses else false()


def _conflicts(table: Table, column: Column, duplicate_id: int, original_id: int) -> bool:
    clash = _clash(table, column, original_id)
    return (
        db.session.execute(
            db.select(func.count()).select_from(table).where(and_(column == duplicate_id, clash))
        ).scalar_one()
        > 0
    )
