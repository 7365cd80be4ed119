"""The load test: gunicorn (gunicorn.conf.py, 2 workers) on the PostgreSQL load database,
driven by locust on loopback at rising concurrency; then the same for a bare Flask "hello".

    .venv/bin/python bench/load/run.py                    # after bench/gen_data.py
    .venv/bin/python bench/load/run.py --users 1 2 4 8 --duration 45

Prints, per concurrency, requests per second and p50/p95/p99/errors per page; picks the
concurrency that saturates the two workers (the lowest one within 5 % of the best
throughput) and prints its figures with the hello ceiling as a ratio, as Markdown.
Each locust run is bounded by --duration and by LOAD_MAX_REQUESTS.
"""

from __future__ import annotations

import argparse
import csv
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from machine import describe

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
VENV_BIN = Path(sys.executable).parent
OUT = ROOT / "bench" / "out"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/rongtong_load"
PAGES = ("browse", "search", "detail", "api list")


def machine() -> str:
    return describe()


def wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    msg = f"nothing listening on 127.0.0.1:{port} after {timeout} s"
    raise RuntimeError(msg)


class Gunicorn:
    """gunicorn -c gunicorn.conf.py on loopback, stopped (SIGTERM to its own pid) on exit."""

    def __init__(self, app: str, port: int, env: dict, log_name: str):
        self.app, self.port, self.env, self.log_name = app, port, env, log_name

    def __enter__(self):
        OUT.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            **self.env,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_ACCESS_LOG": str(OUT / f"access-{self.log_name}.log"),
            "GUNICORN_ERROR_LOG": str(OUT / f"error-{self.log_name}.log"),
        }
        self.proc = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "-c",
                str(ROOT / "gunicorn.conf.py"),
                "--chdir",
                str(HERE),
                self.app,
            ],
            env=env,
            cwd=ROOT,
        )
        wait_for_port(self.port)
        return self

    def __exit__(self, *exc):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def run_locust(
    locustfile: str,
    users: int,
    duration: int,
    port: int,
    prefix: str,
    classes=("Reader",),
    env=None,
) -> dict[str, dict]:
    """One headless locust run; returns stats per request name (and 'Aggregated')."""
    cmd = [
        str(VENV_BIN / "locust"),
        "-f",
        str(HERE / locustfile),
        "--headless",
        "-u",
        str(users),
        "-r",
        str(users),
        "-t",
        f"{duration}s",
        "--host",
        f"http://127.0.0.1:{port}",
        "--csv",
        str(prefix),
        "--only-summary",
        "--stop-timeout",
        "10",
        "--exit-code-on-error",
        "0",
        "--loglevel",
        "WARNING",
        *classes,
    ]
    subprocess.run(
        cmd,
        check=True,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        timeout=duration + 120,
    )
    stats = {}
    with open(f"{prefix}_stats.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            stats[row["Name"]] = {
                "n": int(row["Request Count"]),
                "errors": int(row["Failure Count"]),
                "rps": float(row["Requests/s"]),
                "p50": float(row["50%"]),
                "p95": float(row["95%"]),
                "p99": float(row["99%"]),
                "avg": float(row["Average Response Time"]),
            }
    return stats


def sweep(label, locustfile, port, levels, duration, classes=("Reader",)):
    results = {}
    for users in levels:
        prefix = OUT / f"locust-{label}-u{users}"
        stats = run_locust(locustfile, users, duration, port, prefix, classes)
        results[users] = stats
        agg = stats["Aggregated"]
        print(
            f"{label} u={users}: {agg['rps']:.1f} req/s, p50 {agg['p50']:.0f} ms, "
            f"p95 {agg['p95']:.0f} ms, p99 {agg['p99']:.0f} ms, errors {agg['errors']}",
            flush=True,
        )
        for name in PAGES:
            if name in stats:
                s = stats[name]
                print(
                    f"    {name:<9} {s['rps']:7.1f} req/s  p50 {s['p50']:5.0f}  "
                    f"p95 {s['p95']:5.0f}  p99 {s['p99']:5.0f} ms  errors {s['errors']}/"
                    f"{s['n']}",
                    flush=True,
                )
    return results


def saturation(results: dict[int, dict]) -> int:
    best = max(r["Aggregated"]["rps"] for r in results.values())
    return min(u for u, r in results.items() if r["Aggregated"]["rps"] >= 0.95 * best)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--users", type=int, nargs="+", default=[1, 2, 4, 8, 16])
    parser.add_argument("--duration", type=int, default=40, help="seconds per level")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--skip-hello", action="store_true")
    args = parser.parse_args(argv)

    print(f"Machine: {machine()}", flush=True)
    env = {
        "DATABASE_URL": args.database_url,
        "LOAD_DATABASE_URL": args.database_url,
        "RONGTONG_SECRET_KEY": "load-test-only",
        "GUNICORN_MAX_REQUESTS": "0",
    }
    os.environ.update({"LOAD_DATABASE_URL": args.database_url})
    with Gunicorn("wsgi_load:app", args.port, env, "app"):
        # Warm-up: templates compiled, connections opened, the matcher index paged in.
        run_locust("locustfile.py", 2, 10, args.port, OUT / "locust-warmup")
        app = sweep("app", "locustfile.py", args.port, args.users, args.duration)
    hello = {}
    if not args.skip_hello:
        with Gunicorn("hello:app", args.port, {"GUNICORN_MAX_REQUESTS": "0"}, "hello"):
            run_locust(
                "locust_hello.py", 2, 5, args.port, OUT / "locust-hello-warmup", classes=("Hello",)
            )
            hello = sweep(
                "hello", "locust_hello.py", args.port, args.users, args.duration, classes=("Hello",)
            )

    sat = saturation(app)
    stats = app[sat]
    print(f"\n### Rongtong at {sat} concurrent users (saturates the 2 workers)\n")
    print("| page | req/s | p50 ms | p95 ms | p99 ms | errors |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name in (*PAGES, "Aggregated"):
        if name in stats:
            s = stats[name]
            label = "**all**" if name == "Aggregated" else name
            print(
                f"| {label} | {s['rps']:.1f} | {s['p50']:.0f} | {s['p95']:.0f} | "
                f"{s['p99']:.0f} | {s['errors']} of {s['n']} |"
            )
    if hello:
        hsat = saturation(hello)
        h = hello[sat]["Aggregated"]
        hs = hello[hsat]["Aggregated"]
        print(
            f"\nhello at {sat} users: {h['rps']:.1f} req/s, p50 {h['p50']:.0f} ms, "
            f"p95 {h['p95']:.0f} ms, p99 {h['p99']:.0f} ms, errors {h['errors']}; "
            f"its best: {hs['rps']:.1f} req/s at {hsat} users"
        )
        ratio = stats["Aggregated"]["rps"] / h["rps"]
        print(f"Rongtong / hello throughput at {sat} users: {ratio:.3f} (1 : {1 / ratio:.1f})")
    print(f"Machine after: load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
