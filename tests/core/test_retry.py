"""The unit-of-work retry helper: conflicts run again once, mistakes are raised at once."""

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from rongtong.core.retry import is_retryable, run_with_retry
from rongtong.extensions import db
from rongtong.mail.models import OutboxMail
from rongtong.mail.services import queue_mail


class _Orig(Exception):
    def __init__(self, sqlstate):
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _conflict(sqlstate="40001"):
    return OperationalError("UPDATE …", {}, _Orig(sqlstate))


def test_serialization_failures_and_deadlocks_are_retryable():
    assert is_retryable(_conflict("40001")) and is_retryable(_conflict("40P01"))
    assert not is_retryable(IntegrityError("INSERT …", {}, _Orig("23505")))
    assert not is_retryable(RuntimeError("40001"))


def test_a_conflict_runs_the_unit_again_once_from_a_clean_session():
    calls = []

    def unit():
        calls.append(len(calls))
        queue_mail(key=f"retry:{len(calls)}", purpose="t", to="a@example.cn", subject="s", text="t")
        if len(calls) == 1:
            db.session.flush()
            raise _conflict()
        return "done"

    assert run_with_retry(unit) == "done" and calls == [0, 1]
    keys = db.session.execute(db.select(OutboxMail.key)).scalars().all()
    assert keys == ["retry:2"]  # the first run's work was rolled back


def test_a_second_conflict_or_another_error_is_raised():
    def always():
        raise _conflict("40P01")

    with pytest.raises(OperationalError):
        run_with_retry(always)
    calls = []

    def mistake():
        calls.append(1)
        raise IntegrityError("INSERT …", {}, _Orig("23505"))

    with pytest.raises(IntegrityError):
        run_with_retry(mistake)
    assert calls == [1]
