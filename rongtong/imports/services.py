"""Import of enterprises and listings (.jsonl, .csv, .xlsx). Never commits.

Rows are validated by the same schemas as the JSON API, and each row is applied inside
its own SAVEPOINT: good rows go in, a bad row changes nothing and is reported with its
line number. The caller (CLI command, upload page, ``flask seed``) commits; a long import
passes a ``checkpoint`` that commits every ``batch_rows`` rows, so that a crash keeps what
was done (rows are keyed by credit code or ``ref``: a re-run updates them, never
duplicates) and other writers wait for a batch, not for the whole file.
"""

import csv
import io
import json
import os
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from marshmallow import ValidationError
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy.exc import SQLAlchemyError

from ..core.schemas import LIST_SEPARATORS
from ..core.services import ServiceError
from ..core.sheets import unguard
from ..core.time import utcnow
from ..enterprises.models import Enterprise
from ..enterprises.schemas import ENTERPRISE_DEFAULTS, EnterpriseImportSchema
from ..enterprises.services import (
    NameIndex,
    apply_profile,
    find_by_credit_code,
    unverify_enterprise,
    verify_enterprise,
)
from ..extensions import db
from ..listings.models import Listing
from ..listings.schemas import LISTING_DEFAULTS, ListingImportSchema, check_listing_update
from ..listings.services import apply_listing, find_by_ref, set_status

FORMATS = ("jsonl", "csv", "xlsx")
#: Columns of a cell that holds a list (CSV/XLSX): items separated by , ， 、 or ;.
LIST_COLUMNS = {"chains", "keywords"}
MAX_ROWS = 100_000


class ImportFileError(ValueError):
    """The file as a whole cannot be read (type, encoding, not a workbook, no header)."""


@dataclass
class Row:
    """One record of an import file; ``error`` is set when the line itself is unreadable."""

    line: int
    data: dict | None
    error: str | None = None


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    #: (line, field, message); a row may have several.
    errors: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def failed_lines(self) -> list[int]:
        return sorted({line for line, _, _ in self.errors})

    def add_messages(self, line: int, messages, prefix: str = "") -> None:
        """Flatten marshmallow's messages into (line, field, message) entries."""
        if isinstance(messages, dict):
            for key, value in messages.items():
                name = "_row" if key == "_schema" else str(key)
                self.add_messages(line, value, f"{prefix}.{name}" if prefix else name)
        elif isinstance(messages, (list, tuple)):
            for message in messages:
                self.add_messages(line, message, prefix)
        else:
            self.errors.append((line, prefix or "_row", str(messages)))


# --- reading ---------------------------------------------------------------------------------


def read_rows(source, *, filename: str | None = None) -> list[Row]:
    """The rows of a .jsonl, .csv or .xlsx file, with their line numbers.

    ``source`` is a path, or a binary stream together with its ``filename``.
    """
    name = filename if filename is not None else os.fspath(source)
    fmt = Path(name).suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ImportFileError(f"不支持的文件类型“.{fmt}”；请使用 .jsonl、.csv 或 .xlsx。")
    raw = Path(source).read_bytes() if isinstance(source, (str, os.PathLike)) else source.read()
    if fmt == "jsonl":
        return _jsonl_rows(_decode(raw))
    if fmt == "csv":
        return _tabular(_csv_records(_decode(raw, fallback="gb18030")))
    check_xlsx_size(raw)
    return _tabular(_xlsx_records(raw))


#: A shared string's element, ``<si>`` (or with a namespace prefix), in sharedStrings.xml.
_SHARED_STRING = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,30}:)?si[\s>/]")
#: Bytes kept between chunks so that a tag split across two is counted once: longer than
#: any match of ``_SHARED_STRING``.
_CARRY = 64
_MAX_MEMBERS = 10_000


def check_xlsx_size(raw: bytes) -> None:
    """Refuse a workbook that would cost too much to open, before openpyxl parses it.

    A few hundred KB can expand to hundreds of MB of XML (the review's 438 KB took 18 s and
    230 MB). The limits are on what the zip directory declares: Python's zipfile (which
    openpyxl reads through) never yields more than a member's declared size, and fails a
    member whose data does not match it. The shared strings are counted in a stream, so the
    check itself holds no more than a chunk in memory.
    """
    config = current_app.config
    max_bytes = int(config["IMPORT_XLSX_MAX_UNCOMPRESSED"])
    max_strings = int(config["IMPORT_XLSX_MAX_SHARED_STRINGS"])
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = archive.infolist()
            if len(members) > _MAX_MEMBERS:
                raise ImportFileError(_("该 .xlsx 文件的结构异常（部件过多），无法导入。"))
            if sum(m.file_size for m in members) > max_bytes:
                raise ImportFileError(
                    _(
                        "该 .xlsx 文件解压后超过 %(mb)d MB，请删去多余的工作表或拆分后导入。",
                        mb=max_bytes // (1024 * 1024),
                    )
                )
            for member in _shared_string_parts(archive, members):
                with archive.open(member) as stream:
                    if _count_shared_strings(stream, max_strings) > max_strings:
                        raise ImportFileError(
                            _(
                                "该 .xlsx 文件含有超过 %(n)d 个不同的文本，请拆分后导入。",
                                n=max_strings,
                            )
                        )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError) as exc:
        raise ImportFileError("无法读取该 .xlsx 文件（文件损坏或不是 Excel 工作簿）。") from exc


def _shared_string_parts(archive: zipfile.ZipFile, members) -> list[zipfile.ZipInfo]:
    """The usual xl/sharedStrings.xml and any part [Content_Types].xml declares as one."""
    declared = {"xl/sharedstrings.xml"}
    types = next((m for m in members if m.filename == "[Content_Types].xml"), None)
    if types is not None:
        text = archive.read(types).decode("utf-8", "replace")
        for tag in re.findall(r"<Override\b[^>]*>", text):
            if "sharedStrings" in tag:
                part = re.search(r'PartName="/?([^"]+)"', tag)
                if part:
                    declared.add(part.group(1).lower())
    return [m for m in members if m.filename.lower() in declared]


def _count_shared_strings(stream, limit: int) -> int:
    """How many ``<si>`` elements ``stream`` holds, stopping once past ``limit``."""
    count, carry = 0, b""
    while chunk := stream.read(1 << 20):
        buffer = carry + chunk
        cut = max(len(buffer) - _CARRY, 0)
        count += sum(1 for match in _SHARED_STRING.finditer(buffer) if match.start() < cut)
        carry = buffer[cut:]
        if count > limit:
            return count
    return count + len(_SHARED_STRING.findall(carry))


def _decode(raw: bytes, fallback: str | None = None) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if fallback:
            try:
                return raw.decode(fallback)  # CSV saved by Excel on a Chinese Windows
            except UnicodeDecodeError:
                pass
        raise ImportFileError("文件不是 UTF-8 编码的文本。") from exc


def _jsonl_rows(text: str) -> list[Row]:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except (ValueError, RecursionError) as exc:
            rows.append(Row(number, None, f"该行不是有效的 JSON：{str(exc)[:120]}"))
            continue
        if not isinstance(data, dict):
            rows.append(Row(number, None, "每行应为一个 JSON 对象。"))
            continue
        rows.append(Row(number, data))
        _check_size(rows)
    return rows


def _check_size(rows):
    if len(rows) > MAX_ROWS:
        raise ImportFileError(f"文件超过 {MAX_ROWS} 行，请拆分后导入。")


def _csv_records(text: str):
    """(line, cells) of each record; a quoted cell may span lines, the record's first counts."""
    reader = csv.reader(io.StringIO(text, newline=""))
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportFileError(f"第 {start} 行附近的 CSV 格式有误：{exc}") from exc
        yield start, cells


def _xlsx_records(raw: bytes):
    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ImportFileError("无法读取该 .xlsx 文件（文件损坏或不是 Excel 工作簿）。") from exc
    try:
        if not workbook.worksheets:
            raise ImportFileError("工作簿中没有工作表。")
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell_text(v) for v in values]
    finally:
        workbook.close()


def _cell_text(value) -> str:
    """A spreadsheet cell as the text a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _tabular(records) -> list[Row]:
    """Rows of a table whose first row names the columns; empty cells are left out."""
    header: list[str] | None = None
    rows: list[Row] = []
    for number, cells in records:
        if header is None:
            header = [str(c).strip().lstrip("\ufeff") for c in cells]
            names = [h for h in header if h]
            if not names:
                raise ImportFileError("第一行应为表头（列名）。")
            duplicates = sorted({h for h in names if names.count(h) > 1})
            if duplicates:
                raise ImportFileError(f"表头中的列名重复：{', '.join(duplicates)}")
            continue
        if not any(str(c).strip() for c in cells):
            continue
        extra = [c for c in cells[len(header) :] if str(c).strip()]
        if extra:
            rows.append(Row(number, None, "该行的列数多于表头。"))
            continue
        data = {}
        for name, cell in zip(header, cells, strict=False):
            value = unguard(str(cell).strip())
            if not name or value == "":
                continue
            if name in LIST_COLUMNS:
                data[name] = [w.strip() for w in LIST_SEPARATORS.split(value) if w.strip()]
            else:
                data[name] = value
        rows.append(Row(number, data))
        _check_size(rows)
    if header is None:
        raise ImportFileError("文件是空的。")
    return rows


# --- importing -------------------------------------------------------------------------------


def _apply_row(report: ImportReport, row: Row, schema, apply) -> None:
    """Validate one row and apply it in a SAVEPOINT; failures become report errors."""
    if row.error is not None:
        report.errors.append((row.line, "_row", row.error))
        return
    try:
        data = schema.load(row.data)
    except ValidationError as exc:
        report.add_messages(row.line, exc.messages)
        return
    try:
        with db.session.begin_nested():
            created = apply(data)
    except ValidationError as exc:
        report.add_messages(row.line, exc.messages)
    except ServiceError as exc:
        report.errors.append((row.line, exc.field or "_row", str(exc.message)))
    except SQLAlchemyError as exc:
        report.errors.append((row.line, "_row", f"数据库拒绝了该行：{type(exc).__name__}"))
    else:
        if created:
            report.created += 1
        else:
            report.updated += 1


def _apply_rows(report, rows, schema, apply, checkpoint, batch_rows: int) -> None:
    """Every row in turn; ``checkpoint(report, line)`` after each ``batch_rows`` rows."""
    for done, row in enumerate(rows, start=1):
        _apply_row(report, row, schema, apply)
        if checkpoint is not None and done % batch_rows == 0:
            checkpoint(report, row.line)


def import_enterprises(rows, *, actor=None, checkpoint=None, batch_rows=500) -> ImportReport:
    """Create or update enterprises, keyed by credit code."""
    report = ImportReport()
    schema = EnterpriseImportSchema()
    names = NameIndex()

    def apply(data: dict) -> bool:
        verified = data.pop("verified", None)
        enterprise = find_by_credit_code(data["credit_code"])
        created = enterprise is None
        enterprise = apply_profile(
            enterprise or Enterprise(), {**ENTERPRISE_DEFAULTS, **data}, reviewed=True, names=names
        )
        if verified and not enterprise.verified:
            if actor is not None:
                verify_enterprise(enterprise, actor)
            else:  # a CLI import or the seed: no one to name as the verifier
                enterprise.verified_at = utcnow()
        elif verified is False and enterprise.verified:
            unverify_enterprise(enterprise, actor)
        db.session.flush()
        return created

    _apply_rows(report, rows, schema, apply, checkpoint, batch_rows)
    return report


def import_listings(rows, *, actor=None, checkpoint=None, batch_rows=500) -> ImportReport:
    """Create or update listings, keyed by ``ref`` within their enterprise."""
    report = ImportReport()
    schema = ListingImportSchema()

    def apply(data: dict) -> bool:
        status = data.pop("status", None)
        data = {**LISTING_DEFAULTS, **data}
        listing = find_by_ref(data["ref"])
        if listing is not None and listing.enterprise_id != data["enterprise"].id:
            raise ServiceError(
                f"编号 {data['ref']} 已被其他单位的条目使用。", field="ref", code="ref_taken"
            )
        if listing is not None:
            check_listing_update(listing, data)
        created = listing is None
        listing = apply_listing(listing or Listing(), data, user=actor)
        if status is not None:
            set_status(listing, status, new=created)
        db.session.flush()
        return created

    _apply_rows(report, rows, schema, apply, checkpoint, batch_rows)
    return report


def report_summary(report, target: str, filename: str) -> dict:
    """What the audit log keeps of an import run (an ``ImportReport`` or ``StaffImport``)."""
    failed = report.refused if hasattr(report, "refused") else report.failed_lines
    return {
        "target": target,
        "filename": filename or "",
        "created": report.created,
        "updated": report.updated,
        "failed": len(failed),
    }
