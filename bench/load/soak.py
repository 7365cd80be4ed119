"""The soak: mixed reads and API writes against gunicorn (2 workers) on the load database
for --minutes, with the scheduler running and digests run during it; then checks that
nothing was lost and reports the workers' memory over time.

    .venv/bin/python bench/load/soak.py --minutes 10

Readers browse, search, open listings with matches and page the API; writers create and
update listings through the API with the load-test members' tokens (bench/gen_data.py
made them). Every write answered 2xx is recorded; at the end each created listing must
exist with the title of its last acknowledged write. The workers are never recycled
(GUNICORN_MAX_REQUESTS=0), so memory growth would show. ``flask scheduler run`` is
started when the command exists, and ``scheduler run-job digests.weekly`` is run at a
third and two thirds of the way through, under load.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import DEFAULT_URL, HERE, OUT, VENV_BIN, Gunicorn, machine


def worker_rss(master_pid: int) -> list[float]:
    """Resident memory (MiB) of each gunicorn worker (the master's children)."""
    try:
        children = psutil.Process(master_pid).children()
    except psutil.NoSuchProcess:
        return []
    out = []
    for child in children:
        with contextlib.suppress(psutil.NoSuchProcess):
            out.append(child.memory_info().rss / 2**20)
    return sorted(out)


def flask_cmd(*args) -> list[str]:
    return [str(VENV_BIN / "flask"), "--app", str(HERE / "wsgi_load.py") + ":app", *args]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--readers", type=int, default=3)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8767)
    args = parser.parse_args(argv)
    seconds = int(args.minutes * 60)
    OUT.mkdir(parents=True, exist_ok=True)
    writes_file = OUT / "soak-writes.jsonl"
    writes_file.unlink(missing_ok=True)
    env = {
        "DATABASE_URL": args.database_url,
        "LOAD_DATABASE_URL": args.database_url,
        "RONGTONG_SECRET_KEY": "load-test-only",
        "GUNICORN_MAX_REQUESTS": "0",
    }
    os.environ.update(env)
    print(f"Machine: {machine()}", flush=True)

    scheduler = None
    has_scheduler = (
        subprocess.run(
            flask_cmd("scheduler", "--help"), capture_output=True, check=False
        ).returncode
        == 0
    )
    samples: list[tuple[float, list[float]]] = []
    digest_runs: list[str] = []
    with Gunicorn("wsgi_load:app", args.port, env, "soak") as server:
        if has_scheduler:
            scheduler = subprocess.Popen(
                flask_cmd("scheduler", "run"),
                stdout=open(OUT / "soak-scheduler.log", "w"),  # noqa: SIM115
                stderr=subprocess.STDOUT,
            )
        stop = threading.Event()
        start = time.monotonic()

        def sample():
            while not stop.is_set():
                samples.append((time.monotonic() - start, worker_rss(server.proc.pid)))
                stop.wait(15)

        def digests():
            for fraction in (1 / 3, 2 / 3):
                if stop.wait(max(0.0, start + fraction * seconds - time.monotonic())):
                    return
                t = time.monotonic()
                done = subprocess.run(
                    flask_cmd("scheduler", "run-job", "digests.weekly"),
                    capture_output=True,
                    text=True,
                    check=False,
                )
                digest_runs.append(
                    f"at {t - start:.0f} s: exit {done.returncode} in "
                    f"{time.monotonic() - t:.1f} s {(done.stdout + done.stderr).strip()[-200:]}"
                )

        threads = [threading.Thread(target=sample, daemon=True)]
        if has_scheduler:
            threads.append(threading.Thread(target=digests, daemon=True))
        for thread in threads:
            thread.start()
        locust_env = {
            **os.environ,
            "LOAD_WRITES_FILE": str(writes_file),
            "LOAD_WRITERS": str(args.writers),
            "LOAD_WRITER_WAIT": "0.5",
            "LOAD_MAX_REQUESTS": "400000",
        }
        users = args.readers + args.writers
        subprocess.run(
            [
                str(VENV_BIN / "locust"),
                "-f",
                str(HERE / "locustfile.py"),
                "--headless",
                "-u",
                str(users),
                "-r",
                str(users),
                "-t",
                f"{seconds}s",
                "--host",
                f"http://127.0.0.1:{args.port}",
                "--csv",
                str(OUT / "soak"),
                "--only-summary",
                "--stop-timeout",
                "10",
                "--exit-code-on-error",
                "0",
                "--loglevel",
                "WARNING",
                "Reader",
                "Writer",
            ],
            env=locust_env,
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=seconds + 180,
        )
        stop.set()
        samples.append((time.monotonic() - start, worker_rss(server.proc.pid)))
        if scheduler is not None:
            scheduler.terminate()
            scheduler.wait(timeout=60)

    report(args, samples, writes_file, has_scheduler, digest_runs)


def report(args, samples, writes_file: Path, has_scheduler: bool, digest_runs) -> None:
    import csv

    import psycopg

    print(f"\nScheduler: {'running (flask scheduler run)' if has_scheduler else 'not available'}")
    for line in digest_runs:
        print(f"  digests.weekly {line}")
    with open(OUT / "soak_stats.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    print("\n| request | count | errors | req/s | p50 ms | p95 ms | p99 ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        print(
            f"| {row['Name']} | {row['Request Count']} | {row['Failure Count']} | "
            f"{float(row['Requests/s']):.1f} | {row['50%']} | {row['95%']} | {row['99%']} |"
        )

    print("\nWorker RSS (MiB) over time:")
    for t, rss in samples[:: max(1, len(samples) // 12)] + samples[-1:]:
        print(f"  {t:6.0f} s  " + "  ".join(f"{r:7.1f}" for r in rss))
    if len(samples) >= 4:
        # Growth after the first quarter (warm-up: templates, matcher index, caches).
        q = len(samples) // 4
        first = [sum(r) for _, r in samples[q : q + 2] if r]
        last = [sum(r) for _, r in samples[-2:] if r]
        if first and last:
            growth = (sum(last) / len(last)) - (sum(first) / len(first))
            span = (samples[-1][0] - samples[q][0]) / 60
            print(f"  both workers: {growth:+.1f} MiB over the last {span:.1f} minutes")

    expected: dict[int, str] = {}
    for line in writes_file.read_text().splitlines() if writes_file.exists() else []:
        entry = json.loads(line)
        expected[entry["id"]] = entry["title"]
    url = args.database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as conn:
        found = dict(
            conn.execute(
                "SELECT id, title FROM listings WHERE id = ANY(%s)", (list(expected),)
            ).fetchall()
        )
    missing = [i for i in expected if i not in found]
    stale = [i for i in expected if i in found and found[i] != expected[i]]
    creates = sum(1 for line in writes_file.read_text().splitlines() if '"create"' in line)
    print(
        f"\nAcknowledged writes: {creates} creates, "
        f"{len(writes_file.read_text().splitlines()) - creates} updates on "
        f"{len(expected)} listings; missing {len(missing)}, not at their last title "
        f"{len(stale)}"
    )
    print(f"Machine after: load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
