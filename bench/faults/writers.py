"""SQLite under `make run`: 8 API writers + 8 readers beside the scheduler; 0 × 5xx.

    .venv/bin/python bench/faults/writers.py [--seconds 60] [--port 5401]

Starts `flask run` (threaded, as `make run`) and `flask scheduler run` on a fresh SQLite
file, with the outbox sender delivering to a local SMTP sink, then drives the API.
"""

import argparse
import statistics
import threading
import time
from collections import Counter
from datetime import date, timedelta

import requests
from common import SmtpSink, Workspace, queue_mails, report, wait_until

WRITERS = READERS = 8


def setup(ws: Workspace) -> list[dict]:
    from rongtong.accounts.services import create_api_token, create_user
    from rongtong.enterprises.models import Enterprise
    from rongtong.enterprises.services import apply_profile, chains_by_codes
    from rongtong.extensions import db
    from rongtong.taxonomy.models import District, EnterpriseKind
    from tests.conftest import valid_credit_code

    headers = []
    with ws.app.app_context():
        term = lambda model, code: db.session.execute(  # noqa: E731
            db.select(model).where(model.code == code)
        ).scalar_one()
        for i in range(WRITERS):
            enterprise = apply_profile(
                Enterprise(),
                {
                    "name": f"压测企业{i}号科技有限公司",
                    "credit_code": valid_credit_code(),
                    "kind": term(EnterpriseKind, "sme"),
                    "tier": None,
                    "district": term(District, "huangpu"),
                    "chains": chains_by_codes(["robotics"]),
                    "description": "压测",
                    "contact_name": "压测",
                    "contact_email": f"c{i}@example.cn",
                    "contact_mobile": "13800138000",
                },
            )
            from rongtong.core.time import utcnow

            enterprise.verified_at = utcnow()
            user = create_user(f"w{i}@example.cn", "a-long-password", enterprise=enterprise)
            _token, plain = create_api_token(user, "bench")
            headers.append({"Authorization": f"Bearer {plain}"})
        db.session.commit()
        db.session.remove()
    return headers


def body(i: int) -> dict:
    return {
        "kind": "challenge",
        "category": "rnd",
        "chain": "auto",
        "title": f"压测条目 {i}：电池托盘激光焊接",
        "summary": "寻求焊接变形控制方案。",
        "description": "平面度 ≤ 0.5 mm。",
        "keywords": ["激光焊接"],
        "budget_min": 100_000,
        "budget_max": 200_000,
        "deadline": (date.today() + timedelta(days=60)).isoformat(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--port", type=int, default=5401)
    parser.add_argument("--mails", type=int, default=1500, help="queued for the sender meanwhile")
    args = parser.parse_args()
    ws = Workspace("writers")
    headers = setup(ws)
    queue_mails(ws.app, args.mails)
    base = f"http://127.0.0.1:{args.port}"
    with SmtpSink() as sink:
        sink.handler.delay = 0.01
        mail = {"MAIL_BACKEND": "smtp", "MAIL_SERVER": sink.host, "MAIL_PORT": sink.port}
        ws.flask("run", "--port", str(args.port), "--with-threads", log="web.log", **mail)
        ws.flask("scheduler", "run", log="scheduler.log", **mail)
        ready = wait_until(lambda: _up(base), timeout=60)
        assert ready, ws.log("web.log")[-2000:]
        # The scheduler's first outbox run starts a minute after it did; send now too.
        ws.flask("mail", "send", log="sender.log", **mail)
        outcomes: Counter = Counter()
        created: list[int] = []
        latencies: list[float] = []
        lock = threading.Lock()
        stop = time.monotonic() + args.seconds

        def writer(n: int) -> None:
            with requests.Session() as client:
                i = 0
                while time.monotonic() < stop:
                    started = time.perf_counter()
                    r = client.post(
                        base + "/api/v1/listings",
                        json=body(n * 100_000 + i),
                        headers=headers[n],
                        timeout=60,
                    )
                    took = time.perf_counter() - started
                    with lock:
                        outcomes[f"POST {r.status_code}"] += 1
                        latencies.append(took)
                        if r.status_code == 201:
                            created.append(r.json()["id"])
                    i += 1

        def reader(n: int) -> None:
            with requests.Session() as client:
                while time.monotonic() < stop:
                    r = client.get(
                        base + "/api/v1/listings", headers=headers[n % WRITERS], timeout=60
                    )
                    with lock:
                        outcomes[f"GET {r.status_code}"] += 1

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
        threads += [threading.Thread(target=reader, args=(n,)) for n in range(READERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=args.seconds + 120)
        sent = len(sink.messages)
        ws.stop_all()
    stored = _stored(ws, created)
    errors = sum(n for k, n in outcomes.items() if k.split()[1].startswith("5"))
    p95 = statistics.quantiles(latencies, n=20)[18] if len(latencies) > 20 else float("nan")
    print(f"outcomes: {dict(outcomes)}; mails delivered meanwhile: {sent}")
    ok = report(
        f"SQLite, flask run + scheduler, {WRITERS} writers + {READERS} readers, {args.seconds:g} s",
        [
            ("5xx answers", "0", str(errors), errors == 0),
            ("acknowledged writes lost", "0", str(len(created) - stored), stored == len(created)),
            ("writes acknowledged", "> 0", str(len(created)), len(created) > 0),
            ("write p95", "(reported)", f"{p95 * 1000:.0f} ms", True),
        ],
    )
    raise SystemExit(0 if ok else 1)


def _up(base: str) -> bool:
    try:
        return requests.get(base + "/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _stored(ws: Workspace, ids: list[int]) -> int:
    from rongtong.extensions import db
    from rongtong.listings.models import Listing

    with ws.app.app_context():
        found = db.session.execute(
            db.select(db.func.count(Listing.id)).where(Listing.id.in_(ids))
        ).scalar_one()
        db.session.remove()
    return found


if __name__ == "__main__":
    main()
