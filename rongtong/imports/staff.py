"""An import as staff send it: their headers and spellings, every error of a row, a dry run.

``run_import`` reads each row into the platform's fields (``headers``, ``values``), checks
it against the import schema and the stored records, and says per line what would be
created, updated or refused. Only a real run then hands the good rows to
``services.import_enterprises`` / ``import_listings``, which write them; a dry run writes
nothing. The caller commits.
"""

from dataclasses import dataclass, field

from flask_babel import gettext as _
from marshmallow import ValidationError

from ..core.services import cached_terms
from ..enterprises.schemas import EnterpriseImportSchema
from ..enterprises.services import find_by_credit_code
from ..listings.schemas import ListingImportSchema, check_listing_update
from ..listings.services import find_by_ref
from . import services
from .headers import COLUMNS, find_column, header_unit, is_ignored
from .values import Lookups, parse_amount, parse_date, split_items

ROW = "_row"


@dataclass
class Line:
    """What became (or would become) of one line of the file."""

    line: int
    #: create, update or refuse
    action: str = "refuse"
    key: str = ""
    name: str = ""
    #: (column as the file names it, message)
    errors: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class StaffImport:
    kind: str
    dry_run: bool
    lines: list[Line] = field(default_factory=list)
    #: Headers of the file that name no column (left out of the import).
    ignored_columns: list[str] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for line in self.lines if line.action == action)

    @property
    def created(self) -> int:
        return self.count("create")

    @property
    def updated(self) -> int:
        return self.count("update")

    @property
    def refused(self) -> list[Line]:
        return [line for line in self.lines if line.action == "refuse"]

    @property
    def errors(self) -> list[tuple[int, str, str]]:
        return [(ln.line, column, msg) for ln in self.lines for column, msg in ln.errors]

    def messages_by_line(self) -> dict[int, list[str]]:
        return {
            ln.line: [f"{column}：{msg}" if column != ROW else msg for column, msg in ln.errors]
            for ln in self.lines
            if ln.errors
        }


def _read_value(column, value, unit: int, lookups: Lookups):
    """One cell into the schema's input for ``column``; ValueError with staff's message."""
    if column.many:
        items = split_items(value)
        if column.values:
            return [lookups[column.values].read(item) for item in items]
        return items
    if isinstance(value, (list, tuple)):
        value = "、".join(str(v) for v in value)
    if column.type == "amount":
        return parse_amount(value, unit)
    if column.type == "date":
        return parse_date(value).isoformat()
    if column.values:
        return lookups[column.values].read(value)
    return value if isinstance(value, str) else str(value)


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def file_headers(kind: str, rows) -> dict[str, str]:
    """Each field's header as the file writes it (a row leaves its blank cells out)."""
    headers: dict[str, str] = {}
    for row in rows:
        for header in row.data or ():
            column = find_column(kind, header)
            if column is not None:
                headers.setdefault(column.field, header)
    return headers


def read_line(kind: str, data: dict, lookups: Lookups, ignored: set[str]):
    """A row's cells as the schema's input, the errors met, and each field's header."""
    values: dict = {}
    errors: dict[str, list[str]] = {}
    headers: dict[str, str] = {}
    for header, value in data.items():
        column = find_column(kind, header)
        if column is None:
            if not is_ignored(kind, header):
                ignored.add(header)
            continue
        if column.field in headers:
            errors.setdefault(column.field, []).append(
                _("“%(a)s”与“%(b)s”是同一列。", a=headers[column.field], b=header)
            )
            continue
        headers[column.field] = header
        if _blank(value):
            continue
        try:
            values[column.field] = _read_value(column, value, header_unit(header), lookups)
        except ValueError as exc:
            errors.setdefault(column.field, []).append(str(exc))
    return values, errors, headers


def _flatten(messages, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(messages, dict):
        out = []
        for key, value in messages.items():
            name = ROW if key == "_schema" else str(key).split(".")[0]
            out.extend(_flatten(value, prefix or name))
        return out
    if isinstance(messages, (list, tuple)):
        return [item for message in messages for item in _flatten(message, prefix)]
    return [(prefix or ROW, str(messages))]


SCHEMAS = {"enterprises": EnterpriseImportSchema, "listings": ListingImportSchema}
KEYS = {"enterprises": "credit_code", "listings": "ref"}
NAMES = {"enterprises": "name", "listings": "title"}


def _classify(kind: str, loaded: dict) -> str:
    """create or update, checking what the stored record allows (listings)."""
    if kind == "enterprises":
        return "create" if find_by_credit_code(loaded["credit_code"]) is None else "update"
    listing = find_by_ref(loaded["ref"])
    if listing is None:
        return "create"
    if listing.enterprise_id != loaded["enterprise"].id:
        raise ValidationError(
            {"ref": [_("编号 %(ref)s 已被其他单位的条目使用。", ref=loaded["ref"])]}
        )
    check_listing_update(listing, {k: v for k, v in loaded.items() if k != "status"})
    return "update"


def plan_rows(kind: str, rows: list[services.Row]) -> tuple[StaffImport, dict[int, dict]]:
    """Every line's fate and errors, and the good lines' schema input; writes nothing."""
    report = StaffImport(kind=kind, dry_run=True)
    lookups = Lookups()
    ignored: set[str] = set()
    schema = SCHEMAS[kind]()
    key_field = KEYS[kind]
    seen: dict[str, int] = {}
    good: dict[int, dict] = {}
    in_file = file_headers(kind, rows)
    for row in rows:
        line = Line(row.line)
        report.lines.append(line)
        if row.error is not None:
            line.errors.append((ROW, row.error))
            continue
        values, errors, headers = read_line(kind, row.data, lookups, ignored)

        def header(name, headers=headers):
            return headers.get(name) or in_file.get(name) or column_header(kind, name)

        for name, messages in errors.items():
            line.errors.extend((header(name), m) for m in messages)
        try:
            loaded = schema.load(values)
        except ValidationError as exc:
            loaded = None
            for name, message in _flatten(exc.messages):
                if name not in errors:  # a cell that could not be read is reported once
                    line.errors.append((header(name), message))
        key = (loaded or {}).get(key_field) or str(values.get(key_field) or "").strip()
        line.key = str(key)
        line.name = str(values.get(NAMES[kind]) or "")
        if key:
            if key in seen:
                line.errors.append(
                    (
                        header(key_field),
                        _("与第 %(line)d 行重复（同一文件中只能出现一次）。", line=seen[key]),
                    )
                )
            else:
                seen[key] = row.line
        if line.errors or loaded is None:
            continue
        try:
            line.action = _classify(kind, loaded)
        except ValidationError as exc:
            line.errors.extend((header(n), m) for n, m in _flatten(exc.messages))
            continue
        good[row.line] = values
    report.ignored_columns = sorted(ignored)
    return report, good


IMPORTERS = {"enterprises": services.import_enterprises, "listings": services.import_listings}


def run_import(
    kind: str, rows, *, actor=None, dry_run: bool = False, checkpoint=None, batch_rows: int = 500
) -> StaffImport:
    """Plan the rows; unless ``dry_run``, write the good ones. Never commits itself; a
    ``checkpoint(written, line)`` (the CLI's) is called every ``batch_rows`` written rows."""
    if kind not in COLUMNS:
        msg = f"unknown import kind {kind!r}"
        raise ValueError(msg)
    with cached_terms():
        report, good = plan_rows(kind, list(rows))
        report.dry_run = dry_run
        if dry_run or not good:
            return report
        good_rows = [services.Row(n, data) for n, data in good.items()]
        written = IMPORTERS[kind](
            good_rows, actor=actor, checkpoint=checkpoint, batch_rows=batch_rows
        )
    by_line = {line.line: line for line in report.lines}
    for number, name, message in written.errors:
        line = by_line[number]
        line.action = "refuse"
        line.errors.append((column_header(kind, name), message))
    return report


def column_header(kind: str, name: str) -> str:
    """The header of the platform's field ``name`` in the reader's language (ROW if none)."""
    column = next((c for c in COLUMNS[kind] if c.field == name), None)
    return column.header if column is not None else ROW
