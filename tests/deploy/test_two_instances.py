"""Two gunicorn instances on one PostgreSQL with one scheduler: the same data on both, and
a second scheduler refuses to run, so no job runs twice.

Real processes on loopback; its own PostgreSQL database (the suite's `test` stays untouched).
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
#: Its own database per run, so that two runs on one machine never meet.
DB = f"rongtong_two_instances_{os.getpid()}"

pytestmark = [pytest.mark.nodb, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def deployment(tmp_path):
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RONGTONG_", "GUNICORN_"))}
    env.update(
        DATABASE_URL=f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB}",
        RONGTONG_INSTANCE_PATH=str(tmp_path / "instance"),
        RONGTONG_SECRET_KEY="two-instances-test-key-0123456789abcdef",
        RONGTONG_PUBLIC_URL="http://127.0.0.1:8001",
        RONGTONG_SESSION_COOKIE_SECURE="false",
        RONGTONG_MAIL_BACKEND="file",
        GUNICORN_WORKERS="1",
        GUNICORN_ACCESS_LOG="",
    )

    def flask(*args, check=True, timeout=300):
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=check,
            timeout=timeout,
        )

    flask("db", "upgrade")
    flask("seed")
    processes = []

    def start(*cmd, log):
        handle = (tmp_path / log).open("w")
        process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=handle, stderr=handle)
        processes.append((process, handle))
        return process

    ports = [_free_port(), _free_port()]
    for port in ports:
        start(
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "gunicorn.conf.py",
            "-b",
            f"127.0.0.1:{port}",
            "wsgi:app",
            log=f"web-{port}.log",
        )
    for port in ports:
        _wait(f"http://127.0.0.1:{port}/healthz")
    yield {"ports": ports, "flask": flask, "start": start, "tmp": tmp_path}
    for process, handle in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        handle.close()
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")


def _wait(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310
                return
        except OSError:
            time.sleep(0.3)
    msg = f"{url} did not answer"
    raise AssertionError(msg)


def _request(url, method="GET", body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)  # noqa: S310
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=20) as response:  # noqa: S310
        return response.status, json.loads(response.read())


def test_two_instances_one_scheduler(deployment):
    one, two = (f"http://127.0.0.1:{p}" for p in deployment["ports"])
    # Outside development the seed makes no demo account: the operator creates the member.
    flask = deployment["flask"]
    member = "member@two-instances.example"
    flask("users", "create", member, "--enterprise", "91440112MA5FMECWGK", "--password", "x" * 16)
    token = flask("users", "token", member).stdout.strip()

    # Written through one instance, read through the other.
    status, created = _request(
        f"{one}/api/v1/listings",
        "POST",
        token=token,
        body={
            "kind": "capability",
            "category": "rnd",
            "chain": "robotics",
            "title": "两实例共享数据验证能力",
            "summary": "用于验证两个实例读到同一份数据。",
            "status": "published",
        },
    )
    assert status == 201
    status, seen = _request(f"{two}/api/v1/listings/{created['id']}")
    assert status == 200 and seen["title"] == "两实例共享数据验证能力"
    _, found = _request(f"{two}/api/v1/listings?ref={created['ref']}")
    assert found["total"] == 1

    # One scheduler runs; a second one, started by mistake, refuses.
    first = deployment["start"](
        sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "run", log="scheduler-1.log"
    )
    log = deployment["tmp"] / "scheduler-1.log"
    deadline = time.monotonic() + 60
    while "started" not in log.read_text() and time.monotonic() < deadline:
        assert first.poll() is None, log.read_text()
        time.sleep(0.3)
    # A second one, started by mistake, waits for the lease rather than running jobs too.
    second = deployment["start"](
        sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "run", log="scheduler-2.log"
    )
    log2 = deployment["tmp"] / "scheduler-2.log"
    deadline = time.monotonic() + 60
    while "Waiting to take over" not in log2.read_text() and time.monotonic() < deadline:
        assert second.poll() is None, log2.read_text()
        time.sleep(0.3)
    assert "Another scheduler is running" in log2.read_text()
    assert "started" not in log2.read_text()
    assert first.poll() is None  # the first one goes on

    # When the first stops, the waiting one takes over (systemd would restart the first).
    first.send_signal(signal.SIGTERM)
    first.wait(timeout=30)
    deadline = time.monotonic() + 60
    while "started" not in log2.read_text() and time.monotonic() < deadline:
        assert second.poll() is None, log2.read_text()
        time.sleep(0.3)
    assert "started" in log2.read_text()
