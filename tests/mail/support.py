"""A real SMTP server on loopback, and migrated database files for multi-process tests."""

import asyncio
import email
import email.policy
import multiprocessing
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask_migrate import upgrade

from rongtong import create_app
from rongtong.extensions import db
from tests.conftest import SEED_DIR, TEST_CONFIG

ROOT = Path(__file__).resolve().parents[2]


#: What the server does, switchable while it runs: ``ok``; ``421`` (refuses every session
#: at EHLO/HELO); ``451`` (answers DATA "try again later"); ``hang`` (never answers MAIL
#: FROM, so the client times out before DATA); ``slow`` (waits ``delay`` before the 250 of
#: DATA). 550 for one recipient is ``refuse[address]``; a server that is down is
#: ``closed_port()``.
MODES = ("ok", "421", "451", "hang", "slow")


class SinkHandler:
    """Records every message; answers 4xx/5xx for chosen recipients or first attempts."""

    def __init__(self):
        self.mode = "ok"
        #: Seconds ``hang`` holds a command unanswered (the client's timeout is shorter).
        self.hang_seconds = 30.0
        self.lock = threading.Lock()
        self.messages: list[email.message.EmailMessage] = []
        #: Recipient → "550 No such user" style replies given at RCPT.
        self.refuse: dict[str, str] = {}
        #: Answer DATA with this reply for the next N messages (e.g. "451 Try again later").
        self.fail_next = 0
        self.fail_reply = "451 4.3.0 Try again later"
        #: Seconds to sleep after receiving a message, before answering 250.
        self.delay = 0.0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        if self.mode == "421":
            return ["421 4.3.2 Service not available, closing transmission channel"]
        session.host_name = hostname
        return responses

    async def handle_HELO(self, server, session, envelope, hostname):
        if self.mode == "421":
            return "421 4.3.2 Service not available, closing transmission channel"
        session.host_name = hostname
        return f"250 {server.hostname}"

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.mode == "hang":
            await asyncio.sleep(self.hang_seconds)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.refuse.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.mode == "451":
                return self.fail_reply
            if self.fail_next > 0:
                self.fail_next -= 1
                return self.fail_reply
            # Recorded before the 250: a sender killed now has delivered without knowing it.
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.messages.append(message)
        if self.delay or self.mode == "slow":
            await asyncio.sleep(self.delay)
        return "250 Message accepted"

    def recipients(self) -> list[str]:
        with self.lock:
            return [m["To"] for m in self.messages]


class LoopbackController(Controller):
    """aiosmtpd on 127.0.0.1 with a port the OS chose (bound before the server starts)."""

    def __init__(self, handler):
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        super().__init__(handler, hostname="127.0.0.1", port=self._socket.getsockname()[1])

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self._socket)


class SmtpSink:
    def __init__(self):
        self.handler = SinkHandler()
        self.controller = LoopbackController(self.handler)
        self.host, self.port = "127.0.0.1", self.controller.port

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    @property
    def messages(self):
        return self.handler.messages


def closed_port() -> int:
    """A loopback port nobody listens on: connecting is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def migrated_app(path: Path, url: str | None = None, **config):
    """An app on its own database (a SQLite file at ``path`` unless ``url``), migrated."""
    from rongtong.seeding import seed_taxonomies

    url = url or f"sqlite:///{path}"
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url, **config})
    app.instance_path = str(path.parent)
    with app.app_context():
        upgrade()
        seed_taxonomies(SEED_DIR)
        db.session.commit()
    return app


def dispose(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def database_kinds() -> list[str]:
    """The database the run is on: SQLite, or PostgreSQL in CI's second run (the first one
    already ran these tests of real processes on SQLite)."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    return ["postgresql"] if url.startswith("postgresql") else ["sqlite"]


@pytest.fixture(params=database_kinds())
def process_database(request, tmp_path):
    """(app, url) of a fresh, migrated database that separate processes can share."""
    path = tmp_path / "shared.db"
    if request.param == "sqlite":
        app = migrated_app(path)
        yield app, f"sqlite:///{path}"
        dispose(app)
        return
    server = sa.engine.make_url(os.environ["TEST_DATABASE_URL"])
    name = f"rongtong_proc_{os.getpid()}_{secrets.token_hex(3)}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = server.set(database=name).render_as_string(hide_password=False)
    app = migrated_app(path, url)
    try:
        yield app, url
    finally:
        dispose(app)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.dispose()


def flask_process(args: list[str], database, **env) -> subprocess.Popen:
    """``flask --app wsgi ARGS`` in a new process on the given database (path or URL)."""
    url = database if isinstance(database, str) else f"sqlite:///{database}"
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "RONGTONG_SECRET_KEY": TEST_CONFIG["SECRET_KEY"],
        "RONGTONG_PUBLIC_URL": "http://127.0.0.1:5000",
        "PYTHONUNBUFFERED": "1",
        **{f"RONGTONG_{k}": str(v) for k, v in env.items()},
    }
    environment.pop("RONGTONG_DEVELOPMENT", None)
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


#: Children forked from the test process: real processes (own pid, killable with SIGKILL)
#: that skip the seconds a fresh interpreter spends importing the app.
FORK = multiprocessing.get_context("fork")


def _app_for(url: str, config: dict):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url, **config})
    return app


def _sender_main(url: str, config: dict) -> None:
    from rongtong.mail.sender import send_queued

    app = _app_for(url, config)
    with app.app_context():
        send_queued()


def sender_process(url: str, **config):
    """A process that runs the outbox sender once over ``url``, as ``flask mail send`` does."""
    process = FORK.Process(target=_sender_main, args=(url, config), daemon=True)
    process.start()
    return process


def _cli_main(url: str, args: list[str], config: dict, conn) -> None:
    app = _app_for(url, config)
    result = app.test_cli_runner().invoke(args=args)
    conn.send((result.exit_code, result.output))


def cli_process(url: str, args: list[str], **config):
    """A process running ``flask ARGS`` on ``url``; ``.result()`` gives (exit code, output)."""
    parent, child = FORK.Pipe()
    process = FORK.Process(target=_cli_main, args=(url, args, config, child), daemon=True)
    process.start()
    process.result = lambda timeout=30: parent.recv() if parent.poll(timeout) else None
    return process


def wait_for(predicate, timeout: float = 10, interval: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


def count(app, stmt) -> int:
    with app.app_context():
        return db.session.execute(stmt).scalar_one()
