"""Event fixtures: an organizer, events made through the service, confirmed participants."""

from datetime import datetime

import pytest
import sqlalchemy as sa

from rongtong.events import registrations as registration_ops
from rongtong.events import services
from rongtong.events.models import Event
from rongtong.extensions import db
from rongtong.taxonomy.models import Category, Chain


def term(model, code):
    return db.session.execute(sa.select(model).where(model.code == code)).scalar_one()


@pytest.fixture
def organizer(make_user):
    return make_user(role="organizer", enterprise=None)


@pytest.fixture
def make_event():
    def make(**kw):
        kind = kw.pop("kind", "roadshow")
        default_chain = "robotics" if kind == "roadshow" else None
        data = {
            "title": kw.pop("title", "测试活动"),
            "kind": kind,
            "chain": term(Chain, c) if (c := kw.pop("chain", default_chain)) else None,
            "theme": term(Category, kw.pop("theme", "rnd")) if kind == "matchmaking" else None,
            "starts_at": kw.pop("starts_at", datetime(2026, 3, 18, 14, 0)),
            "ends_at": kw.pop("ends_at", None),
            "timezone": "Asia/Shanghai",
            "venue": "广州国际创新城",
            "capacity": kw.pop("capacity", 0),
            "budget": kw.pop("budget", 50_000),
            "organiser": "广州市中小企业服务中心",
            "requires_approval": kw.pop("requires_approval", False),
        }
        if data["ends_at"] is None:
            data["ends_at"] = data["starts_at"].replace(hour=18)
        data.update(kw)
        status = data.pop("status", "open")
        event = Event()
        services.save_event(event, data)
        event.status = status
        db.session.flush()
        return event

    return make


@pytest.fixture
def participant(make_user):
    """A member user whose enterprise is confirmed for ``event``."""

    def make(event, **kw):
        user = make_user()
        reg = registration_ops.register(event, user.enterprise, user, kw.pop("listings", ()))
        return user, reg

    return make
