"""Learning from use: training signal from what people did, the guard, the fallback, the
admin page (issue 15)."""

import json
import shutil
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from matching import DEFAULT_BANDS, PairBlend
from rongtong.core.time import utcnow
from rongtong.extensions import db
from rongtong.matches import learning, services
from rongtong.proposals.models import Proposal

SEED_BLEND = Path(__file__).resolve().parents[2] / "seed_data/matching/blend-a.json"


@pytest.fixture
def blend_file(app, tmp_path, monkeypatch):
    """A model path of this test's own, with no model in it yet."""
    path = tmp_path / "matcher" / "blend.json"
    monkeypatch.setitem(app.config, "MATCHER_BLEND_PATH", str(path))
    return path


def test_no_model_file_falls_back_to_the_hand_set_blend(blend_file, make_listing):
    assert not blend_file.exists()
    assert learning.current_blend() is None
    matcher = services.new_matcher()
    assert matcher.blend is None
    make_listing(kind="challenge")
    make_listing(kind="capability")
    assert services.rebuild_index() and services.current_matcher().bands_ == DEFAULT_BANDS


def test_the_model_lives_in_the_instance_folder_by_default(app, monkeypatch):
    monkeypatch.setitem(app.config, "MATCHER_BLEND_PATH", None)
    assert services.blend_path() == Path(app.instance_path) / "matcher" / "blend.json"


def test_a_model_file_is_used_by_the_next_build(blend_file, make_listing):
    blend_file.parent.mkdir(parents=True)
    shutil.copy(SEED_BLEND, blend_file)
    assert services.new_matcher().blend is not None
    make_listing(kind="challenge")
    make_listing(kind="capability")
    services.rebuild_index()
    assert services.current_matcher().bands_ == PairBlend.load(SEED_BLEND).bands_


def _worse(blend: PairBlend) -> PairBlend:
    """The same model with every weight turned round: it ranks the best pairs last."""
    worse = PairBlend.from_dict(blend.to_dict())
    worse.coef_ = -worse.coef_
    return worse


def test_the_guard_refuses_a_worse_model(blend_file):
    sets = learning.judged_sets()
    assert {s.name for s in sets} == {"seed (set A)", "set-b"}
    run = learning.guarded_save(_worse(PairBlend.load(SEED_BLEND)), sets=sets)
    assert not run.accepted and run.reason == "worse"
    assert not blend_file.exists()  # the hand-set blend stays in use
    for name, figures in run.candidate.items():
        assert figures["ndcg@10"] < run.previous[name]["ndcg@10"]


def test_the_guard_keeps_a_model_not_worse_than_the_current(blend_file):
    blend_file.parent.mkdir(parents=True)
    shutil.copy(SEED_BLEND, blend_file)
    before = blend_file.read_text("utf-8")
    # Worse than the model in use on one set is enough to refuse.
    assert not learning.guarded_save(_worse(PairBlend.load(SEED_BLEND))).accepted
    assert blend_file.read_text("utf-8") == before
    # The same model again is level on every set: kept.
    run = learning.guarded_save(PairBlend.load(SEED_BLEND))
    assert run.accepted and run.candidate == run.previous
    assert learning.current_blend().weights() == PairBlend.load(SEED_BLEND).weights()


@pytest.fixture
def usage(make_user, make_enterprise, make_listing):
    """Challenges with a welder that proposed and won, one marked not relevant, others."""
    owner = make_user(enterprise=make_enterprise(kind="large", tier=None))
    welding = make_listing(
        enterprise=owner.enterprise, kind="challenge", title="电池托盘激光焊接变形控制",
        summary="激光焊接变形超差。", keywords=["激光焊接"],
    )  # fmt: skip
    vision = make_listing(
        enterprise=owner.enterprise, kind="challenge", title="焊缝机器视觉缺陷检测",
        summary="焊缝表面缺陷在线识别。", keywords=["机器视觉"],
    )  # fmt: skip
    welder = make_enterprise()
    welder_caps = [
        make_listing(enterprise=welder, kind="capability", title="激光焊接工艺与变形控制",
                     summary="铝合金激光焊接。", keywords=["激光焊接"]),
        make_listing(enterprise=welder, kind="capability", title="发酵罐清洗验证",
                     summary="生物发酵。", keywords=["发酵"]),
    ]  # fmt: skip
    seer = make_enterprise()
    seer_cap = make_listing(
        enterprise=seer, kind="capability", title="机器视觉缺陷识别系统",
        summary="焊缝缺陷识别。", keywords=["机器视觉"],
    )  # fmt: skip
    now = utcnow()
    for challenge, enterprise, status in (
        (welding, welder, "accepted"),
        (vision, seer, "shortlisted"),
        (vision, welder, "withdrawn"),
    ):
        db.session.add(
            Proposal(
                listing_id=challenge.id, enterprise_id=enterprise.id,
                owner_enterprise_id=owner.enterprise_id, status=status,
                submitted_at=now - timedelta(days=3),
            )
        )  # fmt: skip
    db.session.flush()
    services.mark_not_relevant(welding, seer_cap, owner)
    return {"welding": welding, "vision": vision, "welder_caps": welder_caps, "seer": seer_cap}


def test_what_people_did_becomes_graded_pairs(usage):
    found, matcher = learning.usage_judgements()
    welding, vision = usage["welding"].id, usage["vision"].id
    # The award counts for the welder's capability that the challenge's text meets.
    assert found.judged[welding] == {usage["welder_caps"][0].id: 3, usage["seer"].id: 0}
    assert found.judged[vision] == {usage["seer"].id: 2}  # withdrawn: no evidence
    assert dict(found.counts) == {"not_relevant": 1, "proposal_awarded": 1, "proposal": 1}
    assert found.positives == 2 and matcher is not None


def test_the_nightly_run_trains_guards_and_reports(app, usage, blend_file, monkeypatch):
    monkeypatch.setitem(app.config, "MATCHER_BLEND_MIN_POSITIVES", 3)
    run = learning.retrain_blend()
    assert not run.accepted and run.reason == "too_little_use" and not blend_file.exists()
    monkeypatch.setitem(app.config, "MATCHER_BLEND_MIN_POSITIVES", 1)
    run = learning.retrain_blend()
    assert run.pairs > 0 and run.candidate is not None
    assert run.accepted == learning.not_worse(run.candidate, run.previous)
    assert blend_file.exists() == run.accepted
    report = json.loads((blend_file.parent / learning.REPORT_NAME).read_text("utf-8"))
    assert report["reason"] == run.reason and report["counts"]["proposal_awarded"] == 1
    assert set(report["candidate_weights"]) == set(PairBlend.load(SEED_BLEND).weights())
    assert np.isfinite(list(report["candidate_weights"].values())).all()


def test_the_admin_page_shows_weights_figures_and_the_last_run(auth, client, make_user, blend_file):
    auth.login(make_user(role="admin", enterprise=None))
    html = client.get("/admin/matcher").get_data(as_text=True)
    assert "人工设定的权重" in html and "同一产业链" in html
    assert "A 集：种子数据（调参所用）" in html and "0.952" in html  # set A, hand-set blend
    assert "B 集：留出数据（未调参）" in html and "0.949" in html
    assert "尚未训练过" in html
    blend_file.parent.mkdir(parents=True)
    shutil.copy(SEED_BLEND, blend_file)
    learning.write_report(learning.guarded_save(PairBlend.load(SEED_BLEND)))
    html = client.get("/admin/matcher").get_data(as_text=True)
    assert "学习得到的模型" in html and "训练时间" in html and "新模型已采用" in html
    assert "文本相似度（对数）" in html and "0.963" in html  # the learned blend on set B
    assert "log_text" not in html  # labels, never the feature codes


def test_the_admin_page_is_for_admins_only(auth, client, make_user, blend_file):
    assert client.get("/admin/matcher").status_code == 302  # to the login page
    for role in ("member", "organizer"):
        auth.login(make_user(role=role, enterprise=None if role != "member" else ...))
        assert client.get("/admin/matcher").status_code == 403
        auth.logout()


def test_the_train_command_reports_the_run(runner, blend_file):
    result = runner.invoke(args=["match", "train"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("too_little_use: 0 pairs")
