"""The audit log as CSV (UTF-8 with BOM, for Excel) or XLSX: Chinese or English headers
and labels (the reader's language), Asia/Shanghai times, no raw codes."""

import csv
import io

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

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
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
#: What a spreadsheet would run as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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


def _guard(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def export(entries, fmt: str) -> bytes:
    if fmt not in MIMETYPES:
        msg = f"unknown export format {fmt!r}"
        raise ValueError(msg)
    header = [str(column) for column in COLUMNS]
    body = rows(entries)
    if fmt == "csv":
        out = io.StringIO(newline="")
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows([[_guard(cell) for cell in row] for row in body])
        return out.getvalue().encode("utf-8-sig")
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "audit"
    sheet.append(header)
    for row in body:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", cell) for cell in row])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if cell.data_type == "f":  # text starting with = is data here, never a formula
                cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
