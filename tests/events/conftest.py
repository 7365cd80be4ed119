"""Event fixtures: an organizer, events made through the service, confirmed participants.

Events follow the clock (registration window, check-in, requests), so every test here runs
on a clock set a week before the default event of 18 March 2026 (``BEFORE``); a test that
needs the event's day travels there with ``clock``.
"""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine

from rongtong.events import registrations as registration_ops
from rongtong.events import services
from rongtong.events.models import Event
from rongtong.extensions import db
from rongtong.taxonomy.models import Category, Chain

#: 10 March 2026, 10:00 in Shanghai: registration for the default event is open.
BEFORE = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    """The test's clock (time-machine, ticking); ``clock.move_to(...)`` travels."""
    with time_machine.travel(BEFORE, tick=True) as traveller:
        yield traveller


def shanghai(*args) -> datetime:
    """A wall-clock time in Shanghai as an aware datetime, for ``clock.move_to``."""
    from zoneinfo import ZoneInfo

    return datetime(*args, tzinfo=ZoneInfo("Asia/Shanghai"))


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


def event_form_data(**overrides) -> dict:
    """The new-event form filled in as an organizer would (a roadshow in April 2026)."""
    return {
        "title": "新能源路演",
        "kind": "roadshow",
        "chain": "energy",
        "theme": "",
        "starts_at": "2026-04-15T14:00",
        "ends_at": "2026-04-15T17:00",
        "timezone": "Asia/Shanghai",
        "capacity": "50",
        "budget": "20000",
        "organiser": "服务机构",
        "slot_minutes": "20",
        "break_minutes": "5",
        "meetings_per_person": "6",
        "request_ttl_hours": "48",
        **overrides,
    }
