"""Two app instances on one database: a listing published by one is a counterpart in the
other within seconds, and a close takes it out of both, with no rebuild."""

import multiprocessing
import time
import traceback

import pytest

from rongtong.core.time import utcnow
from rongtong.enterprises.models import Enterprise
from rongtong.extensions import db
from rongtong.listings import services as listing_services
from rongtong.listings.models import Listing
from rongtong.matches import services
from rongtong.taxonomy.models import Category, Chain, District, EnterpriseKind
from tests.conftest import valid_credit_code
from tests.mail.support import _app_for

#: A fresh interpreter for each instance, as a second worker or machine has (a fork would
#: inherit the locks of the test process's threads).
SPAWN = multiprocessing.get_context("spawn")

LIVE = {"MATCHER_LIVE_POLL_SECONDS": 0.2, "MATCHER_RELOAD_SECONDS": 1}


def _term(model, code):
    return db.session.execute(db.select(model).where(model.code == code)).scalar_one()


def _listing(enterprise, kind, title, keywords, status="published") -> Listing:
    return listing_services.apply_listing(
        Listing(status=status),
        {
            "kind": kind,
            "enterprise": enterprise,
            "category": _term(Category, "rnd"),
            "chain": _term(Chain, "auto"),
            "title": title,
            "summary": title,
            "keywords": keywords,
        },
    )


def _enterprise(name: str) -> Enterprise:
    enterprise = Enterprise(
        name=name,
        credit_code=valid_credit_code(),
        kind=_term(EnterpriseKind, "sme"),
        district=_term(District, "huangpu"),
        verified_at=utcnow(),
    )
    db.session.add(enterprise)
    db.session.flush()
    return enterprise


def _watch(*args) -> None:
    """Another instance: tell when ``newcomer_id`` is among the challenge's matches, then
    when it is gone again."""
    conn = args[-1]
    try:
        _look(*args)
    except BaseException:
        conn.send(("error", traceback.format_exc()))


def _look(url: str, instance: str, challenge_id: int, newcomer_id: int, conn) -> None:
    app = _app_for(url, LIVE)
    app.instance_path = instance  # where the build's file is, as on a shared volume
    with app.app_context():
        want = True
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            challenge = db.session.get(Listing, challenge_id)
            ids = [m.listing.id for m in services.matches_for(challenge)]
            db.session.rollback()  # a fresh snapshot for the next look
            if conn.poll():
                conn.recv()
                conn.send(("ready", ids))
            if (newcomer_id in ids) == want:
                conn.send(("seen" if want else "gone", time.monotonic()))
                if not want:
                    return
                want = False
            time.sleep(0.05)
        conn.send(("timeout", None))


@pytest.mark.nodb
def test_two_instances_see_a_publish_and_a_close_within_seconds(process_database):
    app, url = process_database
    app.config.update(LIVE)
    with app.app_context():
        owner = _enterprise("广州电池托盘制造有限公司")
        supplier = _enterprise("广州激光焊接工艺有限公司")
        challenge = _listing(owner, "challenge", "电池托盘激光焊接变形控制", ["激光焊接"])
        _listing(supplier, "capability", "机器视觉缺陷检测", ["机器视觉"])
        newcomer = _listing(
            supplier, "capability", "电池托盘激光焊接变形控制工艺", ["激光焊接"], status="draft"
        )
        services.rebuild_index()
        db.session.commit()
        ids = challenge.id, newcomer.id
    services._cache.clear()

    watchers = []
    for _ in range(2):
        parent, child = SPAWN.Pipe()
        process = SPAWN.Process(
            target=_watch, args=(url, app.instance_path, *ids, child), daemon=True
        )
        process.start()
        watchers.append((process, parent))
    try:
        for _process, conn in watchers:
            conn.send("ready?")
        for _process, conn in watchers:
            assert conn.poll(60)
            message = conn.recv()
            assert message[0] != "error", message[1]
            if message[0] == "ready":
                assert ids[1] not in message[1]
        with app.app_context():
            listing_services.publish_listing(db.session.get(Listing, ids[1]))
            db.session.commit()
            published = time.monotonic()
            # This instance too, on the index it built itself.
            assert ids[1] in [
                m.listing.id for m in services.matches_for(db.session.get(Listing, ids[0]))
            ]
        for _process, conn in watchers:
            message = _next(conn, ("seen", "timeout"))
            assert message[0] == "seen" and message[1] - published < 5
        with app.app_context():
            listing_services.close_listing(db.session.get(Listing, ids[1]))
            db.session.commit()
        for _process, conn in watchers:
            assert _next(conn, ("gone", "timeout"))[0] == "gone"
    finally:
        services._cache.clear()
        for process, _conn in watchers:
            process.join(5)
            if process.is_alive():
                process.kill()


def _next(conn, kinds):
    while conn.poll(30):
        message = conn.recv()
        assert message[0] != "error", message[1]
        if message[0] in kinds:
            return message
    raise AssertionError(f"no {kinds} from the other instance")
