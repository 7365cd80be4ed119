"""A proposal's files: checked by name and by content, stored under random names in the
instance folder, sent back as downloads. The web pages and the API both use this module.

Never commits. A stored file follows its row: ``add_attachment``'s file is removed if the unit
of work is rolled back, ``delete_attachment``'s once it is committed (core/outcome.py).
"""

import contextlib
import hashlib
import io
import os
import secrets
import unicodedata
import zipfile
import zlib

from flask import current_app, send_file
from flask_babel import lazy_gettext as _l

from ..core.outcome import on_commit, on_rollback
from ..core.services import ServiceError
from ..core.validators import BIDI_CONTROLS
from ..extensions import db
from .models import Proposal, ProposalAttachment
from .rules import proposer_only

#: Extension → the kind its content must be.
EXTENSIONS = {
    "pdf": "pdf",
    "docx": "docx",
    "xlsx": "xlsx",
    "png": "png",
    "jpg": "jpeg",
    "jpeg": "jpeg",
}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
    "jpeg": "image/jpeg",
}
KIND_LABELS = {
    "pdf": "PDF",
    "docx": "Word（DOCX）",
    "xlsx": "Excel（XLSX）",
    "png": "PNG",
    "jpeg": "JPEG",
}
#: The main part's content type an OOXML package must declare to count as DOCX / XLSX
#: (macro-enabled and template variants declare others and are refused).
OOXML_MAIN = {
    "docx": (
        b"word/",
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ),
    "xlsx": (b"xl/", b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
}


# --- attachments ----------------------------------------------------------------------------------


def attachment_dir() -> str:
    folder = current_app.config.get("PROPOSAL_ATTACHMENT_DIR") or os.path.join(
        current_app.instance_path, "attachments"
    )
    os.makedirs(folder, mode=0o700, exist_ok=True)
    return folder


def attachment_path(attachment: ProposalAttachment) -> str:
    # stored_name is our own random hex; checked again so that a tampered row cannot escape.
    if not attachment.stored_name.isalnum():
        msg = "bad stored attachment name"
        raise ValueError(msg)
    return os.path.join(attachment_dir(), attachment.stored_name)


def check_filename(name: str | None) -> str:
    """The uploader's file name if it is a plain name with an allowed extension."""
    if not name or not name.strip():
        raise ServiceError(_l("请选择要上传的文件。"), field="attachments", code="no_file")
    if any(unicodedata.category(c) == "Cc" for c in name):  # C0, DEL and C1
        raise ServiceError(
            _l("文件名含有空字符或控制字符，请改名后重新上传。"),
            field="attachments",
            code="bad_filename",
        )
    if any(c in BIDI_CONTROLS for c in name):
        # "合同\u202efdp.exe" shows as "合同exe.pdf": the name itself is never echoed.
        raise ServiceError(
            _l("文件名含有改变文字方向的控制字符，请改名后重新上传。"),
            field="attachments",
            code="bad_filename",
        )
    if "/" in name or "\\" in name:
        raise ServiceError(
            _l("文件名不能包含路径或斜杠（/ 或 \\）：%(name)s", name=name),
            field="attachments",
            code="bad_filename",
        )
    name = unicodedata.normalize("NFC", name).strip()
    if name.startswith(".") or ".." in name:
        raise ServiceError(
            _l("文件名不能以点开头或含有“..”：%(name)s", name=name),
            field="attachments",
            code="bad_filename",
        )
    if len(name) > 200:
        raise ServiceError(
            _l("文件名过长（最多 200 个字符）。"), field="attachments", code="bad_filename"
        )
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in EXTENSIONS:
        raise ServiceError(
            _l("不支持的文件类型：%(name)s。只接受 PDF、DOCX、XLSX、PNG、JPEG。", name=name),
            field="attachments",
            code="unsupported_type",
        )
    return name


def sniff_kind(data: bytes) -> str | None:
    """What the bytes are (pdf, docx, xlsx, png, jpeg), by their content; None if none."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"PK\x03\x04"):
        return _sniff_ooxml(data)
    return None


def _sniff_ooxml(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > 1_000_000:
                return None
            types = archive.read(info)
    except (
        KeyError,
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        EOFError,
        RuntimeError,
        NotImplementedError,
        ValueError,
    ):
        return None
    for kind, (folder, main_type) in OOXML_MAIN.items():
        if main_type in types and any(n.encode().startswith(folder) for n in names):
            return kind
    return None


def add_attachment(proposal: Proposal, user, filename: str | None, stream) -> tuple:
    """Check and store one uploaded file; returns (attachment, path written).

    The file is removed again if the unit of work does not commit.
    """
    proposer_only(proposal, user)
    if proposal.status != "draft":
        raise ServiceError(_l("方案提交后不能再添加附件。"), code="bad_state", status=409)
    name = check_filename(filename)
    limit = int(current_app.config["PROPOSAL_ATTACHMENT_MAX_BYTES"])
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ServiceError(
            _l("文件过大：%(name)s 超过 %(mb)s MB 的上限。", name=name, mb=_megabytes(limit)),
            field="attachments",
            code="too_large",
            status=413,
        )
    if not data:
        raise ServiceError(_l("文件是空的：%(name)s", name=name), field="attachments", code="empty")
    expected = EXTENSIONS[name.rsplit(".", 1)[-1].lower()]
    kind = sniff_kind(data)
    if kind != expected:
        raise ServiceError(
            _l(
                "文件内容与扩展名不符：%(name)s 不是有效的 %(kind)s 文件。",
                name=name,
                kind=KIND_LABELS[expected],
            ),
            field="attachments",
            code="type_mismatch",
            status=415,
        )
    count = len(proposal.attachments)
    if count >= int(current_app.config["PROPOSAL_ATTACHMENTS_MAX"]):
        raise ServiceError(
            _l("每份方案最多 %(n)d 个附件。", n=current_app.config["PROPOSAL_ATTACHMENTS_MAX"]),
            field="attachments",
            code="too_many_files",
        )
    stored = secrets.token_hex(16)
    path = os.path.join(attachment_dir(), stored)
    with open(path, "xb") as handle:
        handle.write(data)
    on_rollback(lambda: remove_files([path]))
    attachment = ProposalAttachment(
        stored_name=stored,
        filename=name,
        kind=kind,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=user.id,
    )
    proposal.attachments.append(attachment)
    db.session.flush()
    return attachment, path


def _megabytes(limit: int) -> str:
    value = limit / (1024 * 1024)
    return f"{value:.0f}" if value >= 1 else f"{value:.2f}"


def delete_attachment(attachment: ProposalAttachment, user) -> str:
    """Remove a draft's file row; the file goes once that is committed. Returns its path."""
    proposal = attachment.proposal
    proposer_only(proposal, user)
    if proposal.status != "draft":
        raise ServiceError(_l("方案提交后不能删除附件。"), code="bad_state", status=409)
    path = attachment_path(attachment)
    proposal.attachments.remove(attachment)
    db.session.flush()
    on_commit(lambda: remove_files([path]))
    return path


def remove_files(paths) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)


def send_attachment(item: ProposalAttachment):
    """The file as a download that no cache keeps (the web page's and the API's answer)."""
    response = send_file(
        attachment_path(item),
        mimetype=CONTENT_TYPES[item.kind],
        as_attachment=True,
        download_name=item.filename,
        conditional=False,
        etag=False,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
