"""The audit log as CSV (UTF-8 with BOM, for Excel) or XLSX: Chinese or English headers
and labels (the reader's language), Asia/Shanghai times, no raw codes."""

from flask_babel import lazy_gettext as _l

from ..core import sheets
from . import services

COLUMNS = (
    _l("时间（北京时间）"),
    _l("操作人"),
    _l("操作"),
    _l("对象类型"),
    _l("对象"),
    _l("变更（之前 → 之后）"),
    _l("说明"),
)
MIMETYPES = sheets.MIMETYPES


def rows(entries) -> list[list[str]]:
    return [
        [
            services.local_time(entry).strftime("%Y-%m-%d %H:%M:%S"),
            services.actor_text(entry),
            services.action_label(entry.action),
            services.object_type_label(entry.object_type),
            entry.object_label or entry.object_id,
            services.changes_text(entry),
            entry.note,
        ]
        for entry in entries
    ]


def export(entries, fmt: str) -> bytes:
    """The entries as a CSV or XLSX file, cleaned like every other export (core.sheets)."""
    return sheets.write(fmt, "audit", [str(column) for column in COLUMNS], rows(entries))
