"""``flask import …`` and ``flask export listings``."""

import csv
import io

from openpyxl import load_workbook

from rongtong.enterprises.services import find_by_credit_code
from rongtong.extensions import db
from rongtong.listings.services import find_by_ref

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
