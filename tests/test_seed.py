"""``flask seed`` loads the sample city once, and the sample city is rich enough to feel real."""

import json

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from rongtong import create_app
from rongtong.accounts.models import User
from rongtong.core.validators import validate_credit_code
from rongtong.enterprises.models import Enterprise
from rongtong.extensions import db
from rongtong.listings.models import Listing
from rongtong.taxonomy.models import EnterpriseKind, Tier
from tests.conftest import SEED_DIR, TEST_CONFIG

pytestmark = [pytest.mark.nodb, pytest.mark.slow]


@pytest.fixture(scope="module")
def seeded_app(tmp_path_factory):
    path = tmp_path_factory.mktemp("seed") / "seed.db"
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        upgrade()
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "Seeded." in result.output
    yield app
    with app.app_context():
        db.engine.dispose()


def _count(stmt):
    return db.session.execute(stmt).scalar_one()


def test_seed_has_the_promised_size(seeded_app):
    with seeded_app.app_context():
        assert _count(select(func.count(Enterprise.id))) >= 80
        assert _count(select(func.count(Listing.id))) >= 300
        kinds = set(db.session.execute(select(EnterpriseKind.code).join(Enterprise)).scalars())
        assert kinds == {"large", "soe", "sme", "research", "investor", "service"}
        tiers = set(db.session.execute(select(Tier.code).join(Enterprise)).scalars())
        assert tiers == {"seed", "innovative", "provincial", "little_giant", "champion"}
        statuses = set(db.session.execute(select(Listing.status)).scalars())
        assert {"draft", "published", "expired", "awarded"} <= statuses
        with seeded_app.test_request_context():
            for code in db.session.execute(select(Enterprise.credit_code)).scalars():
                assert validate_credit_code(code) == code


def test_demo_accounts_exist_for_every_role(seeded_app):
    with seeded_app.app_context():
        roles = set(db.session.execute(select(User.role)).scalars())
        assert roles == {"member", "organizer", "admin"}
    client = seeded_app.test_client()
    from tests.conftest import Auth

    Auth(client).login("sme@rongtong.example", "rongtong-demo-2026")
    assert client.get("/listings/mine").status_code == 200


def test_second_seed_keeps_the_data(seeded_app):
    with seeded_app.app_context():
        before = _count(select(func.count(Listing.id)))
    result = seeded_app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0 and "already seeded" in result.output
    with seeded_app.app_context():
        assert _count(select(func.count(Listing.id))) == before


def test_seed_search_finds_chinese_terms(seeded_app):
    client = seeded_app.test_client()
    html = client.get("/listings/?q=焊接").get_data(as_text=True)
    assert "共 0 条" not in html


def test_judged_pairs_reference_seed_listings():
    refs = {}
    for path in sorted((SEED_DIR / "listings").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                refs[row["ref"]] = row["kind"]
    pairs = 0
    for path in sorted((SEED_DIR / "matching").glob("pairs-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                pair = json.loads(line)
                assert refs[pair["challenge"]] == "challenge"
                assert refs[pair["capability"]] == "capability"
                assert pair["grade"] in (0, 1, 2, 3)
                pairs += 1
    assert pairs >= 250
