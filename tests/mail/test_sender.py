"""The sender against a real SMTP server on loopback: once, retries, permanent failures."""

import email
import email.policy
from datetime import timedelta

import pytest

from rongtong.core.time import utcnow
from rongtong.extensions import db
from rongtong.mail.models import OutboxMail
from rongtong.mail.sender import (
    FileBackend,
    SmtpBackend,
    backend_from_config,
    build_message,
    claim,
    renew_claim,
    retry_delay,
    send_queued,
)
from rongtong.mail.services import queue_mail
from tests.mail.support import SmtpSink, closed_port


@pytest.fixture
def sink():
    with SmtpSink() as running:
        yield running


@pytest.fixture
def smtp(sink):
    return lambda: SmtpBackend(sink.host, sink.port, timeout=5)


@pytest.fixture
def retry_now(app):
    """Retries due at once, so a test can run the sender again straight away."""
    old = app.config["MAIL_RETRY_SECONDS"]
    app.config["MAIL_RETRY_SECONDS"] = 0
    yield
    app.config["MAIL_RETRY_SECONDS"] = old


def _queue(n: int, prefix: str = "test", **extra) -> list[OutboxMail]:
    return [
        queue_mail(
            key=f"{prefix}:{i}",
            purpose="test",
            to=f"member{i}@example.cn",
            subject=f"第 {i} 封",
            text=f"正文 {i}",
            html=f"<p>正文 {i}</p>",
            **extra,
        )
        for i in range(n)
    ]


def _status(mail_id: int) -> OutboxMail:
    return db.session.execute(
        db.select(OutboxMail)
        .where(OutboxMail.id == mail_id)
        .execution_options(populate_existing=True)
    ).scalar_one()


def test_message_has_text_html_headers_and_a_stable_message_id(app):
    mail = _queue(1, headers={"List-Unsubscribe": "<https://x.example/u/1>"})[0]
    first = _parsed(build_message(mail, "融通 <noreply@rongtong.example>"))
    again = _parsed(build_message(mail, "融通 <noreply@rongtong.example>"))
    assert first["Message-ID"] == again["Message-ID"]
    assert first["Message-ID"].endswith("@rongtong.example>")
    assert first["List-Unsubscribe"] == "<https://x.example/u/1>"
    assert first.get_content_type() == "multipart/alternative"
    assert first.get_body(("plain",)).get_content().strip() == "正文 0"
    assert first.get_body(("html",)).get_content().strip() == "<p>正文 0</p>"
    assert str(first["From"]) == "融通 <noreply@rongtong.example>"


def test_a_header_with_a_line_break_fails_that_mail_for_good(sink, smtp):
    bad, good = _queue(2)
    bad.headers = {"X-Note": "a\r\nBcc: victim@example.cn"}
    db.session.commit()
    report = send_queued(backend=smtp())
    assert (report.sent, report.failed) == (1, 1)
    assert _status(bad.id).last_error.startswith("cannot build the message")
    assert sink.handler.recipients() == [good.recipient]


def _parsed(message):
    return email.message_from_bytes(message.as_bytes(), policy=email.policy.default)


def test_queued_mail_is_sent_once_even_if_the_sender_runs_twice(sink, smtp):
    mails = _queue(3)
    first = send_queued(backend=smtp())
    second = send_queued(backend=smtp())
    assert (first.sent, second.sent) == (3, 0)
    assert sorted(sink.handler.recipients()) == [m.recipient for m in mails]
    for mail in mails:
        row = _status(mail.id)
        assert row.status == "sent" and row.sent_at is not None and row.claimed_by is None
    received = sink.messages[0]
    assert received["Subject"] == "第 0 封" and received["From"].addresses[0].username == "noreply"


def _server(sink, mode: str):
    """A backend for ``mode`` of the loopback server; ``down`` is a port nobody listens on."""
    if mode == "down":
        return SmtpBackend("127.0.0.1", closed_port(), timeout=2)
    sink.handler.mode = mode
    return SmtpBackend(sink.host, sink.port, timeout=0.5)


@pytest.mark.parametrize("mode", ["down", "421", "hang"])
def test_an_unavailable_server_costs_no_attempt_and_stops_the_run(sink, smtp, retry_now, mode):
    mails = _queue(3)
    down = send_queued(backend=_server(sink, mode))
    assert (down.sent, down.retrying, down.failed) == (0, 0, 0)
    assert down.errors and down.errors[0].startswith("server unavailable")
    rows = [_status(m.id) for m in mails]
    assert {(r.status, r.attempts, r.claimed_by) for r in rows} == {("queued", 0, None)}
    assert rows[0].last_error  # what the operator sees on the outbox page
    sink.handler.mode = "ok"
    up = send_queued(backend=smtp())
    assert up.sent == 3
    assert sorted(sink.handler.recipients()) == [m.recipient for m in mails]
    assert {_status(m.id).attempts for m in mails} == {1}


def test_a_long_outage_fails_no_mail(sink, smtp, app, retry_now):
    """Hundreds of runs against a server that is down: nothing is given up, all go once."""
    mails = _queue(3)
    backend = _server(sink, "down")
    for _ in range(300):  # six hours of a sender run every minute, and then some
        send_queued(backend=backend)
    assert {(_status(m.id).status, _status(m.id).attempts) for m in mails} == {("queued", 0)}
    assert send_queued(backend=smtp()).sent == 3
    assert sorted(sink.handler.recipients()) == [m.recipient for m in mails]


def test_a_timeout_after_data_counts_as_an_attempt(sink, retry_now):
    """The server may have taken the mail: it is retried, as an attempt of its own."""
    mail = _queue(1)[0]
    sink.handler.delay = 1.0
    report = send_queued(backend=_server(sink, "slow"))
    assert report.retrying == 1
    row = _status(mail.id)
    assert (row.status, row.attempts) == ("queued", 1)
    assert row.last_error.startswith("connection lost")


def test_temporary_4xx_reply_is_retried_with_backoff(sink, smtp, app):
    mail = _queue(1)[0]
    sink.handler.fail_next = 1
    report = send_queued(backend=smtp())
    assert report.retrying == 1 and sink.messages == []
    row = _status(mail.id)
    assert row.status == "queued" and row.last_error.startswith("451")
    assert row.next_attempt_at >= utcnow() + timedelta(seconds=50)  # not due yet
    assert send_queued(backend=smtp()).attempted == 0
    row.next_attempt_at = utcnow()
    db.session.commit()
    assert send_queued(backend=smtp()).sent == 1
    assert _status(mail.id).attempts == 2 and len(sink.messages) == 1


def test_backoff_doubles_and_is_capped():
    assert retry_delay(1, 60) == timedelta(seconds=60)
    assert retry_delay(3, 60) == timedelta(seconds=240)
    assert retry_delay(30, 60) == timedelta(hours=6)


def test_permanent_5xx_fails_that_mail_and_the_batch_goes_on(sink, smtp):
    mails = _queue(4)
    sink.handler.refuse["member1@example.cn"] = "550 5.1.1 No such user here"
    report = send_queued(backend=smtp())
    assert (report.sent, report.failed) == (3, 1)
    failed = _status(mails[1].id)
    assert failed.status == "failed" and failed.last_error == "550 5.1.1 No such user here"
    assert sorted(sink.handler.recipients()) == sorted(
        m.recipient for i, m in enumerate(mails) if i != 1
    )
    assert send_queued(backend=smtp()).attempted == 0  # a failed mail is not retried


def test_a_temporary_failure_gives_up_by_age_not_by_count(sink, smtp, app, retry_now):
    young, old = _queue(2)
    give_up = timedelta(seconds=app.config["MAIL_GIVE_UP_AFTER"])
    assert give_up == timedelta(days=3)
    _status(old.id).created_at = utcnow() - give_up - timedelta(minutes=1)
    db.session.commit()
    sink.handler.mode = "451"
    for _ in range(12):  # more than any attempt limit the sender ever had
        send_queued(backend=smtp())
    young_row, old_row = _status(young.id), _status(old.id)
    assert (young_row.status, young_row.attempts) == ("queued", 12)
    assert old_row.status == "failed" and old_row.attempts == 1
    assert old_row.last_error.startswith("gave up after 3 days and 1 attempts: 451")
    sink.handler.mode = "ok"
    assert send_queued(backend=smtp()).sent == 1
    assert sink.handler.recipients() == [young.recipient]


def test_a_fresh_claim_is_left_alone_and_a_stale_one_taken_over(app):
    mail = _queue(1)[0]
    assert [m.id for m in claim("dead-sender", 10)] == [mail.id]
    db.session.commit()
    assert claim("other", 10) == []  # claimed a moment ago: someone is sending it
    row = _status(mail.id)
    row.claimed_at = utcnow() - timedelta(seconds=app.config["MAIL_CLAIM_SECONDS"] + 1)
    db.session.commit()
    taken = claim("other", 10)
    assert [(m.id, m.claimed_by, m.attempts) for m in taken] == [(mail.id, "other", 0)]


def test_a_claim_taken_over_cannot_be_renewed_and_its_mail_is_not_sent(app, sink, smtp):
    """A stalled sender coming back after its claim lapsed finds the mail gone to another."""
    mail = _queue(1)[0]
    [mine] = claim("stalled", 10)
    first_claim = mine.claimed_at
    db.session.commit()
    assert (renewed := renew_claim(mail.id, "stalled", first_claim)) is not None
    row = _status(mail.id)
    row.claimed_at = utcnow() - timedelta(seconds=app.config["MAIL_CLAIM_SECONDS"] + 1)
    db.session.commit()
    [taken] = claim("other", 10)
    db.session.commit()
    assert renew_claim(mail.id, "stalled", renewed) is None
    assert renew_claim(mail.id, "stalled", taken.claimed_at) is None  # the token differs too
    assert renew_claim(mail.id, "other", taken.claimed_at) is not None
    assert sink.messages == []


def test_file_backend_writes_eml_files(app, tmp_path):
    mail = _queue(1)[0]
    report = send_queued(backend=FileBackend(tmp_path / "outbox"))
    files = list((tmp_path / "outbox").glob("*.eml"))
    assert report.sent == 1 and len(files) == 1
    assert b"Subject: =?utf-8?" in files[0].read_bytes()
    assert _status(mail.id).status == "sent"


def test_backend_from_config_defaults_to_files_in_the_instance_folder(app):
    backend = backend_from_config({"MAIL_BACKEND": None, "MAIL_SERVER": None})
    assert isinstance(backend, FileBackend)
    assert str(backend.directory).startswith(app.instance_path)
    assert str(backend.directory).endswith("outbox")
    smtp = backend_from_config(
        {"MAIL_SERVER": "smtp.example.cn", "MAIL_PORT": 465, "MAIL_USE_TLS": True}
    )
    assert isinstance(smtp, SmtpBackend) and smtp.port == 465 and smtp.use_tls


def test_mail_send_command_uses_the_configured_smtp_server(app, runner, sink):
    _queue(2)
    db.session.commit()
    overrides = {"MAIL_BACKEND": "smtp", "MAIL_SERVER": sink.host, "MAIL_PORT": sink.port}
    old = {k: app.config.get(k) for k in overrides}
    app.config.update(overrides)
    try:
        result = runner.invoke(args=["mail", "send"])
    finally:
        app.config.update(old)
    assert result.exit_code == 0, result.output
    assert "2 sent" in result.output and len(sink.messages) == 2
