"""Attachments: type by content, size limit, safe names, stored outside static/."""

import io
import os

import pytest

from rongtong.core.services import ServiceError
from rongtong.extensions import db
from rongtong.proposals import services
from rongtong.proposals.models import ProposalAttachment

from .conftest import JPEG, PDF, PNG, docx, fetch, ooxml, proposal_data, xlsx


@pytest.fixture
def draft(auth, challenge, proposer):
    member = proposer()
    auth.login(member)
    auth.post(f"/listings/{challenge.id}/propose", {**proposal_data(), "save": "1"})
    return services.proposal_of(member.enterprise_id, challenge)


def _upload(auth, draft, name, data):
    return auth.post(
        f"/proposals/{draft.id}/edit",
        {**proposal_data(), "save": "1", "attachments": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _stored_files(app):
    folder = os.path.join(app.instance_path, "attachments")
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def test_good_files_of_each_kind_are_stored_under_random_names(app, client, auth, draft):
    before = _stored_files(app)
    files = {
        "方案.pdf": PDF,
        "图.png": PNG,
        "照片.JPG": JPEG,
        "说明.docx": docx(),
        "报价.xlsx": xlsx(),
    }
    for name, data in files.items():
        response = _upload(auth, draft, name, data)
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    kinds = {a.filename: a.kind for a in draft.attachments}
    assert kinds == {
        "方案.pdf": "pdf",
        "图.png": "png",
        "照片.JPG": "jpeg",
        "说明.docx": "docx",
        "报价.xlsx": "xlsx",
    }
    new = set(_stored_files(app)) - set(before)
    assert new == {a.stored_name for a in draft.attachments}
    for attachment in draft.attachments:
        assert len(attachment.stored_name) == 32 and attachment.stored_name.isalnum()
        path = services.attachment_path(attachment)
        assert path.startswith(os.path.join(app.instance_path, "attachments"))
        assert "static" not in path.split(os.sep)
        with open(path, "rb") as handle:
            assert handle.read() == files[attachment.filename]
    xlsx_file = next(a for a in draft.attachments if a.kind == "xlsx")
    response = fetch(client, f"/proposals/{draft.id}/attachments/{xlsx_file.id}")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    # Deleting a draft's file removes row and file.
    pdf = next(a for a in draft.attachments if a.kind == "pdf")
    stored = services.attachment_path(pdf)
    auth.post(f"/proposals/{draft.id}/attachments/{pdf.id}/delete")
    assert not os.path.exists(stored) and "方案.pdf" not in {a.filename for a in draft.attachments}


BAD = [
    ("too large", "大文件.pdf", PDF + b"0" * 3000, "文件过大"),
    ("PNG named .pdf", "方案.pdf", PNG, "不是有效的 PDF 文件"),
    ("PDF named .png", "图.png", PDF, "不是有效的 PNG 文件"),
    ("text named .docx", "说明.docx", b"just text, not a zip", "不是有效的 Word"),
    (
        "zip without word/ named .docx",
        "说明.docx",
        ooxml({"[Content_Types].xml": "<Types/>", "readme.txt": "x"}),
        "不是有效的 Word",
    ),
    ("xlsx named .docx", "说明.docx", xlsx(), "不是有效的 Word"),
    ("docx named .xlsx", "报价.xlsx", docx(), "不是有效的 Excel"),
    ("html named .jpg", "照片.jpg", b"<html><script>alert(1)</script></html>", "不是有效的 JPEG"),
    ("executable", "setup.exe", b"MZ\x90\x00", "不支持的文件类型"),
    ("no extension", "README", PDF, "不支持的文件类型"),
    ("path traversal", "../../etc/passwd", b"root:x:0:0", "不能包含路径"),
    ("traversal with a good extension", "../../../static/x.pdf", PDF, "不能包含路径"),
    # The multipart header unquotes "\\": the server sees "....evil.pdf".
    ("windows path", "..\\..\\evil.pdf", PDF, "不能以点开头或含有"),
    ("slash", "a/b.pdf", PDF, "不能包含路径"),
    ("dot file", ".htaccess.pdf", PDF, "不能以点开头"),
    ("double dot", "x..pdf", PDF, "不能以点开头或含有"),
    # Finding 15: a right-to-left override makes "合同\u202efdp.exe" read "合同exe.pdf".
    ("bidi override", "合同\u202egnp.pdf", PDF, "改变文字方向"),
    ("bidi isolate", "合同\u2067fdp\u2069.pdf", PDF, "改变文字方向"),
    ("C1 control", "合同\x85.pdf", PDF, "控制字符"),
]


@pytest.mark.parametrize(("label", "name", "data", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_uploads_are_refused_with_a_message(app, auth, draft, label, name, data, message):
    if label == "too large":
        app.config["PROPOSAL_ATTACHMENT_MAX_BYTES"] = 2000
    before = _stored_files(app)
    try:
        response = _upload(auth, draft, name, data)
    finally:
        app.config["PROPOSAL_ATTACHMENT_MAX_BYTES"] = 10 * 1024 * 1024
    assert response.status_code == 200
    assert message in response.get_data(as_text=True), label
    assert db.session.execute(db.select(db.func.count(ProposalAttachment.id))).scalar_one() == 0
    assert _stored_files(app) == before


def test_a_refused_file_keeps_the_good_ones_out_too(app, auth, draft):
    """The upload is one unit: a bad second file leaves no first file behind."""
    before = _stored_files(app)
    response = auth.post(
        f"/proposals/{draft.id}/edit",
        {
            **proposal_data(),
            "save": "1",
            "attachments": [(io.BytesIO(PDF), "好.pdf"), (io.BytesIO(PNG), "坏.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert "不是有效的 PDF 文件" in response.get_data(as_text=True)
    assert draft.attachments == [] and _stored_files(app) == before


@pytest.mark.parametrize(
    "name",
    [
        "bad\x00name.pdf",
        "x\x00../../etc/passwd",
        "tab\tname.pdf",
        "next\x85line.pdf",
        "rtl\u202eexe.pdf",
        "mark\u200fname.pdf",
        "/etc/passwd.pdf",
        "C:\\Users\\a\\file.pdf",
        "..",
        ".",
    ],
)
def test_names_with_nul_control_characters_or_paths_are_refused(name):
    with pytest.raises(ServiceError) as caught:
        services.check_filename(name)
    assert caught.value.field == "attachments" and str(caught.value.message)


def test_content_sniffing_decides_not_the_name():
    assert services.sniff_kind(PDF) == "pdf"
    assert services.sniff_kind(PNG) == "png"
    assert services.sniff_kind(JPEG) == "jpeg"
    assert services.sniff_kind(docx()) == "docx"
    assert services.sniff_kind(xlsx()) == "xlsx"
    assert services.sniff_kind(b"PK\x03\x04 broken zip") is None
    macro = ooxml(
        {
            "[Content_Types].xml": "application/vnd.ms-word.document.macroEnabled.main+xml",
            "word/document.xml": "<w/>",
        }
    )
    assert services.sniff_kind(macro) is None


def test_files_only_on_drafts(auth, challenge, proposer):
    member = proposer()
    auth.login(member)
    auth.post(
        f"/listings/{challenge.id}/propose", {**proposal_data(), "accept_terms": "y", "submit": "1"}
    )
    proposal = services.proposal_of(member.enterprise_id, challenge)
    with pytest.raises(ServiceError) as caught:
        services.add_attachment(proposal, member, "a.pdf", io.BytesIO(PDF))
    assert caught.value.status == 409
