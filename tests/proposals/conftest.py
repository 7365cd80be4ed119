"""Proposal fixtures: a challenge with its owner, proposers, and files of each kind."""

import io
import zipfile

import pytest

from rongtong.extensions import db
from rongtong.mail.models import OutboxMail
from rongtong.proposals.models import Proposal

API = "/api/v1"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
DOCX_TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)


def ooxml(entries: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def docx() -> bytes:
    return ooxml({"[Content_Types].xml": DOCX_TYPES, "word/document.xml": "<w:document/>"})


def xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active["A1"] = "报价明细"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def owner(make_user, make_enterprise):
    """A member of a verified large firm that posts challenges."""
    return make_user(
        enterprise=make_enterprise(kind="large", tier=None, name="广汽测试集团有限公司")
    )


@pytest.fixture
def challenge(owner, make_listing):
    return make_listing(
        enterprise=owner.enterprise,
        title="电池托盘激光焊接变形控制",
        confidential="内部目标：年产 20 万件，单价 80 元以内",
    )


@pytest.fixture
def proposer(make_user, make_enterprise):
    """``proposer(kind="sme", verified=True)``: a member of a would-be proposing enterprise."""

    def make(kind: str = "sme", verified: bool = True, enterprise=None, **kw):
        if enterprise is None:
            enterprise = make_enterprise(
                kind=kind, tier="innovative" if kind == "sme" else None, verified=verified
            )
        return make_user(enterprise=enterprise, **kw)

    return make


def api_error(response, status, code=None) -> dict:
    """The API's error body, checked for its shape, its status and (if given) its code."""
    assert response.status_code == status, response.get_data(as_text=True)[:800]
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    if code:
        assert body["error"]["code"] == code, body
    return body["error"]


def proposal_data(**overrides) -> dict:
    data = {
        "summary": "采用摆动激光焊与夹具预变形补偿控制托盘变形。",
        "approach": "第一步：有限元预测焊接变形；第二步：设计反变形夹具；第三步：小批试制验证。",
        "team": "张工（焊接工艺，高级工程师）；李博士（结构仿真）。",
        "timeline": "第 1–2 月仿真与夹具设计；第 3 月小批试制；第 4 月验收。",
        "quote": 380000,
    }
    data.update(overrides)
    return data


def mails(purpose: str | None = None) -> list[OutboxMail]:
    stmt = db.select(OutboxMail).order_by(OutboxMail.id)
    if purpose:
        stmt = stmt.where(OutboxMail.purpose == purpose)
    return list(db.session.execute(stmt).scalars())


def proposal_count(listing_id: int | None = None) -> int:
    stmt = db.select(db.func.count(Proposal.id))
    if listing_id is not None:
        stmt = stmt.where(Proposal.listing_id == listing_id)
    return db.session.execute(stmt).scalar_one()


def fetch(client, path: str, **kwargs):
    """GET, read the whole body and close the response (a sent file holds an open handle)."""
    response = client.get(path, **kwargs)
    response.get_data()
    response.close()
    return response
