"""Import of enterprises and listings from .jsonl, .csv and .xlsx; export back."""

from datetime import date, datetime

import pytest
from openpyxl import Workbook

from rongtong.enterprises.models import Enterprise
from rongtong.enterprises.services import find_by_credit_code
from rongtong.extensions import db
from rongtong.imports.services import (
    ImportFileError,
    import_enterprises,
    import_listings,
    read_rows,
)
from rongtong.listings.models import Listing
from rongtong.listings.services import find_by_ref

from ..conftest import valid_credit_code
from .conftest import enterprise_row, listing_row

BAD_CHECK_DIGIT = "91440300708461136X"  # 91440300708461136T is the real one


def count(model) -> int:
    return db.session.execute(db.select(db.func.count(model.id))).scalar_one()


def errors_by_line(report) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for line, field, _message in report.errors:
        found.setdefault(line, set()).add(field)
    return found


# --- reading ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "bom"), [("jsonl", False), ("csv", False), ("csv", True),
                                           ("xlsx", False)])  # fmt: skip
def test_read_rows_gives_each_row_with_its_line(write_file, fmt, bom):
    rows = [enterprise_row(name="甲公司"), enterprise_row(name="乙公司", tier=None)]
    path = write_file(rows, fmt, bom=bom)

    read = read_rows(path)

    first_line = 1 if fmt == "jsonl" else 2  # the header is line 1
    assert [r.line for r in read] == [first_line, first_line + 1]
    assert read[0].data["name"] == "甲公司"
    assert read[0].data["chains"] == ["robotics", "ai"]
    assert "tier" not in read[1].data or read[1].data["tier"] is None


def test_read_rows_from_a_stream_with_its_filename(write_file):
    path = write_file([enterprise_row()], "csv")
    with path.open("rb") as stream:
        [row] = read_rows(stream, filename="upload.CSV")
    assert row.data["kind"] == "sme"


def test_xlsx_cells_of_other_types_become_text(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["ref", "budget_min", "deadline", "contact_mobile", "title"])
    sheet.append(["CH-1", 500000, datetime(2027, 6, 30), 13800138000, None])
    sheet.append([None, None, None, None, None])  # empty rows are skipped
    sheet.append(["CH-2", 1.5, date(2027, 1, 2), "13800138000", "  标题  "])
    path = tmp_path / "cells.xlsx"
    workbook.save(path)

    rows = read_rows(path)

    assert [r.line for r in rows] == [2, 4]
    assert rows[0].data == {
        "ref": "CH-1", "budget_min": "500000", "deadline": "2027-06-30",
        "contact_mobile": "13800138000",
    }  # fmt: skip
    assert rows[1].data["budget_min"] == "1.5"
    assert rows[1].data["title"] == "标题"


def test_csv_line_numbers_count_physical_lines(tmp_path):
    path = tmp_path / "multi.csv"
    path.write_text('ref,title\nA,"两行\n标题"\nB,普通\n', encoding="utf-8")
    rows = read_rows(path)
    assert [(r.line, r.data["ref"]) for r in rows] == [(2, "A"), (4, "B")]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("data.txt", b"x", "不支持"),
        ("data.csv", b"", "空"),
        ("data.csv", b"\xff\xfe\x00\x00\x81", "UTF-8"),
        ("data.xlsx", b"not a zip", "xlsx"),
        ("data.csv", b"a,a\n1,2\n", "重复"),
    ],
)
def test_unreadable_files_raise_import_file_error(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match=message):
        read_rows(path)


def test_gbk_csv_from_excel_is_read(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("name,district\n广州甲公司,黄埔区\n".encode("gbk"))
    [row] = read_rows(path)
    assert row.data == {"name": "广州甲公司", "district": "黄埔区"}


def test_bad_jsonl_lines_are_reported_not_fatal(tmp_path):
    path = tmp_path / "e.jsonl"
    good = (
        '{"credit_code": "91440300708461136T", "name": "甲", "kind": "sme", "district": "huangpu"}'
    )
    path.write_text(f"{good}\n{{broken\n\n[1, 2]\n", encoding="utf-8")

    report = import_enterprises(read_rows(path))

    assert report.created == 1
    assert errors_by_line(report) == {2: {"_row"}, 4: {"_row"}}


# --- enterprises -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "xlsx"])
def test_import_enterprises_takes_good_rows_and_reports_bad_ones(write_file, fmt):
    good_code, other_good = valid_credit_code(), valid_credit_code()
    rows = [
        enterprise_row(credit_code=good_code),                                  # line a
        enterprise_row(credit_code=BAD_CHECK_DIGIT, name="坏代码公司"),          # check digit
        enterprise_row(credit_code=valid_credit_code(), district="atlantis"),   # unknown value
        enterprise_row(credit_code=valid_credit_code(), name=...),              # missing field
        enterprise_row(credit_code=valid_credit_code(), name="长" * 121),        # oversize
        enterprise_row(credit_code=valid_credit_code(), contact_mobile="12345"),  # bad mobile
        enterprise_row(credit_code=valid_credit_code(), kind="large"),          # tier on non-SME
        enterprise_row(credit_code=other_good.lower(), kind="大企业", tier=None,
                       district="番禺区", chains=["智能网联与新能源汽车"], verified=False),
    ]  # fmt: skip
    if fmt != "jsonl":  # a table has no missing keys, only empty cells
        rows[3]["name"] = ""
    before = count(Enterprise)

    report = import_enterprises(read_rows(write_file(rows, fmt)))

    first = 1 if fmt == "jsonl" else 2
    assert (report.created, report.updated) == (2, 0)
    assert errors_by_line(report) == {
        first + 1: {"credit_code"},
        first + 2: {"district"},
        first + 3: {"name"},
        first + 4: {"name"},
        first + 5: {"contact_mobile"},
        first + 6: {"tier"},
    }
    messages = {(line - first, field): msg for line, field, msg in report.errors}
    assert "校验位" in messages[(1, "credit_code")]
    assert "atlantis" in messages[(2, "district")] and "huangpu" in messages[(2, "district")]
    assert "120" in messages[(4, "name")]
    assert count(Enterprise) == before + 2
    assert find_by_credit_code(BAD_CHECK_DIGIT) is None

    first_row = find_by_credit_code(good_code)
    assert first_row.verified
    assert [c.code for c in first_row.chains] == ["robotics", "ai"]
    second = find_by_credit_code(other_good)  # lower case input, stored normalised
    assert (second.kind.code, second.district.code, second.tier) == ("large", "panyu", None)
    assert not second.verified


def test_full_width_credit_codes_are_normalised(write_file):
    full_width = "９１４４０３００７０８４６１１３６Ｔ"
    report = import_enterprises(read_rows(write_file([enterprise_row(credit_code=full_width)],
                                                     "jsonl")))  # fmt: skip
    assert report.created == 1, report.errors
    assert find_by_credit_code("91440300708461136T") is not None


def test_reimporting_enterprises_updates_them(write_file, make_user):
    code = valid_credit_code()
    import_enterprises(read_rows(write_file([enterprise_row(credit_code=code)], "jsonl")))
    before = count(Enterprise)
    organizer = make_user(role="organizer")

    changed = enterprise_row(credit_code=code, name="广州星瀚智能装备有限公司", chains=["auto"],
                             website=..., verified=False)  # fmt: skip
    report = import_enterprises(read_rows(write_file([changed], "csv")), actor=organizer)

    assert (report.created, report.updated, report.errors) == (0, 1, [])
    assert count(Enterprise) == before
    enterprise = find_by_credit_code(code)
    assert enterprise.name == "广州星瀚智能装备有限公司"
    assert [c.code for c in enterprise.chains] == ["auto"]
    assert enterprise.website == ""  # an import line is the whole record
    assert not enterprise.verified

    import_enterprises(read_rows(write_file([{**changed, "verified": True}], "jsonl")),
                       actor=organizer)  # fmt: skip
    assert enterprise.verified and enterprise.verified_by_id == organizer.id


# --- listings --------------------------------------------------------------------------------


@pytest.fixture
def owners(make_enterprise):
    a, b = make_enterprise(), make_enterprise()
    return a, b


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "xlsx"])
def test_import_listings_takes_good_rows_and_reports_bad_ones(
    write_file, owners, make_listing, fmt
):
    a, b = owners
    make_listing(enterprise=b, ref="CH-B-001")
    rows = [
        listing_row(a.credit_code, ref="CH-A-001"),
        listing_row(a.credit_code, ref="CA-A-002", kind="capability", budget_min=None,
                    budget_max=None, category="产品配套", keywords=["伺服", "减速器"]),
        listing_row(a.credit_code, ref="CH-A-003", category="nonsense"),
        listing_row(a.credit_code, ref="CH-A-004", title=""),
        listing_row(a.credit_code, ref="CH-A-005", summary="长" * 501),
        listing_row(a.credit_code, ref="CH-B-001"),                     # another's ref
        listing_row(BAD_CHECK_DIGIT, ref="CH-A-006"),
        listing_row(valid_credit_code(), ref="CH-A-007"),               # unknown enterprise
        listing_row(a.credit_code, ref="CH-A-008", budget_min=9, budget_max=1),
        listing_row(a.credit_code, ref="CH-A-009", deadline="2099-02-30"),
        listing_row(a.credit_code, ref="CH-A-010", status="sold"),
    ]  # fmt: skip
    before = count(Listing)

    report = import_listings(read_rows(write_file(rows, fmt)))

    first = 1 if fmt == "jsonl" else 2
    assert (report.created, report.updated) == (2, 0), report.errors
    assert errors_by_line(report) == {
        first + 2: {"category"},
        first + 3: {"title"},
        first + 4: {"summary"},
        first + 5: {"ref"},
        first + 6: {"enterprise"},
        first + 7: {"enterprise"},
        first + 8: {"budget_max"},
        first + 9: {"deadline"},
        first + 10: {"status"},
    }
    assert count(Listing) == before + 2
    for ref in ("CH-A-003", "CH-A-004", "CH-A-005", "CH-A-006", "CH-A-007", "CH-A-008"):
        assert find_by_ref(ref) is None
    assert find_by_ref("CH-B-001").enterprise_id == b.id  # untouched

    challenge = find_by_ref("CH-A-001")
    assert (challenge.status, challenge.budget_min, challenge.deadline) == (
        "published",
        500000,
        date(2099, 6, 30),
    )
    assert challenge.published_at is not None
    assert challenge.keyword_list == ["激光焊接", "电池托盘"]
    capability = find_by_ref("CA-A-002")
    assert (capability.kind, capability.category.code) == ("capability", "supply")
    assert capability.keyword_list == ["伺服", "减速器"]


def test_reimporting_a_listing_updates_it(write_file, owners):
    a, _ = owners
    import_listings(read_rows(write_file([listing_row(a.credit_code, status="draft")], "jsonl")))
    before = count(Listing)

    changed = listing_row(a.credit_code, title="新标题", budget_max=3_000_000, status="closed")
    report = import_listings(read_rows(write_file([changed], "xlsx")))

    assert (report.created, report.updated, report.errors) == (0, 1, [])
    assert count(Listing) == before
    listing = find_by_ref("CH-AUTO-001")
    assert (listing.title, listing.budget_max, listing.status) == ("新标题", 3_000_000, "closed")


def test_a_row_failing_in_the_service_leaves_nothing_behind(write_file, make_enterprise):
    unverified = make_enterprise(verified=False)
    rows = [
        listing_row(unverified.credit_code, ref="CH-U-001", status="published"),  # not verified
        listing_row(unverified.credit_code, ref="CH-U-002", status="draft"),
    ]

    report = import_listings(read_rows(write_file(rows, "jsonl")))

    assert report.created == 1
    [(line, _field, message)] = report.errors
    assert line == 1 and "审核" in message
    assert find_by_ref("CH-U-001") is None  # applied, then rolled back to its savepoint
    assert find_by_ref("CH-U-002").status == "draft"


def test_kind_cannot_change_on_reimport(write_file, owners):
    a, _ = owners
    import_listings(read_rows(write_file([listing_row(a.credit_code)], "jsonl")))
    row = listing_row(a.credit_code, kind="capability", budget_min=None, budget_max=None)
    report = import_listings(read_rows(write_file([row], "jsonl")))
    assert errors_by_line(report) == {1: {"kind"}}
    assert find_by_ref("CH-AUTO-001").kind == "challenge"


def test_unknown_columns_are_errors(write_file, owners):
    a, _ = owners
    report = import_listings(read_rows(write_file([listing_row(a.credit_code, colour="red")],
                                                  "csv")))  # fmt: skip
    assert errors_by_line(report) == {2: {"colour"}}
