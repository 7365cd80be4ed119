"""Imports as staff write them: their headers, spellings, amounts, dates and lists; every
error of a row; a ref repeated in a file; the dry run; the error report; a city's own file."""

import csv
import io
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from rongtong.enterprises.models import Enterprise
from rongtong.enterprises.services import find_by_credit_code
from rongtong.extensions import db
from rongtong.imports import report_files
from rongtong.imports.headers import COLUMNS, fold
from rongtong.imports.services import read_rows
from rongtong.imports.staff import run_import
from rongtong.imports.values import Lookup, parse_amount, parse_date, split_items
from rongtong.listings.models import Listing
from rongtong.listings.services import find_by_ref
from rongtong.taxonomy.models import VOCABULARIES, District

from ..conftest import valid_credit_code

FIXTURES = Path(__file__).parent / "fixtures"


def count(model) -> int:
    return db.session.execute(db.select(db.func.count(model.id))).scalar_one()


def write_table(tmp_path, header, rows, fmt="csv", name=None) -> Path:
    path = tmp_path / (name or f"staff.{fmt}")
    if fmt == "csv":
        out = io.StringIO(newline="")
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
        path.write_text(out.getvalue(), encoding="utf-8-sig")
    else:
        workbook = Workbook()
        workbook.active.append(header)
        for row in rows:
            workbook.active.append(row)
        workbook.save(path)
    return path


# --- the readers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "yuan"),
    [
        ("500000", 500_000),
        ("50万", 500_000),
        ("50 万元", 500_000),
        ("1.2亿", 120_000_000),
        ("1,200,000", 1_200_000),
        ("1，200，000元", 1_200_000),
        ("¥80万元", 800_000),
        ("￥80万", 800_000),
        ("RMB 3.5万", 35_000),
        ("２００万", 2_000_000),
        (1200000.0, 1_200_000),
        (1200000, 1_200_000),
    ],
)
def test_amounts_as_staff_write_them(written, yuan):
    assert parse_amount(written) == yuan


def test_amount_column_in_wan_scales_plain_numbers_but_not_written_units():
    assert parse_amount("50", unit=10_000) == 500_000
    assert parse_amount("1.5", unit=10_000) == 15_000
    assert parse_amount("1亿", unit=10_000) == 100_000_000


@pytest.mark.parametrize("written", ["五十万", "50万-100万", "-5", "0.5", "about 5", "1.23456万"])
def test_amounts_that_are_refused(written):
    with pytest.raises(ValueError, match="金额"):
        parse_amount(written)


@pytest.mark.parametrize(
    "written",
    [
        "2027-06-30",
        "2027/6/30",
        "2027/06/30",
        "2027.6.30",
        "2027年6月30日",
        "2027年6月30号",
        "20270630",
        "2027-06-30T00:00:00",
        "46568",  # Excel's serial number of 2027-06-30
        46568,
        46568.0,
        datetime(2027, 6, 30, 0, 0),
        date(2027, 6, 30),
    ],
)
def test_dates_as_staff_write_them(written):
    assert parse_date(written) == date(2027, 6, 30)


@pytest.mark.parametrize("written", ["2027-02-30", "6/30/2027", "明年六月", "12345", "2027"])
def test_dates_that_are_refused(written):
    with pytest.raises(ValueError, match="日期"):
        parse_date(written)


def test_multi_value_cells_split_on_every_separator():
    assert split_items("机器人、路径规划,视觉，检测;焊接；涂层\n大模型\r\n储能") == [
        "机器人",
        "路径规划",
        "视觉",
        "检测",
        "焊接",
        "涂层",
        "大模型",
        "储能",
    ]
    assert split_items(["a、b", "c"]) == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("vocabulary", "written", "code"),
    [
        ("districts", "黄埔", "huangpu"),
        ("districts", "黄埔区", "huangpu"),
        ("districts", "广州市黄埔区", "huangpu"),
        ("districts", "Huangpu", "huangpu"),
        ("districts", " HUANGPU ", "huangpu"),
        ("districts", "番禺", "panyu"),
        ("categories", "研发", "rnd"),
        ("categories", "技术研发", "rnd"),
        ("categories", "R&D", "rnd"),
        ("categories", "rd", "rnd"),
        ("categories", "rnd", "rnd"),
        ("enterprise_kinds", "高校/科研院所", "research"),
        ("enterprise_kinds", "institute", "research"),
        ("enterprise_kinds", "research", "research"),
        ("enterprise_kinds", "高校", "research"),
        ("tiers", "国家级专精特新小巨人", "little_giant"),
        ("tiers", "国家级专精特新“小巨人”", "little_giant"),
        ("chains", "Artificial intelligence", "ai"),
        ("listing_kind", "发榜", "challenge"),
        ("listing_kind", "Capability", "capability"),
        ("listing_status", "已发布", "published"),
        ("listing_status", "Published", "published"),
        ("yes_no", "是", True),
    ],
)
def test_taxonomy_values_by_code_label_or_alias(vocabulary, written, code):
    assert Lookup(vocabulary).read(written) == code


def test_unknown_value_names_the_choices_by_label():
    with pytest.raises(ValueError) as caught:
        Lookup("districts").read("深圳")
    assert "未知的取值“深圳”" in str(caught.value) and "黄埔区" in str(caught.value)
    assert "huangpu" not in str(caught.value)


def test_seeded_aliases_name_one_term_each_and_headers_one_column_each():
    for name in VOCABULARIES:
        assert Lookup(name).ambiguous == {}, name
    for kind, columns in COLUMNS.items():
        names = [n for c in columns for n in c.names]
        assert len(names) == len(set(names)), kind
    assert fold("预算上限（万元）") == fold("预算上限（元）") == fold("预算上限")
    assert fold("统一社会信用代码 *") == fold("统一社会信用代码（必填）")


def test_an_alias_edited_by_an_admin_is_used_by_the_next_import(client, auth, make_user):
    admin = make_user(role="admin", enterprise=None)
    auth.login(admin)
    district = db.session.execute(db.select(District).filter_by(code="nansha")).scalar_one()
    response = auth.post(
        f"/admin/taxonomies/districts/{district.id}",
        {
            "code": "nansha",
            "label_zh": "南沙区",
            "label_en": "Nansha",
            "aliases": "南沙\n南沙自贸区、明珠湾",
            "position": "9",
            "active": "y",
        },
    )
    assert response.status_code == 302
    assert district.alias_list == ["南沙", "南沙自贸区", "明珠湾"]
    assert "明珠湾" in client.get("/admin/taxonomies").get_data(as_text=True)
    assert Lookup("districts").read("南沙自贸区") == "nansha"


# --- whole files ------------------------------------------------------------------------------

ENTERPRISE_HEADER = ["统一社会信用代码", "企业名称", "单位类型", "所属区", "产业链", "梯度层级"]


def test_chinese_headers_and_staff_spellings_import(tmp_path):
    code = valid_credit_code()
    path = write_table(
        tmp_path,
        [*ENTERPRISE_HEADER, "联系电话", "是否认证"],
        [
            [
                code,
                "广州星瀚精密机械有限公司",
                "中小企业",
                "黄埔",
                "智能装备、AI",
                "小巨人",
                "13800138000",
                "是",
            ]
        ],
    )

    report = run_import("enterprises", read_rows(path))

    assert (report.created, report.updated, report.errors) == (1, 0, [])
    enterprise = find_by_credit_code(code)
    assert enterprise.district.code == "huangpu" and enterprise.tier.code == "little_giant"
    assert {c.code for c in enterprise.chains} == {"robotics", "ai"}
    assert enterprise.verified


def test_english_and_platform_headers_import(tmp_path, make_enterprise):
    owner = make_enterprise()
    header = ["Ref", "enterprise_credit_code", "Kind", "Category", "Chain", "Title",
              "Keywords", "Budget max (yuan)", "Deadline"]  # fmt: skip
    path = write_table(
        tmp_path,
        header,
        [["CH-EN-1", owner.credit_code, "challenge", "R&D", "Intelligent connected and new "
          "energy vehicles", "Battery tray welding", "welding; tray", "1.2亿", "2027/6/30"]],
        fmt="xlsx",
    )  # fmt: skip

    report = run_import("listings", read_rows(path))

    assert report.errors == []
    listing = find_by_ref("CH-EN-1")
    assert listing.category.code == "rnd" and listing.chain.code == "auto"
    assert listing.budget_max == 120_000_000 and listing.deadline == date(2027, 6, 30)
    assert listing.keyword_list == ["welding", "tray"]


def test_excel_date_cells_and_serials_and_a_wan_column(tmp_path, make_enterprise):
    owner = make_enterprise()
    header = ["编号", "统一社会信用代码", "类型", "对接类别", "产业链", "需求名称",
              "预算上限（万元）", "截止日期"]  # fmt: skip
    rows = [
        ["CH-D-1", owner.credit_code, "发榜", "研发", "汽车", "甲", 50, datetime(2027, 6, 30)],
        ["CH-D-2", owner.credit_code, "发榜", "研发", "汽车", "乙", "80万", 46568],
        ["CH-D-3", owner.credit_code, "发榜", "研发", "汽车", "丙", 1.5, "2027年6月30日"],
    ]
    path = write_table(tmp_path, header, rows, fmt="xlsx")

    report = run_import("listings", read_rows(path))

    assert report.errors == []
    refs = ("CH-D-1", "CH-D-2", "CH-D-3")
    got = {ref: (find_by_ref(ref).budget_max, find_by_ref(ref).deadline) for ref in refs}
    assert got == {
        "CH-D-1": (500_000, date(2027, 6, 30)),
        "CH-D-2": (800_000, date(2027, 6, 30)),
        "CH-D-3": (15_000, date(2027, 6, 30)),
    }


def test_every_error_of_a_row_is_reported_under_the_files_header(tmp_path):
    path = write_table(
        tmp_path,
        [*ENTERPRISE_HEADER, "联系电话"],
        [["123", "", "外星企业", "深圳", "人工智能、火星", "小巨人", "12345"]],
    )

    report = run_import("enterprises", read_rows(path))

    columns = {column for _line, column, _message in report.errors}
    # A column left blank in every row is named by the template's header (单位名称).
    assert columns == {"统一社会信用代码", "单位名称", "单位类型", "所属区", "产业链", "联系电话"}
    assert len(report.errors) >= 6
    assert {line for line, _c, _m in report.errors} == {2}
    assert report.refused[0].action == "refuse" and count(Enterprise) == 0


def test_a_key_repeated_in_one_file_is_an_error_on_the_later_line(tmp_path, make_enterprise):
    owner = make_enterprise()
    header = ["编号", "统一社会信用代码", "类型", "对接类别", "产业链", "需求名称"]
    rows = [
        ["CH-R-1", owner.credit_code, "发榜", "研发", "汽车", "第一行"],
        ["CH-R-2", owner.credit_code, "发榜", "研发", "汽车", "另一条"],
        ["CH-R-1", owner.credit_code, "发榜", "研发", "汽车", "第三行重复"],
    ]
    path = write_table(tmp_path, header, rows)

    report = run_import("listings", read_rows(path))

    assert report.errors == [(4, "编号", "与第 2 行重复（同一文件中只能出现一次）。")]
    assert find_by_ref("CH-R-1").title == "第一行"  # not overwritten by line 4

    code = valid_credit_code()
    twice = write_table(
        tmp_path,
        ENTERPRISE_HEADER,
        [
            [code, "甲公司", "中小企业", "黄埔", "", ""],
            [code.lower(), "乙公司", "中小企业", "番禺", "", ""],
        ],
        name="twice.csv",
    )
    report = run_import("enterprises", read_rows(twice))
    assert [(line, column) for line, column, _m in report.errors] == [(3, "统一社会信用代码")]
    assert find_by_credit_code(code).name == "甲公司"


def test_dry_run_writes_nothing_and_says_what_would_happen(tmp_path, make_enterprise):
    existing = make_enterprise(name="旧名称有限公司")
    new_code = valid_credit_code()
    path = write_table(
        tmp_path,
        ENTERPRISE_HEADER,
        [
            [existing.credit_code, "新名称有限公司", "中小企业", "黄埔", "", ""],
            [new_code, "新单位有限公司", "中小企业", "番禺", "", ""],
            ["bad", "坏行", "中小企业", "番禺", "", ""],
        ],
    )
    before = count(Enterprise)

    report = run_import("enterprises", read_rows(path), dry_run=True)

    assert report.dry_run
    assert [line.action for line in report.lines] == ["update", "create", "refuse"]
    assert count(Enterprise) == before and find_by_credit_code(new_code) is None
    assert existing.name == "旧名称有限公司"
    db.session.expire_all()
    assert find_by_credit_code(existing.credit_code).name == "旧名称有限公司"


def test_unknown_columns_are_listed_and_left_out(tmp_path):
    code = valid_credit_code()
    path = write_table(
        tmp_path,
        [*ENTERPRISE_HEADER, "序号", "注册资本"],
        [[code, "甲公司", "中小企业", "黄埔", "", "", "1", "500万"]],
    )
    report = run_import("enterprises", read_rows(path))
    assert report.errors == [] and report.ignored_columns == ["注册资本"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_error_report_is_the_same_spreadsheet_with_an_error_column(tmp_path, fmt):
    good, bad = valid_credit_code(), "91440300708461136X"
    path = write_table(
        tmp_path,
        ENTERPRISE_HEADER,
        [[good, "甲公司", "中小企业", "黄埔", "", ""], [bad, "乙公司", "中小企业", "深圳", "", ""]],
        fmt=fmt,
    )
    report = run_import("enterprises", read_rows(path), dry_run=True)

    data = report_files.error_file(path.read_bytes(), fmt, report.messages_by_line())

    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    else:
        rows = [
            ["" if v is None else v for v in row]
            for row in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)
        ]
    assert rows[0] == [*ENTERPRISE_HEADER, "错误（修改后可重新导入）"]
    assert rows[1][:6] == [good, "甲公司", "中小企业", "黄埔", "", ""] and rows[1][6] == ""
    assert "统一社会信用代码：" in rows[2][6] and "所属区：未知的取值“深圳”" in rows[2][6]

    # Staff fix the bad line in the report and upload it again, error column and all.
    rows[2][0], rows[2][3] = valid_credit_code(), "天河"
    fixed = write_table(tmp_path, rows[0], rows[1:], fmt=fmt, name=f"fixed.{fmt}")
    again = run_import("enterprises", read_rows(fixed))
    assert (again.created, again.errors, again.ignored_columns) == (2, [], [])


# --- the CLI and the page ---------------------------------------------------------------------


def test_cli_dry_run_and_error_file(runner, tmp_path):
    code = valid_credit_code()
    path = write_table(
        tmp_path,
        ENTERPRISE_HEADER,
        [
            [code, "甲公司", "中小企业", "黄埔", "", ""],
            ["123", "乙公司", "中小企业", "黄埔", "", ""],
        ],
    )
    errors = tmp_path / "errors.csv"

    result = runner.invoke(
        args=["import", "enterprises", str(path), "--dry-run", "--error-file", str(errors)]
    )

    assert result.exit_code == 1, result.output
    assert "1 would be created, 0 would be updated, 1 rows refused" in result.output
    assert "dry run: nothing written" in result.output
    assert "line 3, 统一社会信用代码:" in result.output
    assert find_by_credit_code(code) is None
    assert "错误" in errors.read_bytes().decode("utf-8-sig").splitlines()[0]


def _upload(auth, path: Path, target: str, **extra):
    return auth.post(
        "/imports",
        data={"target": target, "file": (io.BytesIO(path.read_bytes()), path.name), **extra},
        content_type="multipart/form-data",
    )


def test_page_dry_run_then_import_and_the_error_report_download(
    app, client, auth, organizer, make_user, tmp_path
):
    app.config["IMPORT_REPORT_DIR"] = str(tmp_path / "reports")
    try:
        auth.login(organizer)
        code = valid_credit_code()
        path = write_table(
            tmp_path,
            ENTERPRISE_HEADER,
            [
                [code, "甲公司", "中小企业", "黄埔", "", ""],
                ["123", "乙公司", "中小企业", "黄埔", "", ""],
            ],
        )

        checked = _upload(auth, path, "enterprises", check="预检（不写入）")
        html = checked.get_data(as_text=True)
        assert checked.status_code == 200
        assert "预检结果（尚未写入）" in html and "将新建 1 条，更新 0 条，拒绝 1 行" in html
        assert find_by_credit_code(code) is None
        link = html.split('href="/imports/reports/')[1].split('"')[0]
        download = client.get(f"/imports/reports/{link}")
        assert download.status_code == 200
        assert "错误" in download.get_data().decode("utf-8-sig").splitlines()[0]
        assert "attachment" in download.headers["Content-Disposition"]

        imported = _upload(auth, path, "enterprises")
        assert "新建 1 条，更新 0 条，出错 1 行" in imported.get_data(as_text=True)
        db.session.expire_all()
        assert find_by_credit_code(code) is not None

        auth.logout()
        auth.login(make_user(role="organizer", enterprise=None))
        assert client.get(f"/imports/reports/{link}").status_code == 404  # not theirs
        assert client.get("/imports/reports/..%2F..%2Fetc").status_code == 404
    finally:
        del app.config["IMPORT_REPORT_DIR"]


def test_import_page_links_to_the_templates_not_to_the_readme(client, auth, organizer):
    auth.login(organizer)
    html = client.get("/imports").get_data(as_text=True)
    assert "/imports/template/enterprises.xlsx" in html
    assert "/imports/template/listings.xlsx" in html
    assert "seed_data" not in html


# --- a file as a city's staff send it ---------------------------------------------------------


def test_a_city_file_written_as_staff_write_it_imports_every_row(runner):
    enterprises = runner.invoke(
        args=["import", "enterprises", str(FIXTURES / "city_enterprises.csv")]
    )
    assert enterprises.exit_code == 0, enterprises.output
    assert "5 created, 0 updated, 0 rows refused" in enterprises.output

    listings = runner.invoke(args=["import", "listings", str(FIXTURES / "city_listings.csv")])
    assert listings.exit_code == 0, listings.output
    assert "5 created, 0 updated, 0 rows refused" in listings.output

    institute = find_by_credit_code("914401019TAM4YPK9C")
    assert institute.kind.code == "research" and institute.district.code == "tianhe"
    assert {c.code for c in institute.chains} == {"ai", "software"}
    panyu = find_by_credit_code("91440101UMN87L709P")
    assert panyu.district.code == "panyu" and panyu.tier.code == "provincial"
    assert {c.code for c in panyu.chains} == {"marine", "petrochem"}
    assert find_by_credit_code("914401010R7YK80W45").district.code == "huangpu"
    assert find_by_credit_code("91440101BFF9D7E0DH").contact_mobile == "13912345678"
    nansha = find_by_credit_code("91440101RKML0EEKLH")
    assert nansha.district.code == "nansha"
    assert {c.code for c in nansha.chains} == {"energy", "lowalt"}

    got = {
        listing.ref: (
            listing.kind,
            listing.category.code,
            listing.chain.code,
            listing.budget_max,
            listing.deadline,
            listing.status,
        )
        for listing in db.session.execute(db.select(Listing)).scalars()
    }
    assert got == {
        "HP-2027-001": ("challenge", "rnd", "robotics", 500_000, date(2027, 6, 30), "published"),
        "HP-2027-002": ("challenge", "rnd", "auto", 800_000, date(2027, 6, 30), "published"),
        "PY-2027-003": (
            "challenge",
            "procurement",
            "marine",
            1_200_000,
            date(2027, 9, 30),
            "published",
        ),
        "TH-2027-004": ("capability", "rnd", "ai", None, None, "published"),
        "NS-2027-005": (
            "challenge",
            "scenario",
            "energy",
            120_000_000,
            date(2027, 12, 31),
            "draft",
        ),
    }
    assert find_by_ref("TH-2027-004").keyword_list == ["大模型", "视觉检测"]
    assert find_by_ref("HP-2027-002").keyword_list == ["激光焊接", "电池托盘"]
