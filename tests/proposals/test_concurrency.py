"""Two submissions at once, from real threads against a file database (SQLite in WAL mode):
one row, and the other a clear 409 from the unique constraint (or a 403 on one's own
challenge). Also the constraints themselves, without the services in front."""

import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from rongtong import create_app
from rongtong.core.time import local_today
from rongtong.extensions import db
from rongtong.proposals import services
from rongtong.proposals.models import Proposal
from tests.conftest import SEED_DIR, TEST_CONFIG

from .conftest import API, proposal_data

pytestmark = pytest.mark.nodb


@pytest.fixture(scope="module")
def file_app(tmp_path_factory):
    """An app of its own on a SQLite file: each thread has its own connection."""
    from flask_migrate import upgrade

    from rongtong.seeding import seed_taxonomies

    path = tmp_path_factory.mktemp("concurrent") / "concurrent.db"
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    app.instance_path = str(tmp_path_factory.mktemp("concurrent_instance"))
    with app.app_context():
        upgrade()
        seed_taxonomies(SEED_DIR)
        db.session.commit()
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


def _setup(app, n_members=2, own=False):
    """A published challenge and token headers of ``n_members`` members of one verified SME
    (and, with ``own``, of the challenge owner too)."""
    from rongtong.accounts.services import create_api_token, create_user
    from rongtong.enterprises.models import Enterprise
    from rongtong.listings.models import Listing
    from rongtong.listings.services import apply_listing
    from rongtong.taxonomy.models import Category, Chain, District, EnterpriseKind
    from tests.conftest import valid_credit_code

    with app.app_context():

        def term(model, code):
            return db.session.execute(sa.select(model).where(model.code == code)).scalar_one()

        def enterprise(kind):
            row = Enterprise(
                name=f"并发测试{kind}{valid_credit_code()}",
                credit_code=valid_credit_code(),
                kind=term(EnterpriseKind, kind),
                district=term(District, "huangpu"),
            )
            from rongtong.core.time import utcnow

            row.verified_at = utcnow()
            db.session.add(row)
            db.session.flush()
            return row

        def member(ent):
            user = create_user(
                f"u{valid_credit_code().lower()}@example.cn", "pw-long-enough", enterprise=ent
            )
            _token, plain = create_api_token(user, "t")
            return {"Authorization": f"Bearer {plain}"}

        owner_ent, sme = enterprise("large"), enterprise("sme")
        listing = apply_listing(
            Listing(),
            {
                "kind": "challenge",
                "enterprise": owner_ent,
                "category": term(Category, "rnd"),
                "chain": term(Chain, "robotics"),
                "title": "并发揭榜测试",
                "summary": "s",
                "description": "",
                "keywords": [],
                "deadline": local_today() + timedelta(days=30),
            },
        )
        listing.status = "published"
        headers = [member(sme) for _ in range(n_members)]
        owner_headers = member(owner_ent) if own else None
        db.session.commit()
        ids = listing.id, sme.id, owner_ent.id
        db.session.remove()
    return ids, headers, owner_headers


def _at_once(app, listing_id, header_list, monkeypatch):
    """POST a proposal from each header set at the same moment, one thread each."""
    original = services.eligibility_error

    def slow_eligibility(*args, **kwargs):
        # Widen the window: every thread has read and checked before any of them inserts.
        result = original(*args, **kwargs)
        time.sleep(0.05)
        return result

    monkeypatch.setattr(services, "eligibility_error", slow_eligibility)
    barrier = threading.Barrier(len(header_list))
    results: list = [None] * len(header_list)

    def post(i, headers):
        client = app.test_client()
        barrier.wait()
        response = client.post(
            f"{API}/listings/{listing_id}/proposals",
            json={**proposal_data(), "accept_terms": True},
            headers=headers,
        )
        results[i] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=post, args=(i, h)) for i, h in enumerate(header_list)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _rows(app, listing_id):
    with app.app_context():
        rows = (
            db.session.execute(
                sa.select(Proposal.enterprise_id).where(Proposal.listing_id == listing_id)
            )
            .scalars()
            .all()
        )
        db.session.remove()
    return rows


@pytest.mark.parametrize("round_", range(5))
def test_two_members_of_one_enterprise_at_once_give_one_row_and_a_409(
    file_app, monkeypatch, round_
):
    (listing_id, sme_id, _), headers, _ = _setup(file_app, n_members=2)
    results = _at_once(file_app, listing_id, headers, monkeypatch)
    statuses = sorted(status for status, _body in results)
    assert statuses == [201, 409], results
    conflict = next(body for status, body in results if status == 409)
    assert conflict["error"]["code"] == "duplicate"
    assert "每个单位每个榜单限一份" in conflict["error"]["message"]
    assert _rows(file_app, listing_id) == [sme_id]


def test_four_at_once_still_one_row(file_app, monkeypatch):
    (listing_id, sme_id, _), headers, _ = _setup(file_app, n_members=4)
    results = _at_once(file_app, listing_id, headers, monkeypatch)
    assert sorted(status for status, _ in results) == [201, 409, 409, 409], results
    assert _rows(file_app, listing_id) == [sme_id]


def test_the_owner_and_a_proposer_at_once(file_app, monkeypatch):
    (listing_id, sme_id, _), headers, owner_headers = _setup(file_app, n_members=1, own=True)
    results = _at_once(file_app, listing_id, [owner_headers, headers[0]], monkeypatch)
    (owner_status, owner_body), (status, _body) = results
    assert (owner_status, status) == (403, 201), results
    assert owner_body["error"]["code"] == "own_challenge"
    assert _rows(file_app, listing_id) == [sme_id]


def test_the_database_itself_refuses_a_second_row_and_ones_own_challenge(file_app):
    (listing_id, sme_id, owner_id), _, _ = _setup(file_app, n_members=1)
    with file_app.app_context():
        base = {"listing_id": listing_id, "owner_enterprise_id": owner_id, "status": "draft"}
        db.session.add(Proposal(enterprise_id=sme_id, **base))
        db.session.commit()
        db.session.add(Proposal(enterprise_id=sme_id, **base))
        with pytest.raises(IntegrityError, match="UNIQUE"):
            db.session.commit()
        db.session.rollback()
        db.session.add(Proposal(enterprise_id=owner_id, **base))
        with pytest.raises(IntegrityError, match="not_own_challenge"):
            db.session.commit()
        db.session.rollback()
        db.session.remove()
