"""Invitation suggestions rank the whole pool, as many as the capacity calls for, paged,
and never offer a pair under the matcher's floor (issue 15)."""

import re

from rongtong.events import invitations as invitation_ops
from rongtong.matches import services as match_services

WELDING = ["激光焊接", "焊接变形"]


def _pool(make_user, make_enterprise, make_listing, n):
    """One challenge and ``n`` SMEs, each with a capability that answers it."""
    owner = make_user(enterprise=make_enterprise(kind="large", tier=None))
    challenge = make_listing(
        enterprise=owner.enterprise, kind="challenge", chain="robotics",
        title="寻求电池托盘激光焊接变形控制方案", summary="激光焊接变形超差，寻求焊接变形控制。",
        keywords=WELDING,
    )  # fmt: skip
    caps = [
        make_listing(
            enterprise=make_enterprise(),
            kind="capability",
            chain="robotics",
            title=f"激光焊接变形控制服务{i}号",
            summary="提供激光焊接工艺与焊接变形控制。",
            keywords=WELDING,
        )
        for i in range(n)
    ]
    return challenge, caps


def test_capacity_60_brings_more_than_10(make_event, make_user, make_enterprise, make_listing):
    challenge, caps = _pool(make_user, make_enterprise, make_listing, 14)
    match_services.rebuild_index()
    found = invitation_ops.suggestions(make_event(chain="robotics", capacity=60))
    smes = {s.enterprise.id for s in found if s.role == "sme"}
    assert smes == {c.enterprise_id for c in caps}  # all 14, not the 10 best
    assert challenge.enterprise_id in {s.enterprise.id for s in found}
    # As many as the capacity calls for, no more.
    assert len(invitation_ops.suggestions(make_event(chain="robotics", capacity=5))) == 5


def test_no_suggestion_under_the_floor(make_event, make_user, make_enterprise, make_listing):
    challenge, _caps = _pool(make_user, make_enterprise, make_listing, 2)
    # Shares a little text with the challenge, in another category: a pair under the floor.
    faint = make_listing(
        enterprise=make_enterprise(), kind="capability", chain="biomfg", category="finance",
        title="设备融资租赁服务", summary="为电池托盘产线提供融资租赁，期限三年。",
        description="融资租赁方案灵活。", keywords=["融资租赁"],
    )  # fmt: skip
    match_services.rebuild_index()
    matcher = match_services.current_matcher()
    faint_score = matcher.explain(challenge.id, faint.id).score
    assert faint_score > 0 and not matcher.bands_.above_floor(faint_score)
    found = invitation_ops.suggestions(make_event(chain="robotics", capacity=60))
    assert faint.enterprise_id not in {s.enterprise.id for s in found}
    paired = [s for s in found if s.counterpart is not None]
    assert paired and all(matcher.bands_.above_floor(s.score) for s in paired)
    assert all(s.band in ("strong", "medium", "weak") for s in paired)


def test_the_invite_page_is_paged(
    auth, client, organizer, make_event, make_user, make_enterprise, make_listing
):
    _pool(make_user, make_enterprise, make_listing, 30)
    match_services.rebuild_index()
    event = make_event(chain="robotics", capacity=60)
    auth.login(organizer)
    first = client.get(f"/events/{event.id}/invite").get_data(as_text=True)
    second = client.get(f"/events/{event.id}/invite?page=2").get_data(as_text=True)
    boxes = re.compile(r'name="enterprise_ids" value="(\d+)"')
    on_first, on_second = boxes.findall(first), boxes.findall(second)
    assert len(on_first) == 25 and len(on_second) == 6  # 30 SMEs and the challenge's owner
    assert not set(on_first) & set(on_second)
    assert f"/events/{event.id}/invite?page=2" in first
    assert "匹配度" in first and "%" not in first.split("<tbody>")[1].split("</tbody>")[0]
