"""Each load-test search query alone, in one process on the load database: how many listings
it finds and the median time of its search statement (the ids, the count and the ranking).

    .venv/bin/python bench/load/search_queries.py [--repeat 5] [QUERY ...]

Without QUERY, the load test's queries (queries.py).

Also prints the common terms the search leaves out of finding (SEARCH_COMMON_SHARE).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/rongtong_load"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("queries", nargs="*", help="default: the load test's queries")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("RONGTONG_SECRET_KEY", "load-test-only")
    from machine import describe
    from queries import QUERIES
    from wsgi_load import app

    from rongtong.extensions import db
    from rongtong.listings.models import Listing
    from rongtong.listings.services import (
        BrowseFilters,
        browse_statement,
        common_terms,
        full_text_plan,
    )

    print(describe())
    with app.test_request_context():
        print(f"common terms: {len(common_terms())} (share > {app.config['SEARCH_COMMON_SHARE']})")
        print(f"{'query':<14} {'found':>7} {'median ms':>10}")
        medians = []
        for q in args.queries or QUERIES:
            stmt = browse_statement(BrowseFilters(q=q))
            ids = stmt.with_only_columns(
                Listing.id, db.func.count().over().label("total"), maintain_column_froms=True
            ).limit(20)
            samples, total = [], 0
            for _ in range(args.repeat):
                t = time.perf_counter()
                with full_text_plan(db.session, stmt):  # as listings.services.paginate runs it
                    rows = db.session.execute(ids).all()
                samples.append((time.perf_counter() - t) * 1000)
                total = rows[0].total if rows else 0
            medians.append(statistics.median(samples))
            print(f"{q:<14} {total:>7} {medians[-1]:>10.1f}")
        print(f"median of medians {statistics.median(medians):.1f} ms, worst {max(medians):.1f} ms")


if __name__ == "__main__":
    main()
