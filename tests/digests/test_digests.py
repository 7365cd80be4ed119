"""Digests end to end: queued by the job, sent over real SMTP, each match told once."""

from datetime import date, timedelta

import pytest

from rongtong.core.time import utcnow
from rongtong.digests import jobs
from rongtong.digests.models import DigestAnnouncement, DigestPreference
from rongtong.digests.services import (
    DigestRun,
    Section,
    parse_period,
    period_for,
    queue_digests,
    save_preferences,
)
from rongtong.extensions import db
from rongtong.mail.models import OutboxMail
from rongtong.mail.sender import SmtpBackend, send_queued
from rongtong.matches import services as match_services
from rongtong.taxonomy.models import Chain

WEEK = period_for("weekly", date(2026, 11, 30))
NEXT_WEEK = period_for("weekly", date(2026, 12, 7))


@pytest.fixture(autouse=True)
def floor(app):
    """A floor between the vision supplier's score (≈0.19) and the fermenter's (≈0.08)."""
    old = app.config["DIGEST_MIN_SCORE"]
    app.config["DIGEST_MIN_SCORE"] = 0.1
    yield
    app.config["DIGEST_MIN_SCORE"] = old


def _send(sink):
    return send_queued(backend=SmtpBackend(sink.host, sink.port, timeout=5))


def _by_recipient(sink) -> dict:
    result = {}
    for message in sink.messages:
        assert message["To"] not in result, f"two digests for {message['To']}"
        result[message["To"]] = message
    return result


def _parts(message) -> tuple[str, str]:
    return (
        message.get_body(("plain",)).get_content(),
        message.get_body(("html",)).get_content(),
    )


def test_right_members_get_the_right_digest_with_headers_once(city, sink):
    report = queue_digests(WEEK)
    db.session.commit()
    # The maker's two members, the welder and the vision supplier; the fermenter's only
    # match is below the floor: nothing new, so no mail at all.
    assert (report.queued, report.nothing_new) == (4, 1)
    _send(sink)
    mails = _by_recipient(sink)
    organizer = city["organizer"].email
    assert set(mails) == {city[k].email for k in ("maker", "maker_en", "welder", "vision")}
    assert organizer not in mails and city["ferment"].email not in mails
    maker = mails[city["maker"].email]
    text, html = _parts(maker)
    assert maker.get_content_type() == "multipart/alternative"
    for part in (text, html):
        assert city["welder_listing"].title in part and city["vision_listing"].title in part
        assert city["ferment_listing"].title not in part  # below the floor
        assert "共同关键词" in part  # the matcher's reasons
        assert f"/listings/{city['welder_listing'].id}" in part
    assert text.index(city["welder_listing"].title) < text.index(city["vision_listing"].title)
    assert "匹配度：强" in text and "59%" not in text  # the score's band, not a percentage
    assert maker["Subject"].startswith("2 个新匹配：铝合金激光焊接工艺与变形控制 等")
    assert "2026 年第 49 周" in maker["Subject"]
    unsubscribe = str(maker["List-Unsubscribe"]).strip()  # long: folded onto its own line
    assert unsubscribe.startswith("<http://127.0.0.1:5000/digests/unsubscribe/")
    assert maker["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.strip("<>") in text and unsubscribe.strip("<>") in html
    # The supplier hears about the challenge; the English member reads English labels.
    assert city["challenge"].title in _parts(mails[city["welder"].email])[0]
    english = _parts(mails[city["maker_en"].email])[1]
    # Reasons are written for the member's side: about the counterpart, in the second person.
    assert '<html lang="en">' in english and "In your industry chain" in english
    # Running the job again, and the sender again, sends nothing more.
    again = queue_digests(WEEK)
    db.session.commit()
    assert again.queued == 0 and again.already_queued == 4
    assert _send(sink).attempted == 0
    assert len(sink.messages) == 4


def test_the_weekly_job_twice_queues_one_digest_per_member(city):
    jobs.weekly_digests()
    jobs.weekly_digests()
    keys = db.session.execute(db.select(OutboxMail.key)).scalars().all()
    users = db.session.execute(db.select(OutboxMail.user_id)).scalars().all()
    assert len(keys) == len(set(keys)) == len(set(users)) == 4
    assert all(k.startswith("digest:") and ":user:" in k for k in keys)


def test_a_match_is_never_announced_twice_and_nothing_new_is_not_sent(city, make_listing):
    queue_digests(WEEK)
    told = db.session.execute(
        db.select(DigestAnnouncement.ref).where(DigestAnnouncement.user_id == city["maker"].id)
    ).scalars()
    assert set(told) == {
        f"{city['challenge'].id}:{city['welder_listing'].id}",
        f"{city['challenge'].id}:{city['vision_listing'].id}",
    }
    report = queue_digests(NEXT_WEEK)
    assert report.queued == 0 and report.nothing_new == 5  # and no mail was queued
    # A new supplier appears: next week the maker hears about it alone.
    newcomer = make_listing(
        kind="capability",
        chain="auto",
        title="激光焊接变形在线监测",
        summary="电池托盘激光焊接过程的变形在线监测与补偿。",
        keywords=["激光焊接", "焊接变形", "电池托盘"],
    )
    match_services.rebuild_index()
    run = DigestRun(NEXT_WEEK)
    digest = run.build(city["maker"])
    assert [m.counterpart.id for m in digest.sections[0].items] == [newcomer.id]
    assert digest.subject.startswith("1 个新匹配：激光焊接变形在线监测")


def test_subjects_say_what_is_inside_and_differ_between_mails(city, make_listing):
    first = DigestRun(WEEK).build(city["maker"])
    welder = DigestRun(WEEK).build(city["welder"])
    assert first.subject != welder.subject
    queue_digests(WEEK)
    make_listing(
        kind="capability",
        chain="auto",
        title="铝合金焊接变形矫正服务",
        summary="电池托盘铝合金激光焊接后的变形矫正与检测。",
        keywords=["焊接变形", "激光焊接"],
    )
    match_services.rebuild_index()
    later = DigestRun(NEXT_WEEK).build(city["maker"])
    assert later.subject != first.subject and "第 50 周" in later.subject


def test_not_relevant_judgement_drops_the_pair(city):
    match_services.mark_not_relevant(city["challenge"], city["welder_listing"], city["maker"])
    digest = DigestRun(WEEK).build(city["maker"])
    shown = [m.counterpart.id for m in digest.sections[0].items]
    assert shown == [city["vision_listing"].id]


def test_preferences_filter_chains_score_and_frequency(city):
    auto = db.session.execute(db.select(Chain).where(Chain.code == "auto")).scalar_one()
    save_preferences(city["maker"], frequency="weekly", chains=[auto], min_score=0)
    shown = [m.counterpart.id for m in DigestRun(WEEK).build(city["maker"]).sections[0].items]
    assert shown == [city["welder_listing"].id]  # the vision supplier is in robotics
    save_preferences(city["maker"], frequency="weekly", chains=[], min_score=0.5)
    shown = [m.counterpart.id for m in DigestRun(WEEK).build(city["maker"]).sections[0].items]
    assert shown == [city["welder_listing"].id]  # 0.19 < 0.5
    save_preferences(city["maker"], frequency="monthly", chains=[], min_score=0)
    save_preferences(city["welder"], frequency="off", chains=[], min_score=0)
    weekly = queue_digests(WEEK)
    assert weekly.queued == 2  # maker_en and vision; the fermenter has nothing new
    monthly = queue_digests(period_for("monthly", date(2026, 11, 30)))
    assert monthly.queued == 1
    recipients = set(db.session.execute(db.select(OutboxMail.recipient)).scalars())
    assert city["welder"].email not in recipients


def test_own_listing_changes_are_reported_once(city, make_listing):
    expired = make_listing(enterprise=city["maker"].enterprise, status="expired")
    expired.closed_at = utcnow() - timedelta(days=1)
    digest = DigestRun(WEEK, now=utcnow()).build(city["maker"])
    sections = {s.key: s for s in digest.sections}
    assert [i["listing"].id for i in sections["own_listings"].items] == [expired.id]
    assert "1 条发布有变化" in digest.subject and "已过期" in digest.text
    queue_digests(WEEK)
    later = DigestRun(NEXT_WEEK).build(city["maker"])
    assert later is None


def test_other_features_add_a_section_with_one_line(city, monkeypatch):
    from rongtong.digests import sections

    def roadshow(run, member):
        return Section(
            key="roadshow",
            title="本月路演",
            items=["生物医药与健康"],
            subject="本月路演：生物医药与健康",
            template="digests/mail/_items",
            announce=[("event", "roadshow:2026-12")],
        )

    monkeypatch.setattr(sections, "roadshow", roadshow, raising=False)
    monkeypatch.setattr(
        sections, "SECTIONS", [*sections.SECTIONS, "rongtong.digests.sections:roadshow"]
    )
    run = DigestRun(WEEK)
    digest = run.build(city["maker"])
    assert digest.subject.startswith(
        "2 个新匹配：铝合金激光焊接工艺与变形控制 等 · 本月路演：生物医药与健康"
    )
    assert "生物医药与健康" in digest.text and "生物医药与健康" in digest.html
    report = queue_digests(WEEK)
    assert report.queued == 5  # the roadshow is news for the fermenter too
    told = db.session.execute(
        db.select(DigestAnnouncement.ref).where(DigestAnnouncement.kind == "event")
    ).scalars()
    assert list(told) == ["roadshow:2026-12"] * 5


def test_building_a_run_computes_all_pairs_once_not_per_member(city, monkeypatch, make_user):
    for _ in range(5):
        make_user(enterprise=city["maker"].enterprise)
    matcher = match_services.current_matcher()
    calls = {"top_pairs": 0, "rank": 0}
    top_pairs, rank = matcher.top_pairs, matcher.rank

    def counting_top_pairs(*a, **kw):
        calls["top_pairs"] += 1
        return top_pairs(*a, **kw)

    def counting_rank(*a, **kw):
        calls["rank"] += 1
        return rank(*a, **kw)

    monkeypatch.setattr(matcher, "top_pairs", counting_top_pairs)
    monkeypatch.setattr(matcher, "rank", counting_rank)
    report = queue_digests(WEEK)
    assert report.queued == 9
    assert calls == {"top_pairs": 1, "rank": 0}


def test_a_listing_published_after_the_index_build_is_ranked_alone(city, make_listing):
    late = make_listing(
        enterprise=city["welder"].enterprise,
        kind="capability",
        chain="auto",
        title="激光焊接夹具快速设计",
        summary="电池托盘激光焊接夹具设计，减少焊接变形。",
        keywords=["激光焊接", "焊接变形"],
    )
    digest = DigestRun(WEEK).build(city["welder"])
    pairs = {(m.own.id, m.counterpart.id) for m in digest.sections[0].items}
    assert (late.id, city["challenge"].id) in pairs


def test_parse_period():
    assert parse_period("2026-W48").label == "2026-W48"
    assert parse_period("2026-W48").start == date(2026, 11, 23)
    assert parse_period("2026-11").end == date(2026, 12, 1)
    assert period_for("weekly", date(2027, 1, 1)).label == "2026-W53"
    with pytest.raises(ValueError, match="period must be"):
        parse_period("next tuesday")


def test_digest_preference_defaults_to_weekly(city):
    assert db.session.execute(db.select(DigestPreference)).first() is None
    assert queue_digests(period_for("monthly", date(2026, 11, 30))).queued == 0


def test_this_months_roadshow_and_events_of_own_chains_are_told_once(city):
    from datetime import datetime

    from rongtong.events.models import Event

    def chain(code):
        return db.session.execute(db.select(Chain).where(Chain.code == code)).scalar_one()

    def event(title, kind, code, day):
        starts = datetime(2026, 12, day, 2, 0)
        row = Event(
            title=title,
            kind=kind,
            chain=chain(code),
            starts_at=starts,
            ends_at=starts + timedelta(hours=3),
            status="open",
        )
        db.session.add(row)
        return row

    roadshow = event("生物医药与健康专场路演", "roadshow", "biomed", 10)
    auto_fair = event("新能源汽车零部件供需对接会", "matchmaking", "auto", 18)
    display_fair = event("新型显示供需对接会", "matchmaking", "display", 19)
    db.session.flush()
    now = datetime(2026, 12, 1, 0, 0)  # 08:00 in Guangzhou
    run = DigestRun(WEEK, now=now)
    maker = run.build(city["maker"])
    assert "2 个新匹配：铝合金激光焊接工艺与变形控制 等 · 本月路演：生物医药与健康" in maker.subject
    events = next(s for s in maker.sections if s.key == "events")
    assert [i["event"].id for i in events.items] == [roadshow.id, auto_fair.id]
    assert display_fair.title not in maker.text and auto_fair.title in maker.html
    vision = run.build(city["vision"])  # robotics: the roadshow, not the car fair
    shown = [i["event"].id for s in vision.sections if s.key == "events" for i in s.items]
    assert shown == [roadshow.id]
    queue_digests(WEEK, now=now)
    later = DigestRun(NEXT_WEEK, now=now + timedelta(days=7))
    assert later.build(city["maker"]) is None  # told already


def test_matches_beyond_the_cap_wait_for_the_next_digest(city, app, monkeypatch):
    monkeypatch.setitem(app.config, "DIGEST_MAX_MATCHES", 1)
    first = DigestRun(WEEK).build(city["maker"])
    assert [m.counterpart.id for m in first.sections[0].items] == [city["welder_listing"].id]
    assert "另有 1 个匹配" in first.text
    queue_digests(WEEK)
    second = DigestRun(NEXT_WEEK).build(city["maker"])
    assert [m.counterpart.id for m in second.sections[0].items] == [city["vision_listing"].id]


def test_proposal_changes_reach_both_sides_once(city, app):
    """The proposer hears its proposal was accepted; the owner hears it received one."""
    from rongtong.proposals import services as proposals

    with app.test_request_context():
        proposal = proposals.create_proposal(
            city["welder"],
            city["challenge"],
            {
                "summary": "摆动激光焊",
                "approach": "反变形夹具",
                "team": "焊接团队",
                "timeline": "四个月",
                "quote": 380000,
            },
            accept=True,
        )
    db.session.flush()
    owner_digest = DigestRun(WEEK, now=utcnow()).build(city["maker"])
    received = {s.key: s for s in owner_digest.sections}["proposals"]
    assert [i["proposal"].id for i in received.items] == [proposal.id]
    assert "揭榜进展" in owner_digest.subject and "收到新的揭榜方案" in owner_digest.text
    assert "广州焊接工艺研究所" in owner_digest.text

    proposal.status, proposal.decided_at = "accepted", utcnow()
    db.session.flush()
    proposer_digest = DigestRun(WEEK, now=utcnow()).build(city["welder"])
    ours = {s.key: s for s in proposer_digest.sections}["proposals"]
    assert ours.items[0]["side"] == "ours"
    assert "方案已被采纳" in proposer_digest.text
    queue_digests(WEEK)
    later = DigestRun(NEXT_WEEK).build(city["welder"])
    assert later is None or "proposals" not in {s.key for s in later.sections}
