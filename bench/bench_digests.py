"""Build and send N digests (default 10,000) to a local SMTP sink; print the rates and memory.

    .venv/bin/python bench/bench_digests.py [--members 10000] [--keep DIR]

A SQLite file in a temporary folder gets the migrations, the taxonomies and N member
enterprises with one published listing each (texts from the seed listings, varied), the
matcher index is fitted once, then the weekly digest run builds and queues every digest
(one all-pairs product for the whole run) and the sender delivers the outbox over SMTP to
an aiosmtpd sink running in another process. Prints mails per second for building, for
sending and overall, the peak memory of the process, and the machine.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import random
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


# ---------------------------------------------------------------- the SMTP sink process


def _sink(conn) -> None:
    import asyncio
    import socket

    from aiosmtpd.controller import Controller

    class Counter:
        received = 0

        async def handle_DATA(self, server, session, envelope):
            Counter.received += 1
            return "250 OK"

    class Loopback(Controller):
        def __init__(self, handler):
            self.sock = socket.socket()
            self.sock.bind(("127.0.0.1", 0))
            super().__init__(handler, hostname="127.0.0.1", port=self.sock.getsockname()[1])

        def _create_server(self):
            return self.loop.create_server(self._factory_invoker, sock=self.sock)

    controller = Loopback(Counter())
    controller.start()
    conn.send(controller.port)
    conn.recv()  # "stop"
    controller.stop()
    conn.send(Counter.received)
    asyncio.set_event_loop(None)


# ---------------------------------------------------------------- the data


def _credit_code(i: int) -> str:
    from rongtong.core.validators import CREDIT_CODE_ALPHABET, credit_code_check_char

    digits = []
    for _ in range(9):
        i, r = divmod(i, 31)
        digits.append(CREDIT_CODE_ALPHABET[r])
    body = "91440101" + "".join(reversed(digits))
    return body + credit_code_check_char(body)


def _populate(n: int, rng: random.Random) -> None:
    from rongtong.accounts.models import User
    from rongtong.enterprises.models import Enterprise
    from rongtong.extensions import db
    from rongtong.listings.models import Listing
    from rongtong.taxonomy.models import Category, Chain, District, EnterpriseKind, Tier

    def ids(model):
        return {row.code: row.id for row in db.session.execute(db.select(model)).scalars()}

    chains, categories, districts = ids(Chain), ids(Category), ids(District)
    kinds, tiers = ids(EnterpriseKind), ids(Tier)
    seeds = [
        json.loads(line)
        for part in sorted((ROOT / "seed_data" / "listings").glob("*.jsonl"))
        for line in part.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    by_chain: dict[str, list[dict]] = {}
    for seed in seeds:
        by_chain.setdefault(seed["chain"], []).append(seed)
    enterprises, listings, users = [], [], []
    password_hash = "$argon2id$v=19$m=65536,t=3,p=2$bench$bench"  # noqa: S105  (no logins)
    for i in range(n):
        seed = seeds[i % len(seeds)]
        other = rng.choice(by_chain[seed["chain"]])
        kind = "challenge" if i % 2 == 0 else "capability"
        keywords = list(dict.fromkeys([*seed.get("keywords", []), *other.get("keywords", [])[:2]]))
        enterprises.append(
            {
                "id": i + 1,
                "name": f"基准测试企业{i:05d}有限公司",
                "name_key": f"基准测试企业{i:05d}",
                "credit_code": _credit_code(i),
                "kind_id": kinds["sme"],
                "tier_id": rng.choice(list(tiers.values())),
                "district_id": rng.choice(list(districts.values())),
            }
        )
        listings.append(
            {
                "ref": f"BENCH-{i:05d}",
                "kind": kind,
                "enterprise_id": i + 1,
                "category_id": categories.get(seed["category"]) or next(iter(categories.values())),
                "chain_id": chains[seed["chain"]],
                "title": f"{seed['title'][:100]}（{i % 97}）",
                "summary": seed.get("summary", "")[:480],
                "description": seed.get("description", "") + "\n" + other.get("summary", ""),
                "keywords": ",".join(keywords),
                "status": "published",
            }
        )
        users.append(
            {
                "email": f"member{i:05d}@bench.example",
                "password_hash": password_hash,
                "name": f"成员{i}",
                "role": "member",
                "enterprise_id": i + 1,
                "locale": "en" if i % 10 == 0 else "zh",
            }
        )
    for model, rows in ((Enterprise, enterprises), (Listing, listings), (User, users)):
        for start in range(0, len(rows), 2000):
            db.session.execute(db.insert(model), rows[start : start + 2000])
    db.session.commit()


# ---------------------------------------------------------------- the run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument(
        "--keep", type=Path, help="Use this folder (kept) instead of a temporary one."
    )
    args = parser.parse_args()

    parent, child = multiprocessing.get_context("spawn").Pipe()
    sink = multiprocessing.get_context("spawn").Process(target=_sink, args=(child,), daemon=True)
    sink.start()
    port = parent.recv()

    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-digests-"))
    folder.mkdir(parents=True, exist_ok=True)
    db_path = folder / "bench.db"
    db_path.unlink(missing_ok=True)

    from flask_migrate import upgrade

    from rongtong import create_app
    from rongtong.digests.services import period_for, queue_digests
    from rongtong.extensions import db
    from rongtong.mail.sender import SmtpBackend, send_queued
    from rongtong.matches.services import rebuild_index
    from rongtong.seeding import seed_taxonomies

    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}",
            "SERVER_NAME": "localhost",
            "DIGEST_MIN_SCORE": 0.0,  # every member with any match gets a digest
            "MAIL_BATCH_SIZE": 50,
        }
    )
    app.instance_path = str(folder)
    with app.app_context():
        upgrade()
        seed_taxonomies(ROOT / "seed_data")
        db.session.commit()
        started = time.perf_counter()
        _populate(args.members, random.Random(7))
        populate_s = time.perf_counter() - started

        started = time.perf_counter()
        n_docs = rebuild_index().n_docs
        db.session.commit()
        index_s = time.perf_counter() - started

        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        report = queue_digests(period_for("weekly", date(2026, 11, 30)))
        db.session.commit()
        build_s = time.perf_counter() - started

        started = time.perf_counter()
        sent = send_queued(backend=SmtpBackend("127.0.0.1", port, timeout=10))
        send_s = time.perf_counter() - started
        rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        db.session.remove()
        db.engine.dispose()

    parent.send("stop")
    received = parent.recv()
    sink.join(timeout=10)

    cpu = platform.processor() or platform.machine()
    print(f"machine   {platform.platform()} · {cpu} · {os.cpu_count()} CPUs")
    print(f"python    {sys.version.split()[0]} · SQLite {__import__('sqlite3').sqlite_version}")
    print(f"members   {args.members} (one enterprise and one published listing each)")
    print(f"setup     data {populate_s:.1f} s · matcher index {n_docs} docs {index_s:.1f} s")
    print(
        f"build     {report.queued} digests queued ({report.nothing_new} with nothing new) "
        f"in {build_s:.1f} s = {report.queued / build_s:,.0f} mails/s"
    )
    print(
        f"send      {sent.sent} sent over SMTP ({received} received by the sink) "
        f"in {send_s:.1f} s = {sent.sent / send_s:,.0f} mails/s"
    )
    total = build_s + send_s
    print(f"overall   {sent.sent / total:,.0f} mails/s (build + send, {total:.1f} s)")
    print(
        f"memory    peak RSS {rss_peak / 1024:,.0f} MiB "
        f"(before building the digests: {rss_before / 1024:,.0f} MiB)"
    )


if __name__ == "__main__":
    main()
