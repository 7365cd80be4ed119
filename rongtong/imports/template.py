"""The template of each import kind: an XLSX staff fill in and upload as it is.

Sheet 1 has the headers (required ones marked *), a drop-down for every column with a set
of values, and room for rows; sheet 2 explains each column with an example; a hidden third
sheet holds the drop-downs' values (the labels, in the reader's language).
"""

import io

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ..core.labels import LABELS
from ..core.sheets import clean_cell
from ..extensions import db
from ..taxonomy.models import VOCABULARIES
from .headers import COLUMNS

ROWS = 2000
REQUIRED_FILL = PatternFill("solid", start_color="FFFCE4B6", end_color="FFFCE4B6")
HEADER_FILL = PatternFill("solid", start_color="FFDDEBF7", end_color="FFDDEBF7")


def value_labels(name: str) -> list[str]:
    """The labels a column's drop-down offers, in the reader's language."""
    if name in VOCABULARIES:
        model = VOCABULARIES[name]
        terms = db.session.execute(
            db.select(model).where(model.active.is_(True)).order_by(model.position)
        ).scalars()
        return [term.label for term in terms]
    return [str(text) for text in LABELS[name].values()]


def build_template(kind: str) -> bytes:
    """The XLSX template for ``kind`` (enterprises or listings)."""
    columns = COLUMNS[kind]
    workbook = Workbook()
    data = workbook.active
    data.title = _("填写")
    notes = workbook.create_sheet(_("说明"))
    values = workbook.create_sheet(_("取值"))
    values.sheet_state = "hidden"

    notes.append([_("列名"), _("必填"), _("说明"), _("示例"), _("可选值")])
    value_column = 0
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        cell = data.cell(
            row=1, column=index, value=column.header + (" *" if column.required else "")
        )
        cell.font = Font(bold=True)
        cell.fill = REQUIRED_FILL if column.required else HEADER_FILL
        data.column_dimensions[letter].width = max(14, len(column.header) * 2 + 4)
        choices = value_labels(column.values) if column.values else []
        # Labels are the admins' taxonomy terms: cleaned like every exported cell.
        notes.append(
            [
                clean_cell(text)
                for text in (
                    column.header,
                    _("是") if column.required else "",
                    _note(column),
                    column.example,
                    "、".join(choices),
                )
            ]
        )
        if not choices:
            continue
        value_column += 1
        source = get_column_letter(value_column)
        values.cell(row=1, column=value_column, value=column.header)
        for row, label in enumerate(choices, start=2):
            values.cell(row=row, column=value_column, value=clean_cell(label))
        validation = DataValidation(
            type="list",
            formula1=f"'{values.title}'!${source}$2:${source}${len(choices) + 1}",
            allow_blank=True,
            # A multi-value cell holds several choices: offer the list, do not enforce it.
            showErrorMessage=not column.many,
            errorTitle=_("取值无效"),
            error=_("请从下拉列表中选择。"),
            promptTitle=column.header,
            prompt=_("可填多项，用顿号（、）分隔。") if column.many else _("请从下拉列表中选择。"),
            showInputMessage=True,
        )
        validation.add(f"{letter}2:{letter}{ROWS + 1}")
        data.add_data_validation(validation)
    data.freeze_panes = "A2"
    for letter, width in zip("ABCDE", (22, 8, 50, 28, 60), strict=True):
        notes.column_dimensions[letter].width = width
    for cells in notes.iter_rows(min_row=2):
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for cell in notes[1]:
        cell.font = Font(bold=True)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _note(column) -> str:
    parts = [str(column.note)] if column.note else []
    if column.many:
        parts.append(_("多项用顿号、逗号、分号或换行分隔"))
    if column.values and column.values not in ("yes_no",):
        parts.append(_("也可填代码或常用简称（如“黄埔”“研发”）"))
    return "；".join(parts)


def template_filename(kind: str) -> str:
    return f"rongtong-{kind}-template.xlsx"
