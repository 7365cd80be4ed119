"""Drafts through the JSON API: edit the content, upload and delete files, as on the web."""

import io
import os

import openapi_spec_validator
import pytest

from rongtong.extensions import db
from rongtong.proposals import services
from rongtong.proposals.models import ProposalAttachment

from .conftest import API, PDF, PNG, api_error, fetch, proposal_data


def _stored_files(app) -> list[str]:
    folder = os.path.join(app.instance_path, "attachments")
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def _attachment_count() -> int:
    return db.session.execute(db.select(db.func.count(ProposalAttachment.id))).scalar_one()


def _upload(client, proposal_id, headers, name="方案.pdf", data=PDF):
    return client.post(
        f"{API}/proposals/{proposal_id}/attachments",
        data={"file": (io.BytesIO(data), name)},
        headers=headers,
        content_type="multipart/form-data",
    )


@pytest.fixture
def draft(client, api_token, challenge, proposer):
    """A draft of a verified SME, created through the API; returns (body, headers, member)."""
    member = proposer()
    headers = api_token(member)
    db.session.commit()
    response = client.post(
        f"{API}/listings/{challenge.id}/proposals",
        json={"summary": "初稿摘要", "quote": 100_000, "status": "draft"},
        headers=headers,
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json(), headers, member


def test_a_draft_is_edited_field_by_field(client, api_token, make_user, draft):
    body, headers, member = draft
    url = f"{API}/proposals/{body['id']}"

    response = client.patch(url, json={"approach": "  摆动激光焊 + 反变形夹具  "}, headers=headers)
    assert response.status_code == 200, response.get_json()
    edited = response.get_json()
    # Only the field sent changes (trimmed); the others keep their value.
    assert edited["approach"] == "摆动激光焊 + 反变形夹具"
    assert (edited["summary"], edited["quote"], edited["status"]) == ("初稿摘要", 100_000, "draft")

    # A colleague of the same enterprise may edit too; null clears the quote.
    colleague_h = api_token(make_user(enterprise=member.enterprise))
    db.session.commit()
    response = client.patch(url, json={"quote": None, "team": "张工"}, headers=colleague_h)
    assert response.status_code == 200
    assert (response.get_json()["quote"], response.get_json()["team"]) == (None, "张工")

    # An empty change changes nothing.
    assert client.patch(url, json={}, headers=headers).get_json()["approach"] == edited["approach"]
    stored = client.get(url, headers=headers).get_json()
    assert (stored["summary"], stored["approach"], stored["quote"]) == (
        "初稿摘要",
        "摆动激光焊 + 反变形夹具",
        None,
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"summary": "摘" * 501}, "summary"),
        ({"approach": "a\x00b"}, "approach"),
        ({"quote": -1}, "quote"),
        ({"quote": "三十万"}, "quote"),
        ({"status": "submitted"}, "status"),  # submitting is its own operation
        ({"accept_terms": True}, "accept_terms"),
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_edits_are_422_and_change_nothing(client, draft, body, field):
    proposal, headers, _member = draft
    url = f"{API}/proposals/{proposal['id']}"
    error = api_error(client.patch(url, json=body, headers=headers), 422)
    assert field in error["fields"], error
    assert client.get(url, headers=headers).get_json()["summary"] == "初稿摘要"


def test_a_submitted_proposal_is_not_edited(client, draft):
    body, headers, _member = draft
    url = f"{API}/proposals/{body['id']}"
    client.patch(url, json=proposal_data(), headers=headers)
    response = client.post(f"{url}/submit", json={"accept_terms": True}, headers=headers)
    assert response.get_json()["status"] == "submitted"

    error = api_error(
        client.patch(url, json={"summary": "改了"}, headers=headers), 409, "bad_state"
    )
    assert error["message"]
    assert client.get(url, headers=headers).get_json()["summary"] == proposal_data()["summary"]


def test_only_the_proposing_enterprise_edits(client, api_token, owner, proposer, draft):
    """Others get what reading someone else's proposal gives: 403 (401 without a token)."""
    body, headers, _member = draft
    url = f"{API}/proposals/{body['id']}"
    stranger_h, owner_h = api_token(proposer()), api_token(owner)
    db.session.commit()
    assert client.get(url, headers=stranger_h).status_code == 403  # the reference
    api_error(client.patch(url, json={"summary": "x"}, headers=stranger_h), 403)
    api_error(client.patch(url, json={"summary": "x"}), 401)
    api_error(_upload(client, body["id"], stranger_h), 403)

    # The challenge owner reads a submitted proposal but does not write it.
    client.patch(url, json=proposal_data(), headers=headers)
    attachment = _upload(client, body["id"], headers).get_json()
    client.post(f"{url}/submit", json={"accept_terms": True}, headers=headers)
    assert client.get(url, headers=owner_h).status_code == 200
    api_error(client.patch(url, json={"summary": "x"}, headers=owner_h), 403, "forbidden")
    api_error(_upload(client, body["id"], owner_h), 403, "forbidden")
    api_error(client.delete(f"{url}/attachments/{attachment['id']}", headers=owner_h), 403)
    api_error(client.delete(f"{url}/attachments/{attachment['id']}", headers=stranger_h), 403)
    assert client.get(url, headers=headers).get_json()["summary"] == proposal_data()["summary"]
    assert _attachment_count() == 1


def test_upload_a_pdf_and_download_it(app, client, draft):
    body, headers, _member = draft
    before = _stored_files(app)

    response = _upload(client, body["id"], headers)
    assert response.status_code == 201, response.get_json()
    item = response.get_json()
    assert item["filename"] == "方案.pdf" and item["kind"] == "pdf"
    assert item["content_type"] == "application/pdf" and item["size"] == len(PDF)
    assert item["url"] == f"{API}/proposals/{body['id']}/attachments/{item['id']}"

    # Stored under a random name in instance/attachments, with the bytes sent.
    row = db.session.get(ProposalAttachment, item["id"])
    assert set(_stored_files(app)) - set(before) == {row.stored_name}
    assert len(row.stored_name) == 32 and row.stored_name.isalnum()
    path = services.attachment_path(row)
    assert path.startswith(os.path.join(app.instance_path, "attachments") + os.sep)
    with open(path, "rb") as handle:
        assert handle.read() == PDF

    # Downloaded back through the API, and listed on the proposal.
    response = client.get(item["url"], headers=headers)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.get_data() == PDF
    response.close()
    proposal = client.get(f"{API}/proposals/{body['id']}", headers=headers).get_json()
    assert [a["id"] for a in proposal["attachments"]] == [item["id"]]
    assert proposal["attachments"][0]["content_type"] == "application/pdf"


BAD = [
    ("wrong type", "方案.pdf", PNG, "type_mismatch", "不是有效的 PDF 文件"),
    ("unsupported", "setup.exe", b"MZ\x90\x00", "unsupported_type", "不支持的文件类型"),
    ("too large", "大文件.pdf", PDF + b"0" * 3000, "too_large", "文件过大"),
    ("empty", "空.pdf", b"", "empty", "文件是空的"),
    ("path", "../../static/x.pdf", PDF, "bad_filename", "不能包含路径"),
    ("bidi", "合同\u202egnp.pdf", PDF, "bad_filename", "改变文字方向"),
    ("control", "合同\x0b.pdf", PDF, "bad_filename", "控制字符"),
    ("no name", "", PDF, "no_file", "请选择要上传的文件"),
]


@pytest.mark.parametrize(("label", "name", "data", "code", "message"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_file_is_422_and_nothing_is_stored(
    app, client, monkeypatch, draft, label, name, data, code, message
):
    body, headers, _member = draft
    monkeypatch.setitem(app.config, "PROPOSAL_ATTACHMENT_MAX_BYTES", 2000)
    before = _stored_files(app)
    error = api_error(_upload(client, body["id"], headers, name, data), 422, code)
    assert list(error["fields"]) == ["file"] and message in error["fields"]["file"][0], error
    assert _stored_files(app) == before
    assert _attachment_count() == 0


def test_a_missing_file_part_is_422(app, client, draft):
    body, headers, _member = draft
    before = _stored_files(app)
    response = client.post(
        f"{API}/proposals/{body['id']}/attachments",
        data={"other": (io.BytesIO(PDF), "a.pdf")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert api_error(response, 422)["fields"].keys() >= {"file"}
    response = client.post(
        f"{API}/proposals/{body['id']}/attachments", json={"file": "JVBERi0="}, headers=headers
    )
    assert "file" in api_error(response, 422)["fields"]
    assert _stored_files(app) == before and _attachment_count() == 0


def test_the_file_count_limit_holds(app, client, monkeypatch, draft):
    body, headers, _member = draft
    monkeypatch.setitem(app.config, "PROPOSAL_ATTACHMENTS_MAX", 1)
    assert _upload(client, body["id"], headers).status_code == 201
    before = _stored_files(app)
    api_error(_upload(client, body["id"], headers, "二.pdf"), 422, "too_many_files")
    assert _stored_files(app) == before and _attachment_count() == 1


def test_delete_an_attachment(app, client, draft, challenge, proposer, api_token):
    body, headers, _member = draft
    item = _upload(client, body["id"], headers).get_json()
    path = services.attachment_path(db.session.get(ProposalAttachment, item["id"]))
    assert os.path.exists(path)

    url = f"{API}/proposals/{body['id']}/attachments/{item['id']}"
    response = client.delete(url, headers=headers)
    assert response.status_code == 204 and response.get_data() == b""
    assert not os.path.exists(path) and _attachment_count() == 0
    assert (
        client.get(f"{API}/proposals/{body['id']}", headers=headers).get_json()["attachments"] == []
    )
    api_error(client.delete(url, headers=headers), 404)
    api_error(fetch(client, url, headers=headers), 404)
    api_error(
        client.delete(f"{API}/proposals/{body['id']}/attachments/{2**40}", headers=headers), 404
    )

    # Another proposal's file is not reached through this one.
    other = proposer()
    other_h = api_token(other)
    db.session.commit()
    theirs = client.post(
        f"{API}/listings/{challenge.id}/proposals", json={"status": "draft"}, headers=other_h
    ).get_json()
    their_file = _upload(client, theirs["id"], other_h).get_json()
    api_error(
        client.delete(
            f"{API}/proposals/{body['id']}/attachments/{their_file['id']}", headers=headers
        ),
        404,
    )
    assert _attachment_count() == 1


def test_files_only_on_drafts(app, client, draft):
    body, headers, _member = draft
    url = f"{API}/proposals/{body['id']}"
    item = _upload(client, body["id"], headers).get_json()
    client.patch(url, json=proposal_data(), headers=headers)
    assert (
        client.post(f"{url}/submit", json={"accept_terms": True}, headers=headers).status_code
        == 200
    )

    before = _stored_files(app)
    api_error(_upload(client, body["id"], headers, "补充.pdf"), 409, "bad_state")
    api_error(client.delete(f"{url}/attachments/{item['id']}", headers=headers), 409, "bad_state")
    assert _stored_files(app) == before and _attachment_count() == 1
    response = fetch(client, f"{url}/attachments/{item['id']}", headers=headers)
    assert response.status_code == 200


def test_openapi_documents_the_draft_operations(client):
    spec = client.get(f"{API}/openapi.json").get_json()
    openapi_spec_validator.validate(spec)
    one = spec["paths"][f"{API}/proposals/{{proposal_id}}"]["patch"]
    assert one["security"] == [{"bearerAuth": []}]
    assert {"200", "401", "403", "404", "409", "422"} <= set(one["responses"])
    patch = spec["components"]["schemas"]["ProposalPatch"]
    assert set(patch["properties"]) == {"summary", "approach", "team", "timeline", "quote"}
    assert "required" not in patch

    upload = spec["paths"][f"{API}/proposals/{{proposal_id}}/attachments"]["post"]
    assert {"201", "401", "403", "404", "409", "422"} <= set(upload["responses"])
    body = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    form = spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
    assert form["required"] == ["file"] and form["properties"]["file"]["format"] == "binary"
    attachment = spec["components"]["schemas"]["Attachment"]
    assert {"id", "filename", "size", "content_type", "url"} <= set(attachment["properties"])

    delete = spec["paths"][f"{API}/proposals/{{proposal_id}}/attachments/{{attachment_id}}"]
    assert {"204", "401", "403", "404", "409"} <= set(delete["delete"]["responses"])


@pytest.mark.slow
def test_fuzzing_a_real_draft_gives_documented_answers(app, client, draft):
    """Schemathesis on the draft's own operations, as its enterprise: the generic run only
    reaches 404s (its token owns no proposal), this one reaches the 200s and 422s."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings

    from tests.api.test_schemathesis import CHECKS

    body, headers, _member = draft
    before = _stored_files(app)
    schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", app)
    paths = {
        ("PATCH", f"{API}/proposals/{{proposal_id}}"),
        ("POST", f"{API}/proposals/{{proposal_id}}/attachments"),
    }
    operations = [
        op
        for op in (result.ok() for result in schema.get_all_operations())
        if (op.method.upper(), op.path) in paths
    ]
    assert len(operations) == 2
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def run(case):
            case.path_parameters = {"proposal_id": body["id"]}
            case.call_and_validate(headers=headers, checks=CHECKS)

        run()
    # Whatever was refused left nothing behind; whatever was stored has its row.
    rows = db.session.execute(db.select(ProposalAttachment.stored_name)).scalars().all()
    assert set(_stored_files(app)) - set(before) == set(rows)
