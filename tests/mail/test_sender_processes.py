"""Real sender processes on one SQLite file: two at once, and one killed with SIGKILL."""

import os
import signal
import time
from collections import Counter

import pytest

from rongtong.extensions import db
from rongtong.mail.models import OutboxMail
from rongtong.mail.services import queue_mail
from tests.mail.support import SmtpSink, sender_process, wait_for

pytestmark = [
    pytest.mark.nodb,
    # Python 3.12+ warns about fork() beside threads (the SMTP server's); the children
    # here touch nothing of the parent's but the database file.
    pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning"),
]

N = 30


@pytest.fixture
def outbox_db(process_database):
    app, url = process_database
    with app.app_context():
        for i in range(N):
            queue_mail(
                key=f"digest:2026-W48:user:{i}",
                purpose="digest",
                to=f"member{i}@example.cn",
                subject=f"{i} 个新匹配",
                text="正文",
                html="<p>正文</p>",
            )
        db.session.commit()
        db.session.remove()
    return app, url


def _statuses(app) -> Counter:
    with app.app_context():
        return Counter(db.session.execute(db.select(OutboxMail.status)).scalars())


def _sender(url, sink, **config):
    return sender_process(
        url,
        MAIL_BACKEND="smtp",
        MAIL_SERVER=sink.host,
        MAIL_PORT=sink.port,
        MAIL_BATCH_SIZE=5,
        **config,
    )


def test_two_senders_at_once_send_one_mail_per_member(outbox_db):
    app, url = outbox_db
    with SmtpSink() as sink:
        sink.handler.delay = 0.01
        senders = [_sender(url, sink), _sender(url, sink)]
        for sender in senders:
            sender.join(timeout=60)
    assert [s.exitcode for s in senders] == [0, 0]
    received = Counter(sink.handler.recipients())
    assert sorted(received) == sorted(f"member{i}@example.cn" for i in range(N))
    assert set(received.values()) == {1}
    assert _statuses(app) == {"sent": N}
    with app.app_context():
        attempts = set(db.session.execute(db.select(OutboxMail.attempts)).scalars())
    assert attempts == {1}  # no mail was claimed twice


def test_sender_killed_mid_batch_and_restarted_sends_everything_once(outbox_db):
    app, url = outbox_db
    with SmtpSink() as sink:
        sink.handler.delay = 0.05
        doomed = _sender(url, sink)
        wait_for(lambda: len(sink.messages) >= 8, timeout=30)
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.join(timeout=10)
        assert doomed.exitcode == -signal.SIGKILL
        before = len(sink.messages)
        assert 8 <= before < N
        assert _statuses(app)["sending"] >= 1  # claims left behind by the dead sender
        # The dead sender's claims expire after MAIL_CLAIM_SECONDS; then a new one takes them.
        time.sleep(1.2)
        restarted = _sender(url, sink, MAIL_CLAIM_SECONDS=1)
        restarted.join(timeout=60)
    assert restarted.exitcode == 0
    received = Counter(sink.handler.recipients())
    assert sorted(received) == sorted(f"member{i}@example.cn" for i in range(N))
    twice = [rcpt for rcpt, n in received.items() if n > 1]
    assert len(twice) <= 1 and max(received.values()) <= 2  # at most the one in flight
    assert _statuses(app) == {"sent": N}


def test_two_senders_and_a_server_slower_than_the_claim_send_each_mail_once(outbox_db):
    """Each mail takes twice the claim time: claims lapse in the batch, never on the wire."""
    app, url = outbox_db
    with app.app_context():  # a few mails are enough to make the claims lapse under load
        db.session.execute(db.delete(OutboxMail).where(OutboxMail.id > 6))
        db.session.commit()
        db.session.remove()
    with SmtpSink() as sink:
        sink.handler.mode, sink.handler.delay = "slow", 0.6
        senders = [_sender(url, sink, MAIL_CLAIM_SECONDS=0.3) for _ in range(2)]
        for sender in senders:
            sender.join(timeout=60)
    assert [s.exitcode for s in senders] == [0, 0]
    received = Counter(sink.handler.recipients())
    assert sorted(received) == sorted(f"member{i}@example.cn" for i in range(6))
    assert set(received.values()) == {1}
    assert _statuses(app) == {"sent": 6}
