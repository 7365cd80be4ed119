import math

import pytest

from matching import Doc, TfidfMatcher, evaluate, load_judgements, mrr, ndcg_at_k, recall_at_k
from matching.evaluation import evaluate_matcher


def test_metrics_by_hand():
    grades = {"a": 3, "b": 0, "c": 2, "d": 1}
    ranked = ["b", "a", "x", "c"]
    dcg = 7 / math.log2(3) + 3 / math.log2(5)
    idcg = 7 + 3 / math.log2(3) + 1 / 2
    assert ndcg_at_k(ranked, grades, 10) == pytest.approx(dcg / idcg)
    assert ndcg_at_k(["a", "c", "d"], grades) == pytest.approx(1.0)
    assert mrr(ranked, grades) == 0.5
    assert mrr(["d"], grades) == 0.0 and mrr(["d"], grades, min_grade=1) == 1.0
    assert recall_at_k(ranked, grades, k=2) == 0.5
    assert recall_at_k(ranked, {"a": 0}) == 0.0


def test_evaluate_skips_queries_without_relevant_results():
    judged = {"q1": {"a": 3}, "q2": {"b": 0}, "q3": {"c": 2}}
    out = evaluate({"q1": ["a"], "q2": ["b"]}, judged)
    assert out == {"ndcg@10": 0.5, "mrr": 0.5, "recall@10": 0.5, "queries": 2}
    assert evaluate({}, {})["queries"] == 0


def test_load_judgements(tmp_path):
    path = tmp_path / "pairs.jsonl"
    path.write_text(
        '{"challenge": "CH1", "capability": "CA1", "grade": 3}\n\n'
        '{"challenge": "CH1", "capability": "CA2", "grade": "0"}\n',
        encoding="utf-8",
    )
    assert load_judgements(path) == {"CH1": {"CA1": 3, "CA2": 0}}
    with pytest.raises(ValueError, match="line 1"):
        load_judgements(['{"challenge": "CH1"}'])
    with pytest.raises(ValueError, match="line 2"):
        load_judgements(['{"challenge": "a", "capability": "b", "grade": 1}', "{oops"])


def test_evaluate_matcher():
    docs = [
        Doc("CH1", "challenge", "激光焊接电池托盘"),
        Doc("CA1", "capability", "激光焊接"),
        Doc("CA2", "capability", "锂电池储能"),
    ]
    m = TfidfMatcher(max_df=1.0).fit(docs)
    out = evaluate_matcher(m, {"CH1": {"CA1": 3, "CA2": 0}})
    assert out["mrr"] == 1.0 and out["recall@10"] == 1.0
