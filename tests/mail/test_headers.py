"""Header values decided at queue time: subjects made one line, bad addresses and headers
refused where they are queued, a mail that still cannot be built reported in the log.

Finding 15 of issue 14: a user name with CR/LF in the subject of the join-request mail made
it fail at sending time, silently."""

import email
import email.policy
import logging

import pytest

from rongtong.enterprises import services as enterprises
from rongtong.extensions import db
from rongtong.mail.models import OutboxMail
from rongtong.mail.sender import FileBackend, build_message, send_queued
from rongtong.mail.services import header_line, queue_mail


@pytest.mark.parametrize(
    ("typed", "line"),
    [
        ("张三\r\nBcc: victim@example.cn", "张三 Bcc: victim@example.cn"),
        ("张三\n\n\n李四", "张三 李四"),
        ("名\x0b字\x85", "名 字"),
        ("报价\u2028说明", "报价 说明"),
        ("合同\u202e款条", "合同 款条"),
        ("  前后空白\t", "前后空白"),
    ],
)
def test_header_line_makes_one_line(typed, line):
    assert header_line(typed) == line


def test_subject_with_a_line_break_is_queued_as_one_line_and_sends(app, tmp_path):
    mail = queue_mail(
        key="headers:subject",
        purpose="test",
        to="member@example.cn",
        subject="王工\r\nBcc: victim@example.cn 申请加入",
        text="正文",
    )
    assert mail.subject == "王工 Bcc: victim@example.cn 申请加入"
    parsed = email.message_from_bytes(
        build_message(mail, "融通 <noreply@rongtong.example>").as_bytes(),
        policy=email.policy.default,
    )
    assert parsed["Bcc"] is None
    assert parsed["Subject"] == "王工 Bcc: victim@example.cn 申请加入"


@pytest.mark.parametrize(
    "to", ["member@example.cn\r\nBcc: victim@example.cn", "member@example.cn\n", "a\x00@x.cn"]
)
def test_a_recipient_with_a_line_break_is_refused_at_queue_time(to):
    with pytest.raises(ValueError, match="recipient"):
        queue_mail(key="headers:to", purpose="test", to=to, subject="s", text="t")
    assert db.session.execute(db.select(OutboxMail).filter_by(key="headers:to")).first() is None


def test_a_header_with_a_line_break_is_refused_at_queue_time():
    with pytest.raises(ValueError, match="List-Unsubscribe"):
        queue_mail(
            key="headers:h",
            purpose="test",
            to="member@example.cn",
            subject="s",
            text="t",
            headers={"List-Unsubscribe": "<https://x.example/u>\r\nBcc: victim@example.cn"},
        )


def test_join_request_mail_of_a_name_with_a_line_break_is_sent(
    app, tmp_path, make_user, make_enterprise
):
    """The review's case: forms refuse such a name now, but one stored before (or by an
    import) still makes a mail that reaches the enterprise's members."""
    enterprise = make_enterprise()
    member = make_user(enterprise=enterprise)
    requester = make_user(enterprise=None, name="王工\r\n李四")
    enterprises.request_to_join(requester, enterprise)
    db.session.commit()
    mail = db.session.execute(
        db.select(OutboxMail).where(OutboxMail.recipient == member.email)
    ).scalar_one()
    assert "\n" not in mail.subject and "王工 李四" in mail.subject
    report = send_queued(backend=FileBackend(tmp_path / "outbox"))
    assert report.failed == 0 and report.sent >= 1
    db.session.refresh(mail)
    assert mail.status == "sent"


def test_a_mail_that_cannot_be_built_is_logged_as_an_error(app, tmp_path, caplog):
    """Written around queue_mail (as an old row might be): failed for good, and said so."""
    mail = queue_mail(
        key="headers:old", purpose="test", to="member@example.cn", subject="s", text="t"
    )
    mail.subject = "旧邮件\r\nBcc: victim@example.cn"
    db.session.commit()
    with caplog.at_level(logging.ERROR, logger="rongtong.mail.sender"):
        report = send_queued(backend=FileBackend(tmp_path / "outbox"))
    assert report.failed == 1
    db.session.refresh(mail)
    assert mail.status == "failed" and mail.last_error.startswith("cannot build the message")
    assert any(
        r.levelno == logging.ERROR and f"Mail {mail.id} (test)" in r.getMessage()
        for r in caplog.records
    )
