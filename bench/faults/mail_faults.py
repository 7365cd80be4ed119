"""The outbox sender against an SMTP server that fails: outage, slow server, kill -9.

    .venv/bin/python bench/faults/mail_faults.py [outage] [slow] [kill]

outage: the server is down (refused, 421, hang) for 6 simulated hours of sender runs, one
        per minute of the compressed clock, then up: 0 failed, each mail delivered once.
slow:   two `flask mail send` processes, a server taking 2 × MAIL_CLAIM_SECONDS a mail.
kill:   `flask mail send` killed with SIGKILL mid-batch 5 times, then the every-minute run.
"""

import os
import signal
import sys
import time
from collections import Counter

from common import SmtpSink, Workspace, closed_port, outbox_counts, queue_mails, report, wait_until


def outage(n: int = 200, hours: int = 6) -> bool:
    from rongtong.mail.sender import SmtpBackend, send_queued

    ws = Workspace("outage", MAIL_RETRY_SECONDS=0)
    queue_mails(ws.app, n)
    runs = hours * 60  # the scheduler's sender runs once a minute
    started = time.monotonic()
    with SmtpSink() as sink, ws.app.app_context():
        # The compressed clock: a run a "minute"; the outage cycles through its three faces.
        for run in range(runs):
            face = ("down", "421", "hang")[run % 3]
            if face == "down":
                backend = SmtpBackend("127.0.0.1", closed_port(), timeout=1)
            else:
                sink.handler.mode = face
                backend = SmtpBackend(sink.host, sink.port, timeout=0.2)
            send_queued(backend=backend)
        during = outbox_counts(ws.app)
        sink.handler.mode = "ok"
        send_queued(backend=SmtpBackend(sink.host, sink.port, timeout=5))
        received = Counter(sink.handler.recipients())
    after = outbox_counts(ws.app)
    took = time.monotonic() - started
    twice = sum(1 for c in received.values() if c > 1)
    return report(
        f"SMTP down for {hours} simulated hours ({runs} sender runs: refused / 421 / hang), "
        f"then up; {n} mails, {took:.0f} s",
        [
            ("failed during the outage", "0", str(during.get("failed", 0)), "failed" not in during),
            ("failed after", "0", str(after.get("failed", 0)), "failed" not in after),
            ("delivered", str(n), str(len(received)), len(received) == n),
            ("delivered twice", "0", str(twice), twice == 0),
        ],
    )


def slow(n: int = 20, claim: float = 1.0) -> bool:
    ws = Workspace("slow")
    queue_mails(ws.app, n)
    with SmtpSink() as sink:
        sink.handler.mode, sink.handler.delay = "slow", 2 * claim
        config = {
            "MAIL_BACKEND": "smtp",
            "MAIL_SERVER": sink.host,
            "MAIL_PORT": sink.port,
            "MAIL_CLAIM_SECONDS": claim,
            "MAIL_TIMEOUT": 30,
            "MAIL_BATCH_SIZE": 20,
        }
        started = time.monotonic()
        senders = [ws.flask("mail", "send", log=f"sender{i}.log", **config) for i in range(2)]
        for sender in senders:
            sender.wait(timeout=n * 2 * claim + 120)
        took = time.monotonic() - started
        received = Counter(sink.handler.recipients())
    duplicates = sum(c - 1 for c in received.values())
    counts = outbox_counts(ws.app)
    return report(
        f"two senders, server taking {2 * claim:g} s a mail, claim {claim:g} s; {n} mails, "
        f"{took:.0f} s",
        [
            ("duplicates", "0", str(duplicates), duplicates == 0),
            ("delivered", str(n), str(len(received)), len(received) == n),
            ("outbox sent", str(n), str(counts.get("sent", 0)), counts == {"sent": n}),
        ],
    )


def kill(n: int = 600, kills: int = 5) -> bool:
    ws = Workspace("kill")
    queue_mails(ws.app, n)
    per_kill = []
    with SmtpSink() as sink:
        sink.handler.delay = 0.02
        config = {"MAIL_BACKEND": "smtp", "MAIL_SERVER": sink.host, "MAIL_PORT": sink.port}
        for _ in range(kills):
            before = len(sink.messages)
            sender = ws.flask("mail", "send", log="sender.log", **config)
            wait_until(lambda b=before: len(sink.messages) >= b + 40, timeout=60, interval=0.01)
            os.kill(sender.pid, signal.SIGKILL)
            sender.wait()
            per_kill.append(len(sink.messages))
        # Then the scheduler's every-minute run (here every 5 s) until everything is out.
        restarted = time.monotonic()
        done = None
        for _ in range(40):
            ws.flask("mail", "send", log="sender.log", **config).wait(timeout=120)
            if outbox_counts(ws.app) == {"sent": n}:
                done = time.monotonic() - restarted
                break
            time.sleep(5)
        received = Counter(sink.handler.recipients())
    duplicates = sum(c - 1 for c in received.values())
    lost = n - len(received)
    return report(
        f"`flask mail send` killed with SIGKILL mid-batch × {kills}; {n} mails",
        [
            ("lost", "0", str(lost), lost == 0),
            ("duplicates", f"≤ {kills} (1 a kill)", str(duplicates), duplicates <= kills),
            (
                "rest delivered after restart",
                "≤ 60 s",
                f"{done:.0f} s" if done is not None else "never",
                done is not None and done <= 60,
            ),
        ],
    )


if __name__ == "__main__":
    chosen = sys.argv[1:] or ["outage", "slow", "kill"]
    results = [{"outage": outage, "slow": slow, "kill": kill}[name]() for name in chosen]
    raise SystemExit(0 if all(results) else 1)
