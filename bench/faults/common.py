"""What the fault scripts share: a migrated SQLite file, real processes, the SMTP sink.

Everything runs on loopback, on ports 5401-5449, and every loop is bounded.
"""

import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.mail.support import SmtpSink, closed_port, migrated_app  # noqa: E402

__all__ = ["ROOT", "SmtpSink", "Workspace", "closed_port", "migrated_app", "report"]

SECRET = "bench-faults-secret-not-for-production"  # noqa: S105  (a throwaway database)
PYTHON = sys.executable


class Workspace:
    """A temporary instance folder with a migrated SQLite database and process helpers."""

    def __init__(self, name: str, **config):
        self.dir = Path(tempfile.mkdtemp(prefix=f"faults-{name}-"))
        self.db_path = self.dir / "rongtong.db"
        self.url = f"sqlite:///{self.db_path}"
        self.app = migrated_app(self.db_path, **config)
        self.processes: list[subprocess.Popen] = []

    def env(self, **config) -> dict:
        inherited = {k: v for k, v in os.environ.items() if k != "RONGTONG_DEVELOPMENT"}
        environment = {
            **inherited,
            "DATABASE_URL": self.url,
            "RONGTONG_SECRET_KEY": SECRET,
            "RONGTONG_INSTANCE_PATH": str(self.dir),
            # Production refuses to start without its public address (links in mail).
            "RONGTONG_PUBLIC_URL": "http://127.0.0.1:5401",
            "PYTHONUNBUFFERED": "1",
            **{f"RONGTONG_{k}": str(v) for k, v in config.items()},
        }
        return environment

    def flask(self, *args: str, log: str | None = None, **config) -> subprocess.Popen:
        """``flask --app wsgi ARGS`` as its own process; output to ``log`` in the folder."""
        out = open(self.dir / (log or f"{args[0]}.log"), "ab")  # noqa: SIM115
        process = subprocess.Popen(
            [PYTHON, "-m", "flask", "--app", "wsgi", *args],
            cwd=ROOT,
            env=self.env(**config),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        return process

    def log(self, name: str) -> str:
        path = self.dir / name
        return path.read_text(errors="replace") if path.exists() else ""

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def wait_until(predicate, timeout: float, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return None


def report(title: str, rows: list[tuple[str, str, str, bool]]) -> bool:
    """Print expected vs measured; True when every row holds."""
    print(f"\n== {title}")
    width = max(len(name) for name, *_ in rows)
    ok = True
    for name, expected, measured, holds in rows:
        ok &= holds
        verdict = "ok" if holds else "FAIL"
        print(f"  {name:<{width}}  expected {expected:<18} measured {measured:<18} {verdict}")
    return ok


def queue_mails(app, n: int, prefix: str = "bench") -> None:
    from rongtong.extensions import db
    from rongtong.mail.services import queue_mail

    with app.app_context():
        for i in range(n):
            queue_mail(
                key=f"{prefix}:{i}",
                purpose="bench",
                to=f"member{i}@example.cn",
                subject=f"第 {i} 封",
                text="正文",
                html="<p>正文</p>",
            )
        db.session.commit()
        db.session.remove()


def outbox_counts(app) -> dict:
    from collections import Counter

    from rongtong.extensions import db
    from rongtong.mail.models import OutboxMail

    with app.app_context():
        counts = Counter(db.session.execute(db.select(OutboxMail.status)).scalars())
        db.session.remove()
    return dict(counts)


def rng() -> random.Random:
    return random.Random(12)
