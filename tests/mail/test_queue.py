from rongtong.extensions import db
from rongtong.mail.models import OutboxMail
from rongtong.mail.services import queue_mail


def test_queue_mail_once_per_key(make_user):
    user = make_user()
    first = queue_mail(
        key=f"test:{user.id}", purpose="test", to=user.email, subject="一", text="正文", user=user
    )
    second = queue_mail(
        key=f"test:{user.id}", purpose="test", to=user.email, subject="二", text="另一封"
    )
    assert first is second
    rows = db.session.execute(db.select(OutboxMail)).scalars().all()
    assert len(rows) == 1 and rows[0].subject == "一" and rows[0].status == "queued"


def test_queued_mail_rolls_back_with_its_transaction(make_user):
    user = make_user()
    with db.session.begin_nested() as savepoint:
        queue_mail(key="rolled", purpose="test", to=user.email, subject="s", text="t")
        savepoint.rollback()
    assert db.session.execute(db.select(OutboxMail).filter_by(key="rolled")).first() is None
