"""Per-page latency and SQL query count in one process (no HTTP server), on the load database.

    .venv/bin/python bench/load/profile_pages.py [--n 30]

For measuring a change before the full load test: each page is requested --n times through
Flask's test client; prints median and p95 milliseconds, queries per request, and the
slowest statements' total time.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/rongtong_load"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("RONGTONG_SECRET_KEY", "load-test-only")
    from queries import QUERIES
    from sqlalchemy import event, text
    from wsgi_load import app

    from rongtong.extensions import db

    rng = random.Random(1)
    with app.app_context():
        ids = list(
            db.session.execute(text("SELECT id FROM listings WHERE status = 'published'")).scalars()
        )
        engine = db.engine
    statements: Counter = Counter()
    times: Counter = Counter()
    count = {"n": 0}

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):
        conn.info["t0"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):
        count["n"] += 1
        key = " ".join(statement.split())[:90]
        statements[key] += 1
        times[key] += time.perf_counter() - conn.info.pop("t0", time.perf_counter())

    pages = {
        "browse": lambda: f"/listings/?page={rng.choice((1, 2, 3, rng.randint(4, 200)))}",
        "search": lambda: "/listings/?q=" + rng.choice(QUERIES),
        "detail": lambda: f"/listings/{rng.choice(ids)}",
        "api list": lambda: f"/api/v1/listings?page={rng.randint(1, 100)}&per_page=20",
        "api search": lambda: "/api/v1/listings?q=" + rng.choice(QUERIES),
        "enterprises": lambda: "/enterprises/?q=" + rng.choice(QUERIES[-6:]),
    }
    client = app.test_client()
    for url in (pages["browse"](), pages["search"](), pages["detail"]()):
        client.get(url)  # warm-up: templates, matcher index, jieba
    print(f"{'page':<12} {'p50 ms':>7} {'p95 ms':>7} {'queries':>8}")
    for name, make in pages.items():
        samples, queries = [], []
        statements.clear()
        times.clear()
        for _ in range(args.n):
            url = make()
            count["n"] = 0
            t = time.perf_counter()
            resp = client.get(url)
            samples.append((time.perf_counter() - t) * 1000)
            queries.append(count["n"])
            assert resp.status_code == 200, (url, resp.status_code)
        samples.sort()
        p95 = samples[min(len(samples) - 1, int(0.95 * len(samples)))]
        print(
            f"{name:<12} {statistics.median(samples):7.1f} {p95:7.1f} "
            f"{statistics.mean(queries):8.1f}"
        )
        for key, seconds in times.most_common(2):
            per = statements[key] / args.n
            print(f"    {seconds * 1000 / args.n:6.1f} ms/req  x{per:.1f}  {key}")


if __name__ == "__main__":
    main()
