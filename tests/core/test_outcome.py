"""Work outside the database follows the unit of work: on_commit / on_rollback hooks."""

from rongtong.core.outcome import on_commit, on_rollback
from rongtong.extensions import db


def test_a_commit_runs_the_commit_hooks_only_and_once():
    ran = []
    on_commit(lambda: ran.append("commit"))
    on_rollback(lambda: ran.append("rollback"))
    db.session.commit()
    db.session.commit()
    assert ran == ["commit"]


def test_a_rollback_runs_the_rollback_hooks_only():
    ran = []
    on_commit(lambda: ran.append("commit"))
    on_rollback(lambda: ran.append("rollback"))
    db.session.rollback()
    db.session.commit()
    assert ran == ["rollback"]


def test_a_savepoints_rollback_leaves_the_outer_unit_of_work_alone():
    ran = []
    on_rollback(lambda: ran.append("rollback"))
    nested = db.session.begin_nested()
    on_commit(lambda: ran.append("commit"))
    nested.rollback()  # one row of an import refused: the rest goes on
    assert ran == []
    db.session.commit()
    assert ran == ["commit"]
