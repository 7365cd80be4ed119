"""The XLSX templates (download → fill → import) and the exports in the reader's language."""

import csv
import io
from datetime import UTC, date, datetime

import pytest
import time_machine
from openpyxl import load_workbook

from rongtong.core import sheets
from rongtong.enterprises.services import find_by_credit_code
from rongtong.extensions import db
from rongtong.imports.exports import export_filename
from rongtong.imports.headers import COLUMNS
from rongtong.listings.services import find_by_ref

from ..conftest import csrf_token, valid_credit_code

#: Codes that must never reach a reader of an export.
RAW_CODES = {"challenge", "capability", "published", "draft", "closed", "awarded", "rnd", "auto",
             "robotics", "huangpu", "sme", "confirmed", "pending", "suggested", "request",
             "manual", "order", "held", "no_show", "yes", "True", "False"}  # fmt: skip


def _english(client):
    client.post("/language/en", data={"csrf_token": csrf_token(client, "/"), "next": "/"})


# --- templates --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["enterprises", "listings"])
def test_template_has_chinese_headers_notes_and_a_drop_down_per_taxonomy_column(
    client, auth, organizer, kind
):
    auth.login(organizer)
    response = client.get(f"/imports/template/{kind}.xlsx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.get_data()))
    data, notes, values = workbook.worksheets
    columns = COLUMNS[kind]
    assert [c.value for c in data[1]] == [c.zh + (" *" if c.required else "") for c in columns]
    assert notes.title == "说明" and notes.max_row == 1 + len(columns)
    assert values.sheet_state == "hidden"
    validated = {}
    for validation in data.data_validations.dataValidation:
        for cell_range in validation.sqref.ranges:
            validated[data.cell(row=1, column=cell_range.min_col).value.rstrip(" *")] = validation
    with_values = {c.zh for c in columns if c.values}
    assert set(validated) == with_values
    assert all(v.type == "list" for v in validated.values())
    district_note = next((r for r in notes.iter_rows(values_only=True) if r[0] == "所属区"), None)
    if kind == "enterprises":
        assert "黄埔区" in district_note[4] and "huangpu" not in district_note[4]
    assert client.get("/imports/template/users.xlsx").status_code == 404


def test_template_round_trip_download_fill_import(client, auth, organizer):
    auth.login(organizer)
    codes = [valid_credit_code(), valid_credit_code()]

    def fill(kind, rows):
        workbook = load_workbook(io.BytesIO(client.get(f"/imports/template/{kind}.xlsx").data))
        sheet = workbook.worksheets[0]
        for row in rows:
            sheet.append(row)
        out = io.BytesIO()
        workbook.save(out)
        out.seek(0)
        return out

    # Values as the drop-downs offer them (labels), and as staff type them (short names).
    enterprises = fill(
        "enterprises",
        [
            [codes[0], "广州甲科技有限公司", "中小企业", "国家级专精特新“小巨人”", "黄埔区",
             "人工智能", "", "", "", "", "", "是"],
            [codes[1], "广州乙集团有限公司", "大企业", None, "番禺", "汽车、机器人", "", "", "",
             "", "", "是"],
        ],
    )  # fmt: skip
    response = auth.post(
        "/imports",
        data={"target": "enterprises", "file": (enterprises, "单位.xlsx")},
        content_type="multipart/form-data",
    )
    assert "新建 2 条，更新 0 条，出错 0 行" in response.get_data(as_text=True)

    listings = fill(
        "listings",
        [
            ["CH-T-1", codes[1], "发榜", "技术研发", "智能网联与新能源汽车", "电池包轻量化",
             "摘要", "描述", "", "轻量化、电池包", "10万", "50万", date(2027, 6, 30), "发布中"],
            ["CA-T-2", codes[0], "能力", "研发", "AI", "视觉检测", "", "", "", "", None, None,
             None, "发布中"],
        ],
    )  # fmt: skip
    response = auth.post(
        "/imports",
        data={"target": "listings", "file": (listings, "需求.xlsx")},
        content_type="multipart/form-data",
    )
    assert "新建 2 条，更新 0 条，出错 0 行" in response.get_data(as_text=True)
    db.session.expire_all()
    assert find_by_credit_code(codes[0]).tier.code == "little_giant"
    assert {c.code for c in find_by_credit_code(codes[1]).chains} == {"auto", "robotics"}
    challenge = find_by_ref("CH-T-1")
    assert (challenge.budget_min, challenge.budget_max) == (100_000, 500_000)
    assert challenge.deadline == date(2027, 6, 30) and challenge.status == "published"
    assert find_by_ref("CA-T-2").kind == "capability"


# --- exports ----------------------------------------------------------------------------------


def _csv_rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_listing_export_in_chinese_with_names_contacts_and_no_raw_code(
    client, auth, organizer, make_listing, make_enterprise
):
    owner = make_enterprise(name="广州某汽车集团有限公司")
    make_listing(enterprise=owner, ref="CH-E-1", kind="challenge", chain="auto", category="rnd",
                 title="=HYPERLINK(\"http://x\")\x07", keywords=["焊接", "托盘"])  # fmt: skip
    db.session.commit()
    auth.login(organizer)

    response = client.get("/exports/listings?format=csv")

    rows = _csv_rows(response.get_data())
    assert list(rows[0])[:4] == ["编号", "单位名称", "统一社会信用代码", "类型"]
    row = rows[0]
    assert row["单位名称"] == "广州某汽车集团有限公司"
    assert row["统一社会信用代码"] == owner.credit_code
    assert (row["类型"], row["对接类别"], row["产业链"], row["状态"]) == (
        "发榜", "技术研发", "智能网联与新能源汽车", "发布中",
    )  # fmt: skip
    assert row["联系人"] == owner.contact_name and row["联系邮箱"] == owner.contact_email
    assert row["需求名称"] == '\'=HYPERLINK("http://x")'  # guarded, control character gone
    assert not RAW_CODES & set(row.values())


def test_listing_export_in_english(client, auth, organizer, make_listing):
    make_listing(ref="CH-E-2", kind="challenge", chain="auto", category="rnd")
    db.session.commit()
    auth.login(organizer)
    _english(client)

    response = client.get("/exports/listings?format=xlsx")

    sheet = load_workbook(io.BytesIO(response.get_data())).active
    header, row = (list(r) for r in sheet.iter_rows(max_row=2, values_only=True))
    assert header[:4] == ["Ref", "Enterprise name", "Credit code", "Kind"]
    values = dict(zip(header, row, strict=True))
    shown = (values["Kind"], values["Category"], values["Status"])
    assert shown == ("Challenge", "R&D", "Published")
    assert values["Chain"] == "Intelligent connected and new energy vehicles"
    assert not RAW_CODES & {str(v) for v in values.values()}


def test_an_export_imports_back_in_either_language(client, auth, organizer, make_listing, tmp_path):
    from rongtong.imports.services import read_rows
    from rongtong.imports.staff import run_import

    make_listing(ref="CH-E-3", kind="challenge", budget_max=800_000, title="-1 作为标题")
    db.session.commit()
    auth.login(organizer)
    for language in ("zh", "en"):
        token = csrf_token(client, "/")
        client.post(f"/language/{language}", data={"csrf_token": token, "next": "/"})
        path = tmp_path / f"export-{language}.xlsx"
        path.write_bytes(client.get("/exports/listings?format=xlsx").get_data())
        report = run_import("listings", read_rows(path), dry_run=True)
        assert [(line.action, line.errors) for line in report.lines] == [("update", [])]
        assert report.ignored_columns == []
    assert find_by_ref("CH-E-3").title == "-1 作为标题"


def test_export_file_names_are_dated_in_asia_shanghai(client, auth, organizer):
    # 2026-12-07 20:30 UTC is already 12-08 in Shanghai.
    with time_machine.travel(datetime(2026, 12, 7, 20, 30, tzinfo=UTC), tick=False):
        auth.login(organizer)
        response = client.get("/exports/listings?format=csv")
        assert 'filename="listings-2026-12-08.csv"' in response.headers["Content-Disposition"]
        assert export_filename("xlsx") == "listings-2026-12-08.xlsx"
    with time_machine.travel(datetime(2026, 12, 7, 15, 59, tzinfo=UTC), tick=False):
        assert sheets.dated_filename("x", "csv") == "x-2026-12-07.csv"


@pytest.mark.parametrize(
    ("value", "cleaned"),
    [
        ("=1+1", "'=1+1"),
        ("+86 138", "'+86 138"),
        ("-x", "'-x"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("a\x00b\x1bc\x7f", "abc"),
        ("line\r\nbreak", "line\nbreak"),
        ("普通文本", "普通文本"),
        (-5, -5),
        (None, ""),
    ],
)
def test_one_sanitiser_for_every_spreadsheet_cell(value, cleaned):
    assert sheets.clean_cell(value) == cleaned
    if isinstance(cleaned, str) and cleaned.startswith("'"):
        assert sheets.unguard(cleaned) == value
