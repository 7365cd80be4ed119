"""The matcher inside the platform: listing pages, judgements, rebuilds, the CLI."""

from rongtong.extensions import db
from rongtong.matches import services
from rongtong.matches.models import MatcherBuild, MatchJudgement


def test_matches_for_ranks_best_first_and_skips_own(corpus):
    matches = services.matches_for(corpus["challenge"], k=5)
    ids = [m.listing.id for m in matches]
    assert ids[0] == corpus["welder"].id
    assert corpus["own"].id not in ids
    assert all(0 <= m.score <= 1 for m in matches)
    assert matches == sorted(matches, key=lambda m: -m.score)


def test_owner_marks_not_relevant_and_judgement_is_kept(auth, corpus):
    challenge, welder = corpus["challenge"], corpus["welder"]
    auth.login(corpus["owner"])
    response = auth.post(f"/listings/{challenge.id}/matches/{welder.id}/not-relevant")
    assert response.status_code == 302
    judgement = db.session.execute(db.select(MatchJudgement)).scalar_one()
    assert (judgement.listing_id, judgement.counterpart_id) == (challenge.id, welder.id)
    assert welder.id not in [m.listing.id for m in services.matches_for(challenge)]
    auth.post(f"/listings/{challenge.id}/matches/{welder.id}/restore")
    assert welder.id in [m.listing.id for m in services.matches_for(challenge)]


def test_other_enterprise_cannot_judge(auth, make_user, corpus):
    auth.login(make_user())
    path = f"/listings/{corpus['challenge'].id}/matches/{corpus['welder'].id}/not-relevant"
    assert auth.post(path).status_code == 403
    assert db.session.execute(db.select(MatchJudgement)).first() is None


def test_new_listing_is_ranked_without_refit(make_listing, corpus):
    builds = db.session.execute(db.select(db.func.count(MatcherBuild.id))).scalar_one()
    draft = make_listing(
        kind="challenge",
        status="draft",
        chain="robotics",
        title="焊缝缺陷的视觉检测",
        summary="需要电池托盘焊缝视觉检测方案",
        keywords=["视觉检测"],
    )
    matches = services.matches_for(draft, k=3)
    assert corpus["vision"].id in [m.listing.id for m in matches]
    assert db.session.execute(db.select(db.func.count(MatcherBuild.id))).scalar_one() == builds


def test_closed_counterpart_disappears_before_the_next_build(corpus):
    corpus["welder"].status = "closed"
    db.session.flush()
    assert corpus["welder"].id not in [
        m.listing.id for m in services.matches_for(corpus["challenge"])
    ]


def test_workers_pick_up_a_new_build_without_restart(app, make_listing, corpus):
    first = services.current_matcher()
    newcomer = make_listing(
        kind="capability",
        chain="auto",
        title="激光焊接夹具快速设计",
        summary="电池托盘激光焊接夹具",
        keywords=["激光焊接"],
    )
    build = services.rebuild_index()
    # Another process sees only the database row and the file: drop this one's copy.
    services._cache.clear()
    second = services.current_matcher()
    assert second is not first
    assert second.base_seq == build.seq
    assert newcomer.id in second.base.ids_ and build.n_docs == len(second.base.ids_)


def test_match_cli_rebuild_and_eval(runner, corpus, tmp_path):
    result = runner.invoke(args=["match", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "listings in" in result.output
    judged = tmp_path / "judged.jsonl"
    ch, good, bad = (corpus[k].ref for k in ("challenge", "welder", "unrelated"))
    judged.write_text(
        f'{{"challenge": "{ch}", "capability": "{good}", "grade": 3}}\n'
        f'{{"challenge": "{ch}", "capability": "{bad}", "grade": 0}}\n',
        encoding="utf-8",
    )
    result = runner.invoke(args=["match", "eval", str(judged)])
    assert result.exit_code == 0, result.output
    assert "ndcg@10" in result.output and "mrr" in result.output and "recall@10" in result.output
    assert "1.0000" in result.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n", encoding="utf-8")
    result = runner.invoke(args=["match", "eval", str(bad)])
    assert result.exit_code != 0 and "line 1" in result.output


def test_not_relevant_is_undone_in_place(auth, client, corpus):
    """The row stays where it was clicked, reading 已标记不相关 · 撤销; the undo restores it."""
    challenge, welder = corpus["challenge"], corpus["welder"]
    auth.login(corpus["owner"])
    response = auth.post(f"/listings/{challenge.id}/matches/{welder.id}/not-relevant")
    assert response.location.endswith(f"?hidden={welder.id}#match-{welder.id}")
    html = client.get(response.location).get_data(as_text=True)
    row = html.split(f'id="match-{welder.id}"')[1].split("</li>")[0]
    assert "已标记不相关" in row and "撤销" in row
    assert f"/listings/{challenge.id}/matches/{welder.id}/restore" in row
    # A counterpart that is not hidden gets no such row, whatever the address says.
    vision = corpus["vision"]
    plain = client.get(f"/listings/{challenge.id}?hidden={vision.id}").get_data(as_text=True)
    assert "已标记不相关" not in plain
    response = auth.post(f"/listings/{challenge.id}/matches/{welder.id}/restore")
    assert response.location.endswith(f"#match-{welder.id}")
    html = client.get(f"/listings/{challenge.id}?hidden={welder.id}").get_data(as_text=True)
    assert "已标记不相关" not in html
    assert welder.id in [m.listing.id for m in services.matches_for(challenge)]
