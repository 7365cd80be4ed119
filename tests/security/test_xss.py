"""XSS payloads in every free-text field are rendered inert on every page that shows them."""

import re
from datetime import datetime

from rongtong.events import registrations as registration_ops
from rongtong.events import services as events
from rongtong.events.models import Event
from rongtong.extensions import db
from rongtong.proposals import services as proposals
from rongtong.taxonomy.models import Chain
from tests.conftest import Auth

PAYLOADS = [
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(1)>",
    "javascript:alert(1)",
    "{{ 7*7 }}",
]
PAYLOAD = "".join(PAYLOADS)
DANGEROUS = re.compile(r"<script>alert|<img src=x|<svg/onload|href=\"javascript:", re.I)


def test_payloads_are_inert_everywhere(app, make_user, make_enterprise, make_listing):
    owner = make_user(
        enterprise=make_enterprise(
            kind="large",
            tier=None,
            name="恶意" + PAYLOAD[:60],
            description=PAYLOAD,
            contact_name=PAYLOAD[:80],
        )
    )
    owner.name = PAYLOAD[:80]
    proposer = make_user(enterprise=make_enterprise(kind="sme", name="测试" + PAYLOADS[1]))
    challenge = make_listing(
        enterprise=owner.enterprise,
        title=PAYLOADS[1],
        summary=PAYLOAD[:500],
        description=PAYLOAD,
        confidential=PAYLOAD,
        keywords=PAYLOADS[:3],
    )
    capability = make_listing(
        enterprise=proposer.enterprise,
        kind="capability",
        title=PAYLOADS[0],
        summary=PAYLOAD[:500],
        description=PAYLOAD,
    )
    with app.test_request_context():
        proposal = proposals.create_proposal(
            proposer,
            challenge,
            {
                "summary": PAYLOAD,
                "approach": PAYLOAD,
                "team": PAYLOAD,
                "timeline": PAYLOAD,
                "quote": 1000,
            },
            accept=True,
        )
        event = Event()
        events.save_event(
            event,
            {
                "title": PAYLOADS[0],
                "kind": "roadshow",
                "chain": db.session.execute(
                    db.select(Chain).filter_by(code="robotics")
                ).scalar_one(),
                "theme": None,
                "starts_at": datetime(2027, 3, 18, 14),
                "ends_at": datetime(2027, 3, 18, 18),
                "timezone": "Asia/Shanghai",
                "venue": PAYLOADS[1],
                "capacity": 0,
                "budget": 1,
                "organiser": PAYLOADS[2],
                "requires_approval": False,
                "description": PAYLOAD,
            },
        )
        event.status = "open"
        registration_ops.register(event, owner.enterprise, owner)
    db.session.flush()

    pages = [
        "/",
        "/listings/",
        f"/listings/?q={PAYLOADS[0]}",
        f"/listings/{challenge.id}",
        f"/listings/{capability.id}",
        "/enterprises/",
        f"/enterprises/{owner.enterprise_id}",
        f"/enterprises/{proposer.enterprise_id}",
        "/events/",
        f"/events/{event.id}",
        f"/proposals/{proposal.id}",
        f"/listings/{challenge.id}/proposals",
        "/listings/mine",
        "/proposals/mine",
        "/account",
    ]
    organizer = make_user(role="organizer", enterprise=None)
    checked = 0
    for user in (None, owner, proposer, organizer):
        client = app.test_client()
        if user is not None:
            Auth(client).login(user)
        for path in pages:
            response = client.get(path)
            if response.status_code != 200:
                continue
            html = response.get_data(as_text=True)
            assert not DANGEROUS.search(html), (path, DANGEROUS.search(html).group(0))
            checked += 1
    organizer_client = app.test_client()
    Auth(organizer_client).login(organizer)
    for path in ("/enterprises/review", f"/events/{event.id}/manage", "/proposals/progress"):
        html = organizer_client.get(path).get_data(as_text=True)
        assert not DANGEROUS.search(html), path
        checked += 1
    assert checked >= 30
    # Shown, as text: the payloads are on the pages, escaped, and templates are not evaluated.
    html = app.test_client().get(f"/listings/{capability.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "{{ 7*7 }}" in html
