"""Publish → matchable: seconds from a publish on one gunicorn worker until the listing is in
another worker's ``/api/v1/listings/{id}/matches``; prints p50/p95/max.

    .venv/bin/python bench/bench_publish_matchable.py --db sqlite [--runs 40]
    .venv/bin/python bench/bench_publish_matchable.py --db postgresql+psycopg://postgres@127.0.0.1:5432/test_p2

The database (a SQLite file in a temporary folder, or the given PostgreSQL database, whose
schema is dropped first) gets the migrations and the seed (which builds the index). Two
gunicorn processes of one sync worker each serve it on loopback ports 5131 and 5132 (two
workers, each its own process and index, so "another worker" is certain; their instance
folder is shared, as the build's file is). Each run publishes a capability written for a
seeded challenge through the API on the first, then asks the second for the challenge's
matches every 50 ms until the new id is there (30 s at most), then closes the listing
(so that the next run's competes with no earlier ones) and waits for it to leave the
second worker's matches too. No rebuild runs: the scheduler is not started.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PORTS = (5131, 5132)
CHALLENGE_REF_TITLE = "柔性AMOLED面板Mura缺陷自动检测与Demura补偿"
SECRET = "bench-publish-matchable-not-for-production-8d1e"  # noqa: S105  (loopback bench)


def _env(instance: Path, url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RONGTONG_")}
    env.update(
        DATABASE_URL=url,
        RONGTONG_INSTANCE_PATH=str(instance),
        RONGTONG_SECRET_KEY=SECRET,
        RONGTONG_PUBLIC_URL=f"http://127.0.0.1:{PORTS[0]}",
        RONGTONG_DEVELOPMENT="1",  # plain http on loopback; everything else as in production
        RONGTONG_MAIL_BACKEND="file",
        GUNICORN_ACCESS_LOG="",
    )
    return env


def _flask(env: dict, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=900,
    )


def _prepare(url: str, env: dict) -> tuple[int, str]:
    """Migrate and seed; return the challenge's id and an API token of a seeded SME."""
    if url.startswith("postgresql"):
        import sqlalchemy as sa

        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        engine.dispose()
    _flask(env, "db", "upgrade")
    _flask(env, "seed")
    os.environ.update({k: v for k, v in env.items() if k.startswith(("RONGTONG_", "DATABASE"))})
    from rongtong import create_app
    from rongtong.accounts.models import User
    from rongtong.accounts.services import create_api_token
    from rongtong.extensions import db
    from rongtong.listings.models import Listing

    app = create_app()
    with app.app_context():
        challenge = db.session.execute(
            db.select(Listing.id).where(Listing.title == CHALLENGE_REF_TITLE)
        ).scalar_one()
        sme = db.session.execute(
            db.select(User).where(User.email == "sme@rongtong.example")
        ).scalar_one()
        _token, plain = create_api_token(sme, "bench")
        db.session.commit()
        db.engine.dispose()
    return challenge, plain


def _request(method: str, port: int, path: str, token: str | None = None, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


def _serve(env: dict, port: int, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "-w", "1",
         "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log.open("w"),
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except (OSError, urllib.error.URLError):
            time.sleep(0.2)
    process.kill()
    msg = f"gunicorn on {port} did not start: {log.read_text()[-2000:]}"
    raise RuntimeError(msg)


def _wait(port: int, challenge: int, listing: int, present: bool, limit: float) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        found = _request("GET", port, f"/api/v1/listings/{challenge}/matches?k=50")
        if (listing in [m["listing"]["id"] for m in found]) == present:
            return time.monotonic()
        time.sleep(0.05)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite", help="sqlite, or a PostgreSQL URL")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--limit", type=float, default=30, help="seconds to wait, per run")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bench-matchable-"))
    instance = folder / "instance"
    instance.mkdir()
    url = f"sqlite:///{instance / 'rongtong.db'}" if args.db == "sqlite" else args.db
    env = _env(instance, url)
    started = time.monotonic()
    challenge, token = _prepare(url, env)
    print(f"migrated and seeded in {time.monotonic() - started:.0f} s")
    servers = [_serve(env, port, folder / f"gunicorn-{port}.log") for port in PORTS]
    publish_port, read_port = PORTS
    seen, gone = [], []
    try:
        for run in range(args.runs):
            body = {
                "kind": "capability",
                "category": "rnd",
                "chain": "display",
                "title": f"AMOLED面板Mura缺陷自动检测与Demura补偿方案{run}",
                "summary": "柔性AMOLED面板Mura缺陷自动检测与Demura光学补偿，低灰阶检出率99%。",
                "keywords": ["Mura检测", "Demura", "AMOLED", "缺陷检测"],
                "status": "published",
            }
            t0 = time.monotonic()
            created = _request("POST", publish_port, "/api/v1/listings", token, body)
            t1 = _wait(read_port, challenge, created["id"], True, args.limit)
            seen.append(None if t1 is None else t1 - t0)
            t2 = time.monotonic()
            _request("POST", publish_port, f"/api/v1/listings/{created['id']}/close", token)
            t3 = _wait(read_port, challenge, created["id"], False, args.limit)
            gone.append(None if t3 is None else t3 - t2)
    finally:
        for server in servers:
            server.terminate()
            server.wait(15)
    _report("publish → in the other worker's matches", seen)
    _report("close → gone from the other worker's matches", gone)
    print(
        f"database: {url.split('://')[0]}; runs: {args.runs}; poll interval: "
        f"{os.environ.get('RONGTONG_MATCHER_LIVE_POLL_SECONDS', '2 (default)')} s; "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    shutil.rmtree(folder, ignore_errors=True)


def _report(what: str, times: list[float | None]) -> None:
    ok = sorted(t for t in times if t is not None)
    missed = len(times) - len(ok)
    if not ok:
        print(f"{what}: never ({missed} runs timed out)")
        return
    p95 = ok[min(len(ok) - 1, math.ceil(0.95 * len(ok)) - 1)] if missed == 0 else float("inf")
    print(
        f"{what}: p50 {statistics.median(ok):.2f} s, p95 {p95:.2f} s, max {ok[-1]:.2f} s"
        + (f", {missed} timed out" if missed else "")
    )


if __name__ == "__main__":
    main()
