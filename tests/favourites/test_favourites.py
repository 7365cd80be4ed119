"""Stars and saved searches: from the listing and search pages to /favourites, then into the
digest and the notification centre, each change told once."""

from datetime import UTC, date, datetime, timedelta

import time_machine

from rongtong.core.time import utcnow
from rongtong.digests.services import DigestRun, period_for
from rongtong.extensions import db
from rongtong.favourites import digest, jobs, services
from rongtong.favourites.models import Favourite, SavedSearch
from rongtong.mail.models import OutboxMail
from rongtong.notifications.models import Notification


def _notes(user, kind):
    return db.session.scalars(
        db.select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
    ).all()


def test_star_and_unstar_from_the_listing_page(client, auth, make_user, make_listing):
    member = make_user()
    listing = make_listing(title="寻求伺服电机降噪方案")
    auth.login(member)
    page = client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert 'aria-pressed="false"' in page
    assert auth.post(f"/favourites/listings/{listing.id}/add").status_code == 302
    assert auth.post(f"/favourites/listings/{listing.id}/add").status_code == 302  # once
    assert len(services.favourites_of(member)) == 1
    assert 'aria-pressed="true"' in client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert "寻求伺服电机降噪方案" in client.get("/favourites/").get_data(as_text=True)
    auth.post(f"/favourites/listings/{listing.id}/remove", {"back": "favourites"})
    assert services.favourites_of(member) == []


def test_a_draft_of_another_enterprise_cannot_be_starred(auth, make_user, make_listing):
    member = make_user()
    draft = make_listing(status="draft")
    assert (
        auth.login(member) and auth.post(f"/favourites/listings/{draft.id}/add").status_code == 404
    )
    assert services.favourites_of(member) == []


def test_save_a_search_from_the_search_page(client, auth, make_user, make_listing):
    member = make_user()
    auth.login(member)
    page = client.get("/listings/?q=激光焊接&kind=challenge").get_data(as_text=True)
    assert "保存搜索" in page
    assert "保存搜索" not in client.get("/listings/").get_data(as_text=True)  # nothing to save
    response = auth.post("/favourites/searches", {"name": "焊接需求", "q": "激光焊接",
                                                  "kind": "challenge", "page": "3"})  # fmt: skip
    assert response.status_code == 302
    (search,) = services.searches_of(member)
    assert search.params == {"q": "激光焊接", "kind": "challenge"}
    empty = auth.post("/favourites/searches", {"name": "", "q": "激光焊接"})
    assert "kind" not in empty.headers["Location"] and len(services.searches_of(member)) == 1
    auth.post(f"/favourites/searches/{search.id}/delete")
    assert services.searches_of(member) == []


def test_saved_search_results_and_starred_changes_reach_the_centre_once(make_user, make_listing):
    member = make_user()
    starred = make_listing(title="寻求协作机器人集成")
    services.star(member, starred)
    search = services.save_search(member, name="焊接", params={"q": "激光焊接"})
    search.checked_at = utcnow() - timedelta(days=1)
    own = make_listing(enterprise=member.enterprise, title="本单位激光焊接需求")
    fresh = make_listing(title="激光焊接夹具设计")
    for listing in (own, fresh):
        listing.published_at = utcnow()
    make_listing(
        title="发酵罐清洗", summary="发酵罐在线清洗", description="不锈钢罐体", keywords=["清洗"]
    ).published_at = utcnow()
    db.session.flush()
    assert [r.id for r in services.new_results(search)] == [fresh.id]

    jobs.alert_followers()
    (note,) = _notes(member, "saved_search_results")
    assert note.params == {"name": "焊接", "count": "1"}
    assert _notes(member, "favourite_changed") == []  # the star has not changed
    starred.summary = "范围扩大到装配。"
    starred.updated_at = utcnow() + timedelta(seconds=1)
    db.session.flush()
    jobs.alert_followers()
    jobs.alert_followers()
    assert len(_notes(member, "favourite_changed")) == 1
    assert len(_notes(member, "saved_search_results")) == 1
    assert (
        db.session.scalars(db.select(OutboxMail).where(OutboxMail.user_id == member.id)).all() == []
    )


def test_the_saved_search_notice_leads_to_its_new_results(client, auth, make_user, make_listing):
    """The notice opens the search, newest first, with the new result on it (the favourites
    page counts only results no alert has told yet, so it would show none)."""
    member = make_user()
    search = services.save_search(
        member, name="焊接", params={"q": "激光焊接", "kind": "challenge"}
    )
    search.checked_at = utcnow() - timedelta(days=1)
    fresh = make_listing(title="激光焊接夹具设计")
    fresh.published_at = utcnow()
    db.session.flush()
    jobs.alert_followers()
    (note,) = _notes(member, "saved_search_results")
    auth.login(member)
    followed = auth.post(f"/notifications/{note.id}/read")
    target = followed.headers["Location"]
    assert target.startswith("/listings/?") and "sort=newest" in target
    link = f'href="/listings/{fresh.id}"'  # the title itself is marked up with the terms
    assert link in client.get(target).get_data(as_text=True)
    assert link not in client.get("/favourites/").get_data(as_text=True)


def test_the_digest_section_lists_them_and_announces_each_once(make_user, make_listing):
    member = make_user()
    starred = make_listing(title="寻求协作机器人集成")
    services.star(member, starred)
    search = services.save_search(member, name="焊接", params={"q": "激光焊接"})
    search.created_at = utcnow() - timedelta(days=2)
    fresh = make_listing(title="激光焊接夹具设计")
    fresh.published_at = utcnow()
    starred.updated_at = utcnow() + timedelta(seconds=1)
    db.session.flush()
    run = DigestRun(period_for("weekly", date(2026, 12, 7)), now=utcnow() + timedelta(minutes=1))
    section = digest.followed_changes(run, run.member(member))
    titles = [item["listing"].title for item in section.items]
    assert titles == ["激光焊接夹具设计", "寻求协作机器人集成"]
    assert section.announce == [
        ("saved_search", f"{search.id}:{fresh.id}"),
        ("starred", f"{starred.id}:{starred.updated_at:%Y%m%d%H%M%S}"),
    ]
    announced = run.member(member)
    announced.announced = {
        k: {r for kk, r in section.announce if kk == k} for k, _ in section.announce
    }
    assert digest.followed_changes(run, announced) is None


def test_challenge_deadline_reminds_those_who_starred_or_opened_it_once(make_user, make_listing):
    with time_machine.travel(datetime(2026, 12, 7, 20, 30, tzinfo=UTC), tick=False):
        # 04:30 on 8 December in Shanghai: the deadline is three local days ahead.
        owner = make_user()
        challenge = make_listing(enterprise=owner.enterprise, deadline=date(2026, 12, 11))
        fan, reader, stranger = make_user(), make_user(), make_user(locale="en")
        services.star(fan, challenge)
        services.star(owner, challenge)  # the owner's own challenge: not reminded
        from rongtong.listings.models import ConfidentialView

        db.session.add(ConfidentialView(listing_id=challenge.id, user_id=reader.id, via="web"))
        db.session.flush()
        assert jobs.remind_challenge_deadlines() == 2
        assert jobs.remind_challenge_deadlines() == 0
        assert [len(_notes(u, "challenge_deadline")) for u in (fan, reader, stranger, owner)] == [
            1, 1, 0, 0,
        ]  # fmt: skip
        mails = db.session.scalars(
            db.select(OutboxMail).where(OutboxMail.purpose == "notice_challenge_deadline")
        ).all()
        assert sorted(m.recipient for m in mails) == sorted([fan.email, reader.email])
        assert "2026-12-11" in mails[0].subject


def test_challenge_deadline_is_not_sent_a_week_ahead(make_user, make_listing):
    with time_machine.travel(datetime(2026, 12, 7, 3, 0, tzinfo=UTC), tick=False):
        fan = make_user()
        services.star(fan, make_listing(deadline=date(2026, 12, 14)))
        assert jobs.remind_challenge_deadlines() == 0


def test_models_cascade_with_their_listing(make_user, make_listing):
    member = make_user()
    listing = make_listing()
    services.star(member, listing)
    db.session.delete(listing)
    db.session.flush()
    db.session.expire_all()
    assert db.session.scalars(db.select(Favourite)).all() == []
    assert db.session.scalars(db.select(SavedSearch)).all() == []
