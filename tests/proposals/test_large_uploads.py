"""Uploads that never lose work: the limits agree and are stated; a 30 MB submission (over
the 20 MB per-submission limit) brings the form back with what was typed and a Chinese
message; a body beyond even the read cap gets a Chinese page, not Werkzeug's English."""

import io

from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from rongtong.extensions import db
from rongtong.proposals.models import Proposal
from tests.conftest import csrf_token

from .conftest import PDF, proposal_data

MB = 1024 * 1024


def _big_pdf(size: int) -> bytes:
    return PDF + b"0" * (size - len(PDF))


def _post_file(client, path: str, fields: dict, name: str, size: int):
    """A multipart POST built in memory: the test client's own encoder spools a large body to
    a temporary file it never closes (a ResourceWarning under ``filterwarnings = error``)."""
    values = {k: str(v) for k, v in fields.items()}
    values["csrf_token"] = csrf_token(client, "/")
    values["attachments"] = FileStorage(io.BytesIO(_big_pdf(size)), filename=name)
    boundary, body = encode_multipart(values)
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_the_form_states_limits_that_agree_with_the_config(app, client, auth, challenge, proposer):
    assert app.config["PROPOSAL_REQUEST_MAX_BYTES"] <= app.config["MAX_CONTENT_LENGTH"]
    assert app.config["PROPOSAL_ATTACHMENT_MAX_BYTES"] <= app.config["PROPOSAL_REQUEST_MAX_BYTES"]
    auth.login(proposer())
    html = client.get(f"/listings/{challenge.id}/propose").get_data(as_text=True)
    assert "单个文件不超过 10 MB，一次提交的附件合计不超过 20 MB" in html


def test_thirty_megabytes_keep_the_text_and_say_why_in_chinese(client, auth, challenge, proposer):
    member = proposer()
    auth.login(member)
    typed = proposal_data(summary="三十兆的附件也不该吞掉这段摘要。")
    response = _post_file(
        client,
        f"/listings/{challenge.id}/propose",
        {**typed, "submit": "1", "accept_terms": "y"},
        "大文件.pdf",
        30 * MB,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "三十兆的附件也不该吞掉这段摘要。" in html
    assert typed["approach"] in html and typed["team"] in html and 'value="380000"' in html
    assert "附件合计超过单次提交 20 MB 的上限" in html
    assert "exceeds" not in html and "Request Entity Too Large" not in html
    assert db.session.execute(db.select(Proposal)).first() is None


def test_an_oversized_file_on_the_draft_keeps_the_edits(client, auth, challenge, proposer):
    member = proposer()
    auth.login(member)
    auth.post(f"/listings/{challenge.id}/propose", {**proposal_data(), "save": "1"})
    draft = db.session.execute(db.select(Proposal)).scalar_one()
    response = _post_file(
        client,
        f"/proposals/{draft.id}/edit",
        {**proposal_data(team="改过的团队介绍"), "save": "1"},
        "十二兆.pdf",
        12 * MB,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "改过的团队介绍" in html and "超过 10 MB 的上限" in html


def test_beyond_the_read_cap_a_chinese_page(app, client, auth, challenge, proposer, monkeypatch):
    monkeypatch.setitem(app.config, "PROPOSAL_FORM_READ_MAX_BYTES", 25 * MB)
    auth.login(proposer())
    response = _post_file(
        client, f"/listings/{challenge.id}/propose", proposal_data(), "大文件.pdf", 30 * MB
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "上传的内容过大，未能接收（单次上限 25 MB）" in html
