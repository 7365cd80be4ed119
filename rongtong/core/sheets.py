"""Every spreadsheet the platform hands out (CSV or XLSX) goes through here.

Cells are cleaned once: control characters that Excel cannot hold (or that hide text) are
dropped, and text a spreadsheet would run as a formula (= + - @) gets a leading ', which
Excel shows as text and the import strips again (``unguard``).
"""

import csv
import io
import re
from datetime import date, datetime

from openpyxl import Workbook

from .time import local_today

#: What a spreadsheet would run as a formula at the start of a cell (OWASP's list).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: C0 controls but tab and newline, DEL and the C1 controls.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def clean_cell(value):
    """One cell as it may go into a CSV or XLSX: text cleaned and guarded, numbers kept."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return value  # callers label booleans; a bare one stays TRUE/FALSE
    if isinstance(value, (int, float, date, datetime)):
        return value
    text = CONTROL_RE.sub("", str(value).replace("\r\n", "\n").replace("\r", "\n"))
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def unguard(value: str) -> str:
    """Undo the formula guard on a cell read back in: '=SUM… → =SUM…."""
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_START:
        return value[1:]
    return value


def to_csv(header, rows) -> bytes:
    """UTF-8 with a BOM, so that Excel on a Chinese Windows reads it as UTF-8."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow([clean_cell(h) for h in header])
    for row in rows:
        writer.writerow([clean_cell(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(title: str, header, rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = CONTROL_RE.sub("", str(title))[:31] or "Sheet1"
    sheet.append([clean_cell(h) for h in header])
    for row in rows:
        sheet.append([clean_cell(v) for v in row])
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def write(fmt: str, title: str, header, rows) -> bytes:
    if fmt == "csv":
        return to_csv(header, rows)
    if fmt == "xlsx":
        return to_xlsx(title, header, rows)
    msg = f"unknown spreadsheet format {fmt!r}"
    raise ValueError(msg)


def dated_filename(stem: str, fmt: str, today: date | None = None) -> str:
    """``stem-2026-12-08.fmt``, dated by the platform's day (Asia/Shanghai), not UTC."""
    return f"{stem}-{(today or local_today()).isoformat()}.{fmt}"


def to_xlsx_book(sheets) -> bytes:
    """A workbook of several sheets: ``sheets`` is a list of (title, header, rows)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(CONTROL_RE.sub("", str(title))[:31] or "Sheet")
        sheet.append([clean_cell(h) for h in header])
        for row in rows:
            sheet.append([clean_cell(v) for v in row])
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
