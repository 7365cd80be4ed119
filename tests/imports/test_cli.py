"""``flask import …`` and ``flask export listings``."""

import csv
import io

import pytest
from openpyxl import load_workbook

from rongtong.enterprises.services import find_by_credit_code
from rongtong.extensions import db
from rongtong.imports import services
from rongtong.listings.services import find_by_ref
from tests.mail.support import dispose, migrated_app

from ..conftest import valid_credit_code
from .conftest import enterprise_row, listing_row


def test_import_enterprises_command_reports_bad_rows_and_exits_1(runner, write_file):
    good = valid_credit_code()
    path = write_file(
        [enterprise_row(credit_code=good), enterprise_row(credit_code="91440300708461136X")],
        "jsonl",
    )

    result = runner.invoke(args=["import", "enterprises", str(path)])

    assert result.exit_code == 1, result.output
    assert "1 created, 0 updated, 1 rows refused" in result.output
    assert "line 2, credit_code: 统一社会信用代码校验位错误" in result.output
    db.session.expire_all()
    assert find_by_credit_code(good) is not None  # the good row was committed


def test_import_commands_exit_0_when_every_row_is_good(runner, write_file, make_enterprise):
    enterprise = make_enterprise()
    db.session.commit()
    path = write_file([listing_row(enterprise.credit_code)], "csv")

    result = runner.invoke(args=["import", "listings", str(path)])

    assert result.exit_code == 0, result.output
    assert "1 created, 0 updated, 0 rows refused" in result.output
    assert find_by_ref("CH-AUTO-001") is not None

    again = runner.invoke(args=["import", "listings", str(path)])
    assert "0 created, 1 updated" in again.output


def test_import_command_refuses_unreadable_files(runner, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    result = runner.invoke(args=["import", "enterprises", str(path)])
    assert result.exit_code == 1
    assert "不支持" in result.output
    missing = runner.invoke(args=["import", "enterprises", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 2


def test_export_listings_command(runner, make_listing, tmp_path):
    make_listing(ref="CH-CLI-1", kind="challenge")
    make_listing(ref="CA-CLI-2", kind="capability")
    db.session.commit()

    result = runner.invoke(args=["export", "listings", "--kind", "capability"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout_bytes.decode("utf-8-sig"))))
    assert [r["编号"] for r in rows] == ["CA-CLI-2"]

    out = tmp_path / "listings.xlsx"
    result = runner.invoke(args=["export", "listings", "--format", "xlsx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    refs = {row[0] for row in load_workbook(out).active.iter_rows(min_row=2, values_only=True)}
    assert refs == {"CH-CLI-1", "CA-CLI-2"}

    assert runner.invoke(args=["export", "listings", "--format", "xlsx"]).exit_code == 2


@pytest.mark.nodb
def test_a_crashed_import_keeps_its_committed_batches_and_a_rerun_finishes_it(
    tmp_path, write_file, monkeypatch
):
    app = migrated_app(tmp_path / "import.db", IMPORT_BATCH_ROWS=5)
    rows = [enterprise_row(credit_code=valid_credit_code(), name=f"企业{i}号") for i in range(13)]
    path = write_file(rows, "jsonl")
    apply_row = services._apply_row

    def crash_at_line_12(report, row, schema, apply):
        if row.line == 12:
            raise RuntimeError("killed")  # as a kill -9 would, mid-batch
        apply_row(report, row, schema, apply)

    monkeypatch.setattr(services, "_apply_row", crash_at_line_12)
    crashed = app.test_cli_runner().invoke(args=["import", "enterprises", str(path)])
    assert crashed.exit_code == 1 and isinstance(crashed.exception, RuntimeError)
    assert "committed through line 10 (10/13 rows: 10 created, 0 updated)" in crashed.output
    assert _enterprise_count(app) == 10  # the two committed batches, nothing of the third

    monkeypatch.setattr(services, "_apply_row", apply_row)
    rerun = app.test_cli_runner().invoke(args=["import", "enterprises", str(path)])
    assert rerun.exit_code == 0, rerun.output
    assert "3 created, 10 updated, 0 rows refused" in rerun.output
    assert _enterprise_count(app) == 13  # every row once
    dispose(app)


def _enterprise_count(app) -> int:
    from rongtong.enterprises.models import Enterprise

    with app.app_context():
        count = db.session.execute(db.select(db.func.count(Enterprise.id))).scalar_one()
        db.session.remove()
        return count
