"""Locust users for the load test and the soak; run by bench/load/run.py and soak.py.

``Reader``: browse, search (Chinese queries and enterprise names), listing detail with
matches, API list; no think time (a closed loop: N users keep N requests in flight).
``Writer`` (soak only): API creates and updates with the load-test members' tokens; every
2xx write is appended to LOAD_WRITES_FILE so that the soak can check nothing was lost.

Safety: the target must be on loopback, and the run stops itself after LOAD_MAX_REQUESTS
requests (besides locust's own --run-time).
"""

from __future__ import annotations

import ipaddress
import json
import os
import random
import socket
import threading
from pathlib import Path
from urllib.parse import urlsplit

import gevent
from locust import FastHttpUser, constant, events, task
from queries import QUERIES

HERE = Path(__file__).resolve().parent
DB_URL = os.environ.get(
    "LOAD_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/rongtong_load"
)
MAX_REQUESTS = int(os.environ.get("LOAD_MAX_REQUESTS", "200000"))
WRITES_FILE = os.environ.get("LOAD_WRITES_FILE", "")
TOKENS_FILE = Path(os.environ.get("LOAD_INSTANCE_PATH", HERE / "instance")) / "load_tokens.json"

PUBLISHED_IDS: list[int] = []


@events.init.add_listener
def _on_init(environment, **kwargs):
    host = environment.host or ""
    address = socket.gethostbyname(urlsplit(host).hostname or "")
    if not ipaddress.ip_address(address).is_loopback:
        msg = f"load tests target loopback only, not {host}"
        raise SystemExit(msg)
    import psycopg

    url = DB_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT id FROM listings WHERE status = 'published'").fetchall()
    PUBLISHED_IDS.extend(r[0] for r in rows)
    seen = {"n": 0}

    @events.request.add_listener
    def _cap(**kw):
        seen["n"] += 1
        if seen["n"] == MAX_REQUESTS and environment.runner is not None:
            gevent.spawn(environment.runner.quit)


class Reader(FastHttpUser):
    wait_time = constant(0)
    weight = int(os.environ.get("LOAD_READER_WEIGHT", "1"))

    @task(3)
    def browse(self):
        page = random.choice((1, 1, 1, 2, 3, random.randint(4, 200)))
        params = f"?page={page}"
        if random.random() < 0.3:
            params += "&kind=" + random.choice(("challenge", "capability"))
        self.client.get("/listings/" + params, name="browse")

    @task(3)
    def search(self):
        q = random.choice(QUERIES)
        page = 1 if random.random() < 0.8 else 2
        self.client.get("/listings/", params={"q": q, "page": page}, name="search")

    @task(3)
    def detail(self):
        self.client.get(f"/listings/{random.choice(PUBLISHED_IDS)}", name="detail")

    @task(2)
    def api_list(self):
        page = random.choice((1, 1, 2, random.randint(3, 100)))
        params = {"page": page, "per_page": 20}
        if random.random() < 0.3:
            params["q"] = random.choice(QUERIES)
        self.client.get("/api/v1/listings", params=params, name="api list")


_write_lock = threading.Lock()
_token_index = iter(range(10**6))


def _record(entry: dict) -> None:
    if WRITES_FILE:
        with _write_lock, open(WRITES_FILE, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")


class Writer(FastHttpUser):
    """An enterprise member posting through the API (soak only: weight from the env)."""

    wait_time = constant(float(os.environ.get("LOAD_WRITER_WAIT", "1")))
    weight = int(os.environ.get("LOAD_WRITER_WEIGHT", "0")) or 1
    fixed_count = int(os.environ.get("LOAD_WRITERS", "0"))

    def on_start(self):
        tokens = json.loads(TOKENS_FILE.read_text())
        me = tokens[next(_token_index) % len(tokens)]
        self.headers = {"Authorization": f"Bearer {me['token']}"}
        self.mine: list[int] = []
        self.n = 0

    @task(2)
    def create(self):
        self.n += 1
        body = {
            "kind": random.choice(("challenge", "capability")),
            "category": "rnd",
            "chain": random.choice(("auto", "robotics", "ai", "energy")),
            "title": f"压测发布{self.n} " + random.choice(QUERIES[:20]),
            "summary": "浸泡测试写入的条目：" + "、".join(random.sample(QUERIES[:20], 3)),
            "keywords": random.sample(QUERIES[:20], 2),
            "status": random.choice(("draft", "published")),
        }
        with self.client.post(
            "/api/v1/listings",
            json=body,
            headers=self.headers,
            name="api create",
            catch_response=True,
        ) as resp:
            if resp.status_code == 201:
                listing_id = resp.json()["id"]
                self.mine.append(listing_id)
                _record({"op": "create", "id": listing_id, "title": body["title"]})
            else:
                resp.failure(f"{resp.status_code}: {resp.text[:200]}")

    @task(3)
    def update(self):
        if not self.mine:
            return
        listing_id = random.choice(self.mine)
        self.n += 1
        title = f"压测修改{self.n} " + random.choice(QUERIES[:20])
        with self.client.request(
            "PATCH",
            f"/api/v1/listings/{listing_id}",
            json={"title": title},
            headers=self.headers,
            name="api update",
            catch_response=True,
        ) as resp:
            if resp.status_code == 200:
                _record({"op": "update", "id": listing_id, "title": title})
            else:
                resp.failure(f"{resp.status_code}: {resp.text[:200]}")
