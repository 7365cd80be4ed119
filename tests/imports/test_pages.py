"""The import page and the export download (organizers and admins only)."""

import csv
import io

from openpyxl import load_workbook

from rongtong.enterprises.services import find_by_credit_code
from rongtong.extensions import db

from ..conftest import valid_credit_code
from .conftest import enterprise_row


def test_only_organizers_reach_the_pages(client, auth, make_user, organizer):
    assert client.get("/imports").status_code == 302  # to the login page
    assert client.get("/exports/listings").status_code == 302

    member = make_user()
    db.session.commit()
    auth.login(member)
    assert client.get("/imports").status_code == 403
    assert client.get("/exports/listings").status_code == 403
    auth.logout()

    auth.login(organizer)
    page = client.get("/imports")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html
    assert '<label for="file">' in html
    for name in ("target-0", "target-1", "format", "kind", "status"):
        assert f'<label for="{name}">' in html, name


def _upload(auth, rows_bytes: bytes, filename: str, target: str = "enterprises", **kw):
    return auth.post(
        "/imports",
        data={"target": target, "file": (io.BytesIO(rows_bytes), filename), **kw},
        content_type="multipart/form-data",
    )


def test_upload_imports_good_rows_and_lists_bad_ones(auth, organizer, write_file):
    auth.login(organizer)
    good = valid_credit_code()
    path = write_file([enterprise_row(credit_code=good), enterprise_row(credit_code="123")], "csv")

    response = _upload(auth, path.read_bytes(), "enterprises.csv")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "新建 1 条，更新 0 条，出错 1 行" in html
    assert "<td>3</td>" in html and "credit_code" in html and "18 位" in html
    db.session.expire_all()
    enterprise = find_by_credit_code(good)
    assert enterprise is not None and enterprise.verified_by_id == organizer.id


def test_upload_checks_type_size_and_csrf(app, client, auth, organizer, write_file):
    auth.login(organizer)
    before = db.session.execute(db.select(db.func.count()).select_from(
        find_by_credit_code.__globals__["Enterprise"])).scalar_one()  # fmt: skip

    wrong_type = _upload(auth, b"hello", "notes.txt")
    assert wrong_type.status_code == 422
    assert "只接受 .jsonl、.csv 或 .xlsx 文件" in wrong_type.get_data(as_text=True)

    app.config["IMPORT_MAX_BYTES"] = 10
    try:
        too_big = _upload(auth, write_file([enterprise_row()], "jsonl").read_bytes(), "e.jsonl")
    finally:
        del app.config["IMPORT_MAX_BYTES"]
    assert too_big.status_code == 422
    assert "文件不能超过" in too_big.get_data(as_text=True)

    broken = _upload(auth, b"not a workbook", "e.xlsx")
    assert broken.status_code == 422
    assert "无法读取" in broken.get_data(as_text=True)

    no_token = client.post(
        "/imports",
        data={"target": "enterprises", "file": (io.BytesIO(b"{}"), "e.jsonl")},
        content_type="multipart/form-data",
    )
    assert no_token.status_code == 400

    after = db.session.execute(db.select(db.func.count()).select_from(
        find_by_credit_code.__globals__["Enterprise"])).scalar_one()  # fmt: skip
    assert after == before


def test_export_downloads(client, auth, organizer, make_listing):
    make_listing(ref="CH-P-1", kind="challenge", chain="auto")
    make_listing(ref="CA-P-2", kind="capability", chain="robotics")
    db.session.commit()
    auth.login(organizer)

    response = client.get("/exports/listings?format=csv&chain=auto")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert [r["编号"] for r in rows] == ["CH-P-1"]
    assert rows[0]["保密信息"]  # organizers export everything they can see

    response = client.get("/exports/listings?format=xlsx&kind=capability")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["CA-P-2"]

    assert client.get("/exports/listings?format=pdf").status_code == 400


def test_a_large_upload_commits_in_batches_and_a_crash_keeps_the_finished_ones(
    app, auth, organizer, write_file, monkeypatch
):
    """Other writers are not held for the length of an import; a crash loses one batch."""
    from sqlalchemy import event

    from rongtong.imports import services as import_services

    auth.login(organizer)
    codes = [valid_credit_code() for _ in range(5)]
    path = write_file([enterprise_row(credit_code=code) for code in codes], "csv")
    commits = []

    def count(session):
        commits.append(1)

    real_apply = import_services.apply_profile
    calls = []

    def crash_on_the_fourth_row(*args, **kwargs):
        calls.append(1)
        if len(calls) == 4:
            raise RuntimeError("the worker was killed here")
        return real_apply(*args, **kwargs)

    monkeypatch.setitem(app.config, "IMPORT_BATCH_ROWS", 2)
    monkeypatch.setattr(import_services, "apply_profile", crash_on_the_fourth_row)
    event.listen(db.session, "after_commit", count)
    try:
        crashed = _upload(auth, path.read_bytes(), "enterprises.csv")
    finally:
        event.remove(db.session, "after_commit", count)
    assert crashed.status_code == 500
    db.session.rollback()
    kept = [code for code in codes if find_by_credit_code(code) is not None]
    assert kept == codes[:2]  # the first batch was committed; row 3 went with the crash
    assert len(commits) >= 1

    monkeypatch.setattr(import_services, "apply_profile", real_apply)
    again = _upload(auth, path.read_bytes(), "enterprises.csv")  # the re-run finishes it
    assert "新建 3 条，更新 2 条，出错 0 行" in again.get_data(as_text=True)


def test_a_near_duplicate_within_one_file_is_flagged_against_the_earlier_row(
    auth, organizer, write_file
):
    auth.login(organizer)
    first, second, other = (valid_credit_code() for _ in range(3))
    rows = [
        enterprise_row(credit_code=first, name="广州星瀚精密机械有限公司"),
        enterprise_row(credit_code=other, name="深圳云帆新材料科技有限公司"),
        enterprise_row(credit_code=second, name="广州市星瀚精密机械股份有限公司"),
    ]
    response = _upload(auth, write_file(rows, "csv").read_bytes(), "enterprises.csv")
    assert "新建 3 条" in response.get_data(as_text=True)
    db.session.expire_all()
    later = find_by_credit_code(second)
    assert later.possible_duplicate_of is find_by_credit_code(first)
    assert find_by_credit_code(other).possible_duplicate_of is None
