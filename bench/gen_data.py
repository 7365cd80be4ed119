"""Fill a PostgreSQL database with 20,000 enterprises and 100,000 listings for load tests.

    .venv/bin/python bench/gen_data.py                        # rongtong_load on 127.0.0.1
    .venv/bin/python bench/gen_data.py --listings 10000 --enterprises 2000   # a quick one

The database is dropped and created again (never ``test``, which the test suite uses). The
schema comes from the migrations; taxonomies, the seed enterprises and listings and the demo
users from seed_data/; the rest is generated (valid credit codes, industrial Chinese from
bench_matching.make_corpus, ``search_text`` as the app computes it) and written with COPY.
Then the matcher index is built into ``--instance-path``, the folder the load-test app uses
(bench/load/wsgi_load.py), and API tokens for load-test members are written there too.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from machine import describe  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/rongtong_load"
DEFAULT_INSTANCE = ROOT / "bench" / "load" / "instance"
LOAD_PASSWORD = "load-test-2026"  # noqa: S105 (a throwaway database's members)

_BRANDS = [
    "星瀚",
    "穗驰",
    "曜晶",
    "康瑞",
    "华启",
    "粤芯",
    "天工",
    "鸿图",
    "瑞联",
    "博越",
    "凌云",
    "智合",
    "恒拓",
    "领航",
    "锐达",
    "明德",
    "新锐",
    "中科",
    "宏远",
    "嘉禾",
    "汇智",
    "晨光",
    "海纳",
    "卓越",
    "联创",
    "云帆",
    "金桥",
    "万象",
    "品诚",
    "睿信",
    "九州",
    "南岭",
    "珠江",
    "白云",
    "越秀",
    "番禺",
    "黄埔",
    "南沙",
    "花城",
    "羊城",
    "华粤",
    "广元",
    "泰和",
    "安达",
    "德邦",
    "永信",
    "同创",
    "聚能",
    "远景",
    "精工",
    "启明",
    "光启",
    "众诚",
    "华茂",
    "信达",
    "长盈",
    "弘毅",
    "致远",
    "盛世",
    "兴业",
]
_CHAIN_TRADES = {
    "auto": ["汽车零部件", "智能驾驶", "新能源汽车", "车联网"],
    "display": ["光电", "显示科技", "视讯", "半导体照明"],
    "biomed": ["生物医药", "医疗器械", "基因科技", "诊断技术"],
    "petrochem": ["新材料", "高分子", "精细化工", "复合材料"],
    "software": ["软件", "信息技术", "数据科技", "网络科技"],
    "robotics": ["机器人", "智能装备", "自动化", "精密机械"],
    "ai": ["人工智能", "智能科技", "算法科技", "视觉科技"],
    "semicon": ["微电子", "半导体", "芯片科技", "集成电路"],
    "energy": ["新能源", "储能科技", "电池科技", "能源技术"],
    "lowalt": ["无人机", "航空科技", "低空科技", "飞行器"],
    "biomfg": ["生物科技", "合成生物", "发酵工程", "酶工程"],
    "fashion": ["服饰", "纺织科技", "时尚", "皮具"],
    "rail": ["轨道交通", "轨道装备", "交通科技", "机电"],
    "marine": ["海洋工程", "船舶科技", "海工装备", "港机"],
    "construction": ["建筑科技", "智能建造", "钢结构", "建材"],
}
_FORMS = ["有限公司", "科技有限公司", "股份有限公司", "技术有限公司", "集团有限公司"]
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志文斌浩宇晨欣怡子涵俊"
_DIVISIONS = [
    "440103",
    "440104",
    "440105",
    "440106",
    "440111",
    "440112",
    "440113",
    "440114",
    "440115",
    "440117",
    "440118",
]


def machine() -> str:
    return describe()


class Timer:
    def __init__(self):
        self.start = time.perf_counter()
        self.last = self.start

    def mark(self, what: str) -> None:
        now = time.perf_counter()
        print(f"  {what}: {now - self.last:.1f} s", flush=True)
        self.last = now


def credit_code(i: int, rng: random.Random) -> str:
    """A valid 统一社会信用代码, unique per ``i``: 91 + division + 9-char body + check."""
    from rongtong.core.validators import CREDIT_CODE_ALPHABET, credit_code_check_char

    body, n = [], i + 7_777_777
    for _ in range(9):
        n, r = divmod(n, len(CREDIT_CODE_ALPHABET))
        body.append(CREDIT_CODE_ALPHABET[r])
    first17 = "91" + rng.choice(_DIVISIONS) + "".join(reversed(body))
    return first17 + credit_code_check_char(first17)


def recreate_database(url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    name = parsed.database
    if not name or name in ("test", "postgres", "template0", "template1"):
        msg = f"refusing to drop and recreate the database {name!r}"
        raise SystemExit(msg)
    admin = parsed.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def with_defaults(table, row: dict) -> dict:
    """``row`` plus Python-side column defaults, which COPY does not apply."""
    out = {}
    for column in table.columns:
        if column.name in row:
            out[column.name] = row[column.name]
        elif column.default is not None and not column.primary_key:
            arg = column.default.arg
            out[column.name] = arg(None) if callable(arg) else arg
        # else: NULL or the server default, which COPY omits when the column is left out
    return out


def copy_rows(cursor, table, rows: list[dict]) -> None:
    if not rows:
        return
    rows = [with_defaults(table, r) for r in rows]
    columns = list(rows[0])
    names = ", ".join(f'"{c}"' for c in columns)
    with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


def reset_sequence(cursor, table: str) -> None:
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 (our table names)
        f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--enterprises", type=int, default=20_000, help="in all, seed included")
    parser.add_argument("--listings", type=int, default=100_000, help="in all, seed included")
    parser.add_argument("--instance-path", default=str(DEFAULT_INSTANCE))
    parser.add_argument("--members", type=int, default=40, help="load-test members with tokens")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    print(f"Machine: {machine()}")
    print(f"Database: {args.database_url}")
    timer = Timer()
    recreate_database(args.database_url)
    timer.mark("create database")

    os.environ.setdefault("RONGTONG_SECRET_KEY", "load-test-only")
    from flask_migrate import upgrade

    from rongtong import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url})
    app.instance_path = args.instance_path
    Path(args.instance_path).mkdir(parents=True, exist_ok=True)
    with app.app_context():
        upgrade(revision="heads")
        timer.mark("migrations")
        generate(app, args, timer)
    print(f"Total: {time.perf_counter() - timer.start:.1f} s")


def generate(app, args, timer: Timer) -> None:
    from bench_matching import make_corpus
    from sqlalchemy import text

    from rongtong.accounts.services import create_api_token, create_user
    from rongtong.enterprises.models import Enterprise, enterprise_chains
    from rongtong.enterprises.services import name_key
    from rongtong.extensions import db
    from rongtong.listings.models import Listing
    from rongtong.listings.services import search_head_for, search_text_for
    from rongtong.matches.services import rebuild_index
    from rongtong.seeding import seed_all
    from rongtong.taxonomy.models import Category, Chain, District, EnterpriseKind, Tier

    rng = random.Random(args.seed)
    seed_all(Path(app.config["SEED_DATA_DIR"]))
    db.session.commit()
    timer.mark("seed data (taxonomies, seed enterprises and listings, demo users)")

    def ids(model) -> dict[str, int]:
        return dict(db.session.execute(db.select(model.code, model.id)).all())

    chains, categories, districts = ids(Chain), ids(Category), ids(District)
    kinds, tiers = ids(EnterpriseKind), ids(Tier)
    n_seed_ent = db.session.execute(db.select(db.func.count(Enterprise.id))).scalar_one()
    n_seed_lst = db.session.execute(db.select(db.func.count(Listing.id))).scalar_one()
    first_ent = (db.session.execute(db.select(db.func.max(Enterprise.id))).scalar() or 0) + 1
    first_lst = (db.session.execute(db.select(db.func.max(Listing.id))).scalar() or 0) + 1
    now = datetime.now(UTC).replace(tzinfo=None)
    today = date.today()

    # --- enterprises
    chain_codes = [c for c in chains if c in _CHAIN_TRADES] or list(chains)
    tier_codes = [None, *tiers]
    enterprises, links, ent_chain = [], [], {}
    n_ent = max(args.enterprises - n_seed_ent, 0)
    for i in range(n_ent):
        eid = first_ent + i
        chain = rng.choice(chain_codes)
        kind = rng.choices(["sme", "large", "soe", "research"], [85, 6, 3, 6])[0]
        kind = kind if kind in kinds else next(iter(kinds))
        trade = rng.choice(_CHAIN_TRADES.get(chain, ["科技"]))
        name = f"广州{rng.choice(_BRANDS)}{rng.choice(_BRANDS)}{trade}{rng.choice(_FORMS)}"
        verified = rng.random() < 0.92
        contact = rng.choice(_SURNAMES) + "".join(rng.choices(_GIVEN, k=rng.randint(1, 2)))
        enterprises.append(
            {
                "id": eid,
                "name": name,
                "name_key": name_key(name),
                "credit_code": credit_code(i, rng),
                "kind_id": kinds[kind],
                "tier_id": tiers[t] if (t := rng.choice(tier_codes)) and kind == "sme" else None,
                "district_id": districts[rng.choice(list(districts))],
                "description": f"专注于{trade}领域的研发、生产与服务，"
                f"服务产业链上下游客户{rng.randint(10, 400)}家。",
                "website": f"https://www.e{eid}.example.com",
                "contact_name": contact,
                "contact_email": f"bd{eid}@example.com",
                "contact_mobile": f"1{rng.choice('3456789')}{rng.randint(0, 10**9 - 1):09d}",
                "verified_at": now - timedelta(days=rng.randint(1, 700)) if verified else None,
                "created_at": now - timedelta(days=rng.randint(1, 900)),
                "updated_at": now,
            }
        )
        ent_chain[eid] = chain
        for c in {chain, rng.choice(chain_codes)} if rng.random() < 0.3 else {chain}:
            links.append({"enterprise_id": eid, "chain_id": chains[c]})
    timer.mark(f"generate {n_ent} enterprises")

    # --- listings: the matcher benchmark's corpus, on the generated enterprises
    n_lst = max(args.listings - n_seed_lst, 0)
    corpus = make_corpus(n_lst, seed=args.seed)
    timer.mark(f"generate {n_lst} listing texts (make_corpus)")
    verified_ids = [e["id"] for e in enterprises if e["verified_at"] is not None]
    by_chain: dict[str, list[int]] = {}
    for eid in verified_ids:
        by_chain.setdefault(ent_chain[eid], []).append(eid)
    listings = []
    for i, doc in enumerate(corpus):
        lid = first_lst + i
        pool = by_chain.get(doc.chain) if rng.random() < 0.8 else None
        eid = rng.choice(pool or verified_ids)
        sentences = doc.text.split("。")
        summary = (sentences[0] + "。")[:500]
        description = "。".join(sentences[1:]).strip()
        status = rng.choices(
            ["published", "draft", "closed", "expired", "awarded"], [85, 4, 5, 5, 1]
        )[0]
        if status == "awarded" and doc.kind != "challenge":
            status = "closed"
        created = now - timedelta(minutes=rng.randint(10, 720 * 24 * 60))
        deadline = (
            today + timedelta(days=rng.randint(7, 400))
            if status in ("published", "draft")
            else today - timedelta(days=rng.randint(1, 300))
        )
        budget = None
        if doc.kind == "challenge":
            low = rng.randint(5, 500) * 10_000
            budget = (low, low + rng.randint(0, 300) * 10_000)
        row = SimpleNamespace(
            title=doc.title,
            summary=summary,
            description=description,
            keywords=",".join(doc.keywords),
        )
        listings.append(
            {
                "id": lid,
                "ref": f"RT-LOAD-{lid:07d}",
                "kind": doc.kind,
                "enterprise_id": eid,
                "category_id": categories[doc.category]
                if doc.category in categories
                else next(iter(categories.values())),
                "chain_id": chains[doc.chain] if doc.chain in chains else chains[chain_codes[0]],
                "title": doc.title[:120],
                "summary": summary,
                "description": description,
                "confidential": f"联系人电话 139****{rng.randint(0, 9999):04d}",
                "keywords": row.keywords,
                "budget_min": budget[0] if budget else None,
                "budget_max": budget[1] if budget else None,
                "deadline": deadline if rng.random() < 0.85 else None,
                "status": status,
                "search_text": search_text_for(row),
                "search_head": search_head_for(row),
                "published_at": created if status != "draft" else None,
                "closed_at": created + timedelta(days=30)
                if status in ("closed", "expired", "awarded")
                else None,
                "created_at": created,
                "updated_at": created,
            }
        )
    timer.mark(f"build {n_lst} listing rows with search_text and search_head")

    cursor = db.session.connection().connection.driver_connection.cursor()
    copy_rows(cursor, Enterprise.__table__, enterprises)
    copy_rows(cursor, enterprise_chains, links)
    copy_rows(cursor, Listing.__table__, listings)
    for table in ("enterprises", "listings"):
        reset_sequence(cursor, table)
    db.session.commit()
    timer.mark("COPY into PostgreSQL")

    # Load-test members (one per enterprise) with API tokens, for the soak's writes.
    tokens = []
    for n, eid in enumerate(verified_ids[: args.members]):
        user = create_user(
            f"load{n}@example.com",
            LOAD_PASSWORD,
            name=f"压测{n}",
            enterprise=db.session.get(Enterprise, eid),
        )
        _, plain = create_api_token(user, "load test")
        tokens.append({"email": user.email, "enterprise_id": eid, "token": plain})
    db.session.commit()
    Path(args.instance_path, "load_tokens.json").write_text(json.dumps(tokens, indent=1))
    timer.mark(f"{len(tokens)} load-test members with API tokens")

    with db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    timer.mark("VACUUM ANALYZE")

    build = rebuild_index()
    db.session.commit()
    timer.mark(f"matcher index on {build.n_docs} published listings")
    totals = {
        "enterprises": db.session.execute(db.select(db.func.count(Enterprise.id))).scalar_one(),
        "listings": db.session.execute(db.select(db.func.count(Listing.id))).scalar_one(),
    }
    print(f"Rows: {totals}; instance folder: {args.instance_path}")


if __name__ == "__main__":
    main()
