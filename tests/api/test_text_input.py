"""The API's text fields refuse what the forms refuse: control and bidi characters anywhere,
line breaks in single-line fields (one check, ``core.validators.check_plain_text``)."""

import pytest

from rongtong.core.schemas import Text
from rongtong.extensions import db
from rongtong.listings.models import Listing
from tests.api.conftest import API, assert_error

LISTING = {"kind": "capability", "category": "rnd", "chain": "robotics", "title": "伺服电机检测"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "伺服电机\n检测"),
        ("title", "伺服电机\r检测"),
        ("title", "伺服\u202e电机"),
        ("title", "伺服\x0b电机"),
        ("summary", "摘要\u2066隐藏\u2069"),
        ("description", "说明\x1b[31m"),
        ("keywords", ["伺服", "检\u202e测"]),
    ],
)
def test_listing_text_refuses_control_and_bidi_characters(client, caller, field, value):
    member = caller()
    response = client.post(
        f"{API}/listings", json={**LISTING, field: value}, headers=member.headers
    )
    assert_error(response, 422, field)
    assert not db.session.execute(db.select(Listing).where(Listing.title.like("伺服%"))).first()


def test_multiline_fields_keep_their_line_breaks(client, caller):
    member = caller()
    body = {**LISTING, "summary": "第一行\n第二行", "description": "一\r\n二\t三"}
    response = client.post(f"{API}/listings", json=body, headers=member.headers)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["summary"] == "第一行\n第二行"


def test_a_trailing_line_break_is_trimmed_not_refused(client, caller):
    member = caller()
    response = client.post(
        f"{API}/listings", json={**LISTING, "title": "伺服电机检测\n"}, headers=member.headers
    )
    assert response.status_code == 201
    assert response.get_json()["title"] == "伺服电机检测"


def test_event_fields_single_line_and_multiline(client, caller):
    organizer = caller("organizer")
    event = {
        "title": "机器人路演",
        "kind": "roadshow",
        "chain": "robotics",
        "starts_at": "2027-05-20T14:00:00",
        "ends_at": "2027-05-20T18:00:00",
    }
    for field in ("title", "venue", "organiser"):
        response = client.post(
            f"{API}/events",
            json={**event, field: "上午\r\nBcc: x@example.cn"},
            headers=organizer.headers,
        )
        assert_error(response, 422, field)
    response = client.post(
        f"{API}/events",
        json={**event, "description": "第一段\n\n第二段"},
        headers=organizer.headers,
    )
    assert response.status_code == 201, response.get_json()


def test_every_single_line_text_field_of_the_api_is_checked():
    """Each Text field of an input schema: a line break is refused unless it is multiline."""
    from marshmallow import ValidationError

    from rongtong.enterprises.schemas import EnterpriseImportSchema
    from rongtong.events.schemas import EventInSchema, MeetingRequestInSchema, OutcomeInSchema
    from rongtong.listings.schemas import ListingInSchema
    from rongtong.proposals.schemas import DecisionSchema, MessageInSchema, ProposalInSchema

    checked = 0
    for schema in (
        EnterpriseImportSchema,
        EventInSchema,
        MeetingRequestInSchema,
        OutcomeInSchema,
        ListingInSchema,
        DecisionSchema,
        MessageInSchema,
        ProposalInSchema,
    ):
        for name, field in schema().fields.items():
            if not isinstance(field, Text):
                continue
            with pytest.raises(ValidationError):
                field.deserialize("甲\u202e乙")
            if field.multiline:
                assert field.deserialize("甲\n乙") == "甲\n乙", name
            else:
                with pytest.raises(ValidationError):
                    field.deserialize("甲\n乙")
            checked += 1
    assert checked >= 20
