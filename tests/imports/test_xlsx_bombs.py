"""XLSX decompression bombs are refused before openpyxl parses them (finding 11 of issue 14:
438 KB expanding to 203 MB of shared strings cost 18 s of CPU and 230 MB of memory)."""

import io
import time
import zipfile

import pytest

from rongtong.imports import services
from rongtong.imports.services import ImportFileError, check_xlsx_size

from .conftest import enterprise_row


@pytest.fixture
def workbook(write_file) -> bytes:
    """An ordinary one-row enterprise workbook, as staff would upload it."""
    return write_file([enterprise_row()], "xlsx").read_bytes()


def _with_member(raw: bytes, name: str, content: bytes) -> bytes:
    """``raw`` with ``name`` replaced (or added), highly compressed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            if item.filename != name:
                target.writestr(item, source.read(item))
        target.writestr(name, content, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


def _shared_strings(n: int) -> bytes:
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    head = f'<?xml version="1.0"?><sst xmlns="{ns}" count="{n}" uniqueCount="{n}">'
    return head.encode() + b"<si><t>x</t></si>" * n + b"</sst>"


@pytest.fixture
def no_parsing(monkeypatch):
    """openpyxl must never see the bomb."""

    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl was asked to parse a refused workbook")

    monkeypatch.setattr(services, "load_workbook", refuse)


def test_shared_string_bomb_is_a_form_error_quickly(auth, organizer, no_parsing, workbook):
    bomb = _with_member(workbook, "xl/sharedStrings.xml", _shared_strings(250_000))
    assert len(bomb) < 100_000  # small on the wire; 4 MB and 250,000 strings inside
    auth.login(organizer)
    started = time.perf_counter()
    response = auth.post(
        "/imports",
        data={"target": "enterprises", "file": (io.BytesIO(bomb), "bomb.xlsx")},
        content_type="multipart/form-data",
    )
    assert time.perf_counter() - started < 5
    assert response.status_code == 422
    assert "超过 200000 个不同的文本" in response.get_data(as_text=True)


def test_size_bomb_is_refused_by_the_declared_sizes(app, no_parsing, workbook):
    padding = b"<!--" + b" " * (51 * 1024 * 1024) + b"-->"
    bomb = _with_member(workbook, "xl/worksheets/sheet2.xml", padding)
    assert len(bomb) < 200_000
    with pytest.raises(ImportFileError, match="解压后超过 50 MB"):
        services.read_rows(io.BytesIO(bomb), filename="bomb.xlsx")


def test_shared_strings_declared_under_another_name_are_counted(app, monkeypatch, workbook):
    monkeypatch.setitem(app.config, "IMPORT_XLSX_MAX_SHARED_STRINGS", 1000)
    raw = _with_member(workbook, "xl/strings/other.xml", _shared_strings(1500))
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        types = archive.read("[Content_Types].xml").decode()
    types = types.replace(
        "</Types>",
        '<Override PartName="/xl/strings/other.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    raw = _with_member(raw, "[Content_Types].xml", types.encode())
    with pytest.raises(ImportFileError, match="超过 1000 个不同的文本"):
        check_xlsx_size(raw)


@pytest.mark.parametrize("n", [0, 1, 999, 1000])
def test_the_count_is_exact_across_chunk_boundaries(app, monkeypatch, n, workbook):
    """The stream is read in 1 MB chunks; tags split between two are counted once."""
    monkeypatch.setitem(app.config, "IMPORT_XLSX_MAX_SHARED_STRINGS", 1000)
    filler = b" " * (1024 * 1024 - 7)  # puts a tag across the first chunk's end
    body = _shared_strings(n).replace(b"<si>", filler + b"<si>", 1)
    raw = _with_member(workbook, "xl/sharedStrings.xml", body)
    check_xlsx_size(raw)  # at the limit: allowed
    with zipfile.ZipFile(io.BytesIO(raw)) as archive, archive.open("xl/sharedStrings.xml") as s:
        assert services._count_shared_strings(s, 10**6) == n


def test_limits_are_configurable_and_ordinary_workbooks_pass(app, monkeypatch, workbook):
    raw = workbook
    check_xlsx_size(raw)
    rows = services.read_rows(io.BytesIO(raw), filename="e.xlsx")
    assert len(rows) == 1 and rows[0].error is None
    monkeypatch.setitem(app.config, "IMPORT_XLSX_MAX_UNCOMPRESSED", 1000)
    with pytest.raises(ImportFileError, match="解压后超过"):
        check_xlsx_size(raw)
