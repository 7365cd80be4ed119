"""Every spreadsheet the platform hands out goes through ``core/sheets.py``: control
characters dropped, formulas defused, whatever the names hold.

Finding 8 of issue 14: an enterprise name with ``\\x0b`` made the organizers' registrations
XLSX a 500 (the listings export cleaned its cells, this one did not).
"""

import csv
import io
import re
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from rongtong.events import meetings as meeting_ops
from rongtong.events import registrations as registration_ops
from rongtong.extensions import db
from tests.events import conftest as event_fixtures

PACKAGE = Path(__file__).resolve().parents[2] / "rongtong"
DIRTY = "广州\x0b星瀚\x1b精密\x85机械"
CLEAN = "广州星瀚精密机械"
FORMULA = '=HYPERLINK("https://evil.example","点我")'

make_event = event_fixtures.make_event  # the events' fixtures, here too
clock = event_fixtures.clock  # the events' dates lie ahead of this clock


@pytest.fixture
def event_with_dirty_names(make_event, make_user, make_enterprise):
    event = make_event()
    dirty = make_user(enterprise=make_enterprise(name=DIRTY))
    formula = make_user(enterprise=make_enterprise(name=FORMULA))
    reg_a = registration_ops.register(event, dirty.enterprise, dirty)
    reg_b = registration_ops.register(event, formula.enterprise, formula)
    meeting_ops.set_up_meetings(event, datetime(2026, 3, 18, 14), 1, 1)
    meeting_ops.respond_to_request(meeting_ops.request_meeting(reg_a, reg_b, "聊聊"), True)
    meeting_ops.schedule_event(event)
    db.session.commit()
    return event


def _xlsx_values(body: bytes) -> list[str]:
    sheet = load_workbook(io.BytesIO(body)).worksheets[0]
    return [str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value is not None]


def _csv_values(body: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))) for cell in row]


@pytest.mark.parametrize("what", ["registrations", "meetings"])
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_event_exports_clean_control_characters_and_formulas(
    auth, make_user, event_with_dirty_names, what, fmt
):
    auth.login(make_user(role="organizer", enterprise=None))
    event = event_with_dirty_names
    response = auth.client.get(f"/events/{event.id}/export/{what}.{fmt}")
    assert response.status_code == 200
    values = (_xlsx_values if fmt == "xlsx" else _csv_values)(response.data)
    assert any(CLEAN in value for value in values)
    assert not any(re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", value) for value in values)
    assert not any(value.startswith("=") for value in values)
    assert any(value.startswith("'=HYPERLINK") for value in values)


def test_listings_export_cleans_titles(auth, make_user, make_listing):
    make_listing(title=f"{DIRTY}焊接", summary=FORMULA)
    auth.login(make_user(role="organizer", enterprise=None))
    response = auth.client.get("/exports/listings?format=xlsx")
    assert response.status_code == 200
    values = _xlsx_values(response.data)
    assert f"{CLEAN}焊接" in values
    assert not any(value.startswith("=") for value in values)


def test_every_spreadsheet_writer_is_in_core_sheets():
    """A workbook or CSV writer elsewhere would be an export that skips the sanitiser. The
    import template (fixed headers and taxonomy labels, each through ``clean_cell``) and the
    error report (the uploaded file itself, with an error column through ``clean_cell``) are
    the two known others."""
    allowed = {"core/sheets.py", "imports/template.py", "imports/report_files.py"}
    writers = re.compile(r"\bWorkbook\(|csv\.writer\(|csv\.DictWriter\(")
    found = {
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if writers.search(path.read_text(encoding="utf-8"))
    }
    assert found - allowed == set()
    assert "core/sheets.py" in found
