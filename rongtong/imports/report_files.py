"""The error report: the file staff sent, with an error column, to fix and upload again.

An .xlsx keeps its sheets, formats and other columns (the error cells are filled red); a
.csv comes back as CSV with the column added; a .jsonl line gets an ``错误`` key. Reports
made on the import page wait in the instance folder for a day, for their uploader only.
"""

import csv
import io
import json
import secrets
import time
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from openpyxl import load_workbook
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils import get_column_letter

from ..core.sheets import clean_cell

KEEP_SECONDS = 24 * 3600
ERROR_FILL = PatternFill("solid", start_color="FFF4CCCC", end_color="FFF4CCCC")


def error_header() -> str:
    return _("错误（修改后可重新导入）")


def error_file(raw: bytes, fmt: str, messages: dict[int, list[str]]) -> bytes:
    """``raw`` (the uploaded file) with each line's errors in a new last column."""
    if fmt == "xlsx":
        return _xlsx(raw, messages)
    if fmt == "csv":
        return _csv(raw, messages)
    if fmt == "jsonl":
        return _jsonl(raw, messages)
    msg = f"unknown import format {fmt!r}"
    raise ValueError(msg)


def _xlsx(raw: bytes, messages) -> bytes:
    workbook = load_workbook(io.BytesIO(raw))
    sheet = workbook.worksheets[0]
    column = sheet.max_column + 1
    sheet.cell(row=1, column=column, value=error_header()).fill = ERROR_FILL
    for line, texts in messages.items():
        cell = sheet.cell(row=line, column=column, value=clean_cell("；".join(texts)))
        cell.fill = ERROR_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions[get_column_letter(column)].width = 60
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030")  # as the import read it


def _csv(raw: bytes, messages) -> bytes:
    reader = csv.reader(io.StringIO(_decode(raw), newline=""))
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    first = True
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        if first:
            writer.writerow([*cells, error_header()])
            first = False
            continue
        writer.writerow([*cells, clean_cell("；".join(messages.get(start, [])))])
    return out.getvalue().encode("utf-8-sig")


def _jsonl(raw: bytes, messages) -> bytes:
    lines = []
    for number, text in enumerate(_decode(raw).splitlines(), start=1):
        if number in messages:
            try:
                data = json.loads(text)
            except ValueError:
                data = None
            if isinstance(data, dict):
                text = json.dumps({**data, "错误": "；".join(messages[number])}, ensure_ascii=False)
        lines.append(text + "\n")
    return "".join(lines).encode("utf-8")


def error_filename(filename: str) -> str:
    path = Path(Path(filename or "import.xlsx").name)
    marker = _("错误")
    return f"{path.stem}-{marker}{path.suffix}"


# --- keeping a report for its download ------------------------------------------------------


def _folder() -> Path:
    configured = current_app.config.get("IMPORT_REPORT_DIR")
    folder = Path(configured or Path(current_app.instance_path) / "import-reports")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def keep(user_id: int, data: bytes, filename: str) -> str:
    """Keep ``data`` for ``user_id`` to download; returns its token. Old reports go."""
    folder = _folder()
    cutoff = time.time() - KEEP_SECONDS
    for old in folder.iterdir():
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(16)
    suffix = Path(filename).suffix.lower()
    (folder / f"{user_id}-{token}{suffix}").write_bytes(data)
    (folder / f"{user_id}-{token}.name").write_text(filename, encoding="utf-8")
    return token


def find(user_id: int, token: str) -> tuple[Path, str] | None:
    """The kept report's path and download name, if ``user_id`` made it."""
    if not token.replace("-", "").replace("_", "").isalnum():
        return None
    folder = _folder()
    name_file = folder / f"{user_id}-{token}.name"
    if not name_file.exists():
        return None
    filename = name_file.read_text(encoding="utf-8")
    path = folder / f"{user_id}-{token}{Path(filename).suffix.lower()}"
    return (path, filename) if path.exists() else None


def keep_errors(user_id: int, raw: bytes, filename: str, report) -> str | None:
    """Keep the error report of ``report`` (if it has errors); its token, else None."""
    messages = report.messages_by_line()
    if not messages:
        return None
    fmt = Path(filename).suffix.lower().lstrip(".")
    return keep(user_id, error_file(raw, fmt, messages), error_filename(filename))
