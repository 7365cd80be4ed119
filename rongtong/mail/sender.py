"""Sending the outbox: claim a few mails, send each, record each outcome at once.

Any number of senders may run (the scheduler's job, ``flask mail send``, a second host):
a mail is claimed by one compare-and-set UPDATE, so two senders never take the same one.
A claim is short (``MAIL_CLAIM_SECONDS``): just before a mail goes on the wire its claim is
renewed by a conditional UPDATE on the claim's token and time, committed, and kept alive
while a slow server takes its time. A mail whose claim lapsed and was taken by another
sender is skipped, so a slow or stalled sender never sends what another has taken.

Each outcome is committed right after its SMTP transaction, so a sender killed mid-batch
loses nothing: its claims lapse within ``MAIL_CLAIM_SECONDS`` and another sender takes
them; only the one mail that was on the wire when it died may arrive twice (with the same
Message-ID, so that most clients fold the two).

What counts against a mail: its own answer (a 4xx is retried with backoff, a 5xx for its
recipient fails it). What does not: the server being unreachable, refusing TLS, saying 421
or timing out before DATA; the run stops there and the mails wait for the next one. A mail
still failing temporarily ``MAIL_GIVE_UP_AFTER`` seconds after it was queued is given up.
"""

import hashlib
import logging
import os
import secrets
import smtplib
import socket
import ssl
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, parseaddr
from pathlib import Path

from flask import current_app
from sqlalchemy import and_, or_, update

from ..core.time import utcnow
from ..extensions import db
from .models import OutboxMail

log = logging.getLogger(__name__)

MAX_RETRY_SECONDS = 6 * 60 * 60


class DeliveryError(Exception):
    """A mail could not be handed over; ``permanent`` failures are not retried."""

    permanent = False

    def __init__(self, reason: str, *, connection: bool = False):
        super().__init__(reason)
        self.reason = reason
        #: The server or the connection failed before the mail was handed over, not this
        #: mail: no attempt is counted, and the run stops (the rest of the batch waits too).
        self.connection = connection


class TemporaryFailure(DeliveryError):
    pass


class PermanentFailure(DeliveryError):
    permanent = True


def _reply_text(code: int, text) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()


def _classify(code: int, text, *, connection: bool = False) -> DeliveryError:
    reason = _reply_text(code, text)
    if 500 <= code < 600 and not connection:
        return PermanentFailure(reason)
    return TemporaryFailure(reason, connection=connection or code == 421)


# ------------------------------------------------------------------ messages


@dataclass(frozen=True)
class Outgoing:
    """What the sender needs of one claimed mail, read before the claim's commit."""

    id: int
    key: str
    recipient: str
    message: Message


def message_id(mail: OutboxMail, domain: str) -> str:
    """Stable per mail, so that a resend after a crash is recognisably the same mail."""
    digest = hashlib.sha256(mail.key.encode()).hexdigest()[:20]
    return f"<{mail.id}.{digest}@{domain}>"


def _header(value: str):
    if "\r" in value or "\n" in value:
        msg = f"line break in a header value: {value[:60]!r}"
        raise ValueError(msg)
    return value if value.isascii() else Header(value, "utf-8")


def build_message(mail: OutboxMail, sender: str) -> Message:
    """The MIME message: text, plus HTML as an alternative, plus the mail's own headers.

    Built with the ``email.mime`` classes (compat32): several times faster than
    ``EmailMessage`` header objects, which matters at ten thousand digests a run.
    """
    name, address = parseaddr(sender)
    domain = address.rpartition("@")[2] or "localhost"
    text = MIMEText(mail.text_body, "plain", "utf-8")
    if mail.html_body:
        message = MIMEMultipart("alternative")
        message.attach(text)
        message.attach(MIMEText(mail.html_body, "html", "utf-8"))
    else:
        message = text
    message["Subject"] = _header(mail.subject)
    message["From"] = formataddr((name, address), charset="utf-8")
    message["To"] = _header(mail.recipient)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = message_id(mail, domain)
    for key, value in (mail.headers or {}).items():
        message[key] = _header(str(value))
    return message


# ------------------------------------------------------------------ backends


class FileBackend:
    """Development: each mail becomes an .eml file that any mail program opens."""

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)

    def open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)

    def send(self, outgoing: Outgoing, sender: str) -> None:
        self.open()
        stamp = utcnow().strftime("%Y%m%d-%H%M%S")
        path = self.directory / f"{stamp}-{outgoing.id:06d}.eml"
        tmp = path.with_suffix(".tmp")
        try:
            tmp.write_bytes(outgoing.message.as_bytes())
            os.replace(tmp, path)
        except OSError as exc:
            raise TemporaryFailure(f"cannot write {path}: {exc}", connection=True) from exc

    def close(self) -> None:
        pass


class _PhaseMixin:
    """Notes when DATA begins: a failure before it cannot have delivered the mail."""

    in_data = False

    def data(self, msg):
        self.in_data = True
        return super().data(msg)


class _SMTP(_PhaseMixin, smtplib.SMTP):
    pass


class _SMTP_SSL(_PhaseMixin, smtplib.SMTP_SSL):
    pass


class SmtpBackend:
    """One SMTP connection, kept open for a batch and reopened after a failure."""

    def __init__(
        self,
        host: str,
        port: int = 25,
        *,
        use_tls: bool = False,
        use_starttls: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10,
    ):
        self.host, self.port = host, int(port)
        self.use_tls, self.use_starttls = use_tls, use_starttls
        self.username, self.password = username, password
        self.timeout = float(timeout)
        self.connection: smtplib.SMTP | None = None

    def open(self) -> None:
        if self.connection is not None:
            return
        conn = None
        try:
            if self.use_tls:
                context = ssl.create_default_context()
                conn = _SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
            else:
                conn = _SMTP(self.host, self.port, timeout=self.timeout)
            conn.ehlo_or_helo_if_needed()
            if self.use_starttls:
                conn.starttls(context=ssl.create_default_context())
            if self.username:
                conn.login(self.username, self.password or "")
        except smtplib.SMTPResponseException as exc:
            if conn is not None:
                conn.close()
            raise _classify(exc.smtp_code, exc.smtp_error, connection=True) from exc
        except (smtplib.SMTPException, OSError) as exc:
            if conn is not None:
                conn.close()
            raise TemporaryFailure(
                f"cannot connect to {self.host}:{self.port}: {exc}", connection=True
            ) from exc
        self.connection = conn

    def send(self, outgoing: Outgoing, sender: str) -> None:
        self.open()
        envelope_from = parseaddr(sender)[1]
        self.connection.in_data = False
        try:
            self.connection.send_message(
                outgoing.message, from_addr=envelope_from, to_addrs=[outgoing.recipient]
            )
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            raise _classify(code, text) from exc
        except smtplib.SMTPSenderRefused as exc:
            # Our own address refused: every mail would be, so this is the server's problem.
            self.close()
            raise _classify(exc.smtp_code, exc.smtp_error, connection=True) from exc
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421:
                self.close()
            raise _classify(exc.smtp_code, exc.smtp_error) from exc
        except (smtplib.SMTPException, OSError) as exc:
            # Lost before DATA: the server never had the mail, so it was not this mail's
            # attempt. Lost during or after DATA: it may have been delivered; it counts.
            before_data = not self.connection.in_data
            self.close()
            raise TemporaryFailure(
                f"connection lost: {exc or type(exc).__name__}", connection=before_data
            ) from exc

    def close(self) -> None:
        conn, self.connection = self.connection, None
        if conn is None:
            return
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            conn.close()


def backend_name(config) -> str:
    name = config.get("MAIL_BACKEND") or ("smtp" if config.get("MAIL_SERVER") else "file")
    if name not in ("smtp", "file"):
        msg = f"RONGTONG_MAIL_BACKEND must be smtp or file, not {name!r}"
        raise ValueError(msg)
    return name


def backend_from_config(config=None):
    """The backend that ``RONGTONG_MAIL_*`` describe."""
    config = config or current_app.config
    if backend_name(config) == "file":
        directory = config.get("MAIL_FILE_DIR") or os.path.join(current_app.instance_path, "outbox")
        return FileBackend(directory)
    return SmtpBackend(
        config.get("MAIL_SERVER") or "localhost",
        config.get("MAIL_PORT") or 25,
        use_tls=bool(config.get("MAIL_USE_TLS")),
        use_starttls=bool(config.get("MAIL_USE_STARTTLS")),
        username=config.get("MAIL_USERNAME"),
        password=config.get("MAIL_PASSWORD"),
        timeout=config.get("MAIL_TIMEOUT") or 10,
    )


# ------------------------------------------------------------------ the sender


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    #: Mails whose claim lapsed and went to another sender before this one reached them.
    skipped: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return self.sent + self.failed + self.retrying


def default_worker_id() -> str:
    return f"{socket.gethostname()[:50]}:{os.getpid()}:{secrets.token_hex(4)}"


def retry_delay(attempts: int, base: float) -> timedelta:
    """Exponential backoff: base, 2×base, 4×base … capped at six hours."""
    return timedelta(seconds=min(base * 2 ** min(max(attempts - 1, 0), 20), MAX_RETRY_SECONDS))


def _eligible(now, stale_before, due_by=None):
    return or_(
        and_(OutboxMail.status == "queued", OutboxMail.next_attempt_at <= (due_by or now)),
        and_(OutboxMail.status == "sending", OutboxMail.claimed_at < stale_before),
    )


def claim(worker: str, size: int, *, now=None, due_by=None) -> list[OutboxMail]:
    """Take up to ``size`` mails due for sending for ``worker``; the caller commits at once.

    One UPDATE whose WHERE repeats the eligibility test: on PostgreSQL the row lock and the
    re-check after it (plus SKIP LOCKED) keep two senders apart, on SQLite the write lock
    does. Lapsed claims of dead or stalled senders are taken over. ``due_by``: only mails
    due by then (a run passes its start, so that it never retries a mail it just tried).
    """
    now = now or utcnow()
    stale_before = now - timedelta(seconds=current_app.config["MAIL_CLAIM_SECONDS"])
    eligible = _eligible(now, stale_before, due_by)
    candidates = (
        db.select(OutboxMail.id)
        .where(eligible)
        .order_by(OutboxMail.next_attempt_at, OutboxMail.id)
        .limit(size)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.id.in_(candidates.scalar_subquery()), eligible)
        .values(status="sending", claimed_by=worker, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    return list(
        db.session.execute(
            db.select(OutboxMail)
            .where(OutboxMail.claimed_by == worker, OutboxMail.status == "sending")
            .order_by(OutboxMail.id)
            .execution_options(populate_existing=True)
        ).scalars()
    )


def renew_claim(mail_id: int, worker: str, claimed_at) -> datetime | None:
    """Renew our claim on one mail just before sending it; None if it is no longer ours.

    Conditional on the claim's token and time: a claim that lapsed and was taken over (or
    taken and given back) has another, so the UPDATE matches nothing. Commits.
    """
    now = utcnow()
    renewed = db.session.execute(
        update(OutboxMail)
        .where(
            OutboxMail.id == mail_id,
            OutboxMail.status == "sending",
            OutboxMail.claimed_by == worker,
            OutboxMail.claimed_at == claimed_at,
        )
        .values(claimed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return now if renewed == 1 else None


class _ClaimKeeper:
    """Keeps the claim of the mail on the wire alive while a slow server takes its time.

    A thread renews it every third of ``MAIL_CLAIM_SECONDS`` on a connection of its own, so
    that no other sender takes a mail this one is still sending.
    """

    def __init__(self, engine, worker: str, seconds: float):
        self.engine, self.worker, self.every = engine, worker, max(seconds / 3, 0.05)

    @contextmanager
    def holding(self, mail_id: int):
        stop = threading.Event()

        def beat():
            while not stop.wait(self.every):
                try:
                    with self.engine.begin() as conn:
                        conn.execute(
                            update(OutboxMail)
                            .where(OutboxMail.id == mail_id, OutboxMail.claimed_by == self.worker)
                            .values(claimed_at=utcnow())
                        )
                except Exception:  # the next beat tries again; the send goes on
                    log.exception("Cannot renew the claim on mail %s", mail_id)

        thread = threading.Thread(target=beat, name=f"claim-{mail_id}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()


def _finish(mail_id: int, worker: str, **values) -> bool:
    result = db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == mail_id, OutboxMail.claimed_by == worker)
        .values(claimed_by=None, claimed_at=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


@dataclass
class _Claimed:
    id: int
    attempts: int
    created_at: datetime
    claimed_at: datetime
    outgoing: Outgoing | None = None
    #: Decided before sending: a message that cannot be built.
    error: DeliveryError | None = None


def _prepare(mail: OutboxMail, sender: str) -> _Claimed:
    claimed = _Claimed(mail.id, mail.attempts, mail.created_at, mail.claimed_at)
    try:
        claimed.outgoing = Outgoing(mail.id, mail.key, mail.recipient, build_message(mail, sender))
    except (ValueError, TypeError) as exc:  # e.g. a header value the email policy refuses
        # queue_mail refuses what it knows to be unsendable; one that still gets here is a bug
        # to be seen in the logs, not a mail that quietly never arrives.
        log.error("Mail %s (%s) cannot be built: %s", mail.id, mail.purpose, exc)
        claimed.error = PermanentFailure(f"cannot build the message: {exc}")
    return claimed


def send_queued(
    *, limit: int | None = None, backend=None, worker: str | None = None, progress=None
) -> SendReport:
    """Send what is due, batch by batch, until nothing is left (or ``limit`` mails).

    Commits after every claim and every outcome, so call it outside a unit of work.
    ``progress``, if given, is called once per finished mail.
    """
    config = current_app.config
    backend = backend or backend_from_config()
    worker = worker or default_worker_id()
    sender = config["MAIL_SENDER"]
    policy = _Policy(
        retry_seconds=float(config["MAIL_RETRY_SECONDS"]),
        give_up_after=timedelta(seconds=float(config["MAIL_GIVE_UP_AFTER"])),
    )
    batch_size = max(int(config["MAIL_BATCH_SIZE"]), 1)
    keeper = _ClaimKeeper(db.engine, worker, float(config["MAIL_CLAIM_SECONDS"]))
    report = SendReport()
    started = utcnow()
    # Each claim opens its own transaction: a sender never holds the write lock while
    # it talks to the SMTP server.
    db.session.commit()
    try:
        while limit is None or report.attempted < limit:
            size = batch_size if limit is None else min(batch_size, limit - report.attempted)
            batch = [_prepare(mail, sender) for mail in claim(worker, size, due_by=started)]
            db.session.commit()
            if not batch:
                break
            down: DeliveryError | None = None
            for claimed in batch:
                if down is not None:
                    # The server is down: put the untried mails back without spending an attempt.
                    _put_back(claimed, worker, down, policy)
                    continue
                if renew_claim(claimed.id, worker, claimed.claimed_at) is None:
                    report.skipped += 1  # our claim lapsed and another sender has it
                    continue
                error = claimed.error
                if error is None:
                    try:
                        with keeper.holding(claimed.id):
                            backend.send(claimed.outgoing, sender)
                    except DeliveryError as exc:
                        error = exc
                    except Exception as exc:  # a bug must not stop the other mails
                        log.exception("Unexpected error sending mail %s", claimed.id)
                        error = TemporaryFailure(f"{type(exc).__name__}: {exc}")
                if error is not None and error.connection:
                    down = error
                    _put_back(claimed, worker, down, policy)
                    continue
                _record(report, claimed, worker, error, policy)
                if progress is not None:
                    progress(claimed.id)
            if down is not None:
                report.errors.append(f"server unavailable: {down.reason}")
                log.warning("Mail server unavailable, stopping this run: %s", down.reason)
                break
    finally:
        backend.close()
    return report


@dataclass(frozen=True)
class _Policy:
    retry_seconds: float
    give_up_after: timedelta


def _put_back(claimed: _Claimed, worker: str, down: DeliveryError, policy: _Policy) -> None:
    """Back to the queue for the next run; the outage is not the mail's attempt."""
    _finish(
        claimed.id,
        worker,
        status="queued",
        next_attempt_at=utcnow() + timedelta(seconds=policy.retry_seconds),
        last_error=down.reason[:2000],
    )


def _record(report, claimed: _Claimed, worker, error, policy: _Policy) -> None:
    now = utcnow()
    attempts = claimed.attempts + 1
    if error is None:
        if not _finish(
            claimed.id, worker, status="sent", sent_at=now, last_error="", attempts=attempts
        ):
            log.warning("Mail %s was sent after its claim had been taken over", claimed.id)
        report.sent += 1
        return
    report.errors.append(f"{claimed.id}: {error.reason}")
    too_old = now - claimed.created_at >= policy.give_up_after
    if error.permanent or too_old:
        reason = error.reason
        if not error.permanent:
            days = policy.give_up_after.total_seconds() / 86400
            reason = f"gave up after {days:g} days and {attempts} attempts: {reason}"
        _finish(claimed.id, worker, status="failed", last_error=reason[:2000], attempts=attempts)
        report.failed += 1
        log.warning("Mail %s failed: %s", claimed.id, reason)
    else:
        _finish(
            claimed.id,
            worker,
            status="queued",
            attempts=attempts,
            last_error=error.reason[:2000],
            next_attempt_at=now + retry_delay(attempts, policy.retry_seconds),
        )
        report.retrying += 1
