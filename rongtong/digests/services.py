"""Digests: who gets one this period, what is new for each member, the mail. Never commits.

One run shares the expensive parts across its members: each section computes what it
needs once per run (``DigestRun.shared``: the matches section asks the matcher once for
every published listing) and per member only looks up its own. The sections live with the
features they describe and are listed in ``sections.SECTIONS``. What a
member has been told is recorded in ``digest_announcements`` in the same transaction as
the queued mail, so nothing is announced twice.
"""

import importlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

from flask import current_app, render_template
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..core.services import ServiceError
from ..core.time import local_today, utcnow
from ..extensions import db
from ..mail.models import OutboxMail
from ..mail.services import external_url, in_recipients_language, queue_mail
from . import sections
from .models import FREQUENCIES, DigestAnnouncement, DigestPreference
from .sections import Member, Section, shorten

UNSUBSCRIBE_SALT = "rongtong.digests.unsubscribe"
UNSUBSCRIBE_PURPOSE = "digest-unsubscribe"


# ------------------------------------------------------------------ periods


@dataclass(frozen=True)
class Period:
    """One digest period: ``2026-W48`` (weekly) or ``2026-11`` (monthly)."""

    frequency: str
    label: str
    start: date
    #: The day after the period.
    end: date

    @property
    def title(self) -> str:
        if self.frequency == "weekly":
            year, week, _day = self.start.isocalendar()
            return _("%(year)d 年第 %(week)d 周", year=year, week=week)
        return _("%(year)d 年 %(month)d 月", year=self.start.year, month=self.start.month)

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    def mail_key(self, user) -> str:
        """The outbox key: one digest per recipient and period."""
        return f"digest:{self.label}:user:{user.id}"


def period_for(frequency: str, today: date | None = None) -> Period:
    """The weekly or monthly period that contains ``today`` (the platform's local date)."""
    today = today or local_today()
    if frequency == "weekly":
        start = today - timedelta(days=today.weekday())
        year, week, _day = start.isocalendar()
        return Period("weekly", f"{year}-W{week:02d}", start, start + timedelta(days=7))
    if frequency == "monthly":
        start = today.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
        return Period("monthly", f"{start:%Y-%m}", start, end)
    msg = f"frequency must be weekly or monthly, not {frequency!r}"
    raise ValueError(msg)


def parse_period(value: str, today: date | None = None) -> Period:
    """``weekly``, ``monthly``, ``2026-W48`` or ``2026-11``."""
    value = (value or "").strip()
    if value in ("weekly", "monthly"):
        return period_for(value, today)
    try:
        if "-W" in value:
            return period_for("weekly", datetime.strptime(value + "-1", "%G-W%V-%u").date())
        return period_for("monthly", datetime.strptime(value + "-01", "%Y-%m-%d").date())
    except ValueError as exc:
        msg = f"period must be weekly, monthly, YYYY-Www or YYYY-MM, not {value!r}"
        raise ValueError(msg) from exc


# ------------------------------------------------------------------ preferences and tokens


def preference_for(user) -> DigestPreference | None:
    return db.session.execute(
        db.select(DigestPreference).where(DigestPreference.user_id == user.id)
    ).scalar_one_or_none()


def save_preferences(user, *, frequency: str, chains: Iterable, min_score: float) -> None:
    """Store the member's choices (``min_score`` between 0 and 1)."""
    if frequency not in FREQUENCIES:
        raise ServiceError(_("请选择接收频率。"), field="frequency")
    if not 0 <= min_score <= 1:
        raise ServiceError(_("最低匹配度应在 0 到 100 之间。"), field="min_score")
    preference = preference_for(user) or DigestPreference(user_id=user.id)
    preference.frequency = frequency
    preference.min_score = min_score
    preference.chains = list(chains)
    db.session.add(preference)
    db.session.flush()


def _serializer() -> URLSafeTimedSerializer:
    # The salt binds the signature to this purpose: no other token of the platform (session,
    # CSRF …) verifies here, and an unsubscribe token verifies nowhere else.
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user) -> str:
    return _serializer().dumps({"p": UNSUBSCRIBE_PURPOSE, "u": user.id})


def user_for_unsubscribe_token(token: str) -> User:
    """The user the token was made for; ServiceError if it is forged, altered or too old."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["DIGEST_UNSUBSCRIBE_MAX_AGE"])
    except SignatureExpired as exc:
        raise ServiceError(
            _("退订链接已过期，请登录后在“邮件摘要设置”中修改。"), code="token_expired", status=400
        ) from exc
    except BadSignature as exc:
        raise ServiceError(_("退订链接无效。"), code="token_invalid", status=400) from exc
    if not isinstance(data, dict) or data.get("p") != UNSUBSCRIBE_PURPOSE:
        raise ServiceError(_("退订链接无效。"), code="token_invalid", status=400)
    user = db.session.get(User, data.get("u"))
    if user is None:
        raise ServiceError(_("退订链接无效。"), code="token_invalid", status=400)
    return user


def unsubscribe(user) -> DigestPreference:
    """No more digests for ``user``; idempotent."""
    preference = preference_for(user) or DigestPreference(user_id=user.id)
    preference.frequency = "off"
    preference.unsubscribed_at = preference.unsubscribed_at or utcnow()
    db.session.add(preference)
    db.session.flush()
    return preference


# ------------------------------------------------------------------ building


@dataclass
class Digest:
    user: User
    period: Period
    key: str
    subject: str
    text: str
    html: str
    headers: dict[str, str]
    sections: list[Section]


class DigestRun:
    """What one run shares across its members; build each member's digest with ``build``.

    Sections keep what they compute once per run in ``shared`` (the matches section: one
    ask of the matcher for every published listing).
    """

    def __init__(self, period: Period, *, now: datetime | None = None):
        self.period = period
        self.now = now or utcnow()
        self.config = current_app.config
        self._shared: dict[str, Any] = {}
        # Read when the run starts, so that a feature (or a test) may add to the list.
        self.builders: list[Callable] = [_load(path) for path in sections.SECTIONS]

    def shared(self, name: str, factory: Callable[["DigestRun"], Any]) -> Any:
        """A value computed once per run (sections use it for their look-ups)."""
        if name not in self._shared:
            self._shared[name] = factory(self)
        return self._shared[name]

    @cached_property
    def preferences(self) -> dict[int, DigestPreference]:
        rows = db.session.execute(
            db.select(DigestPreference).options(selectinload(DigestPreference.chains))
        ).scalars()
        return {row.user_id: row for row in rows}

    def member(self, user: User) -> Member:
        announced: dict[str, set[str]] = defaultdict(set)
        rows = db.session.execute(
            db.select(DigestAnnouncement.kind, DigestAnnouncement.ref).where(
                DigestAnnouncement.user_id == user.id
            )
        )
        for kind, ref in rows:
            announced[kind].add(ref)
        return Member(user, self.preferences.get(user.id), announced)

    def build(self, user: User) -> Digest | None:
        """The member's digest for this period, or None if nothing is new."""
        member = self.member(user)
        with in_recipients_language(user) as lang:
            sections = [s for b in self.builders if (s := b(self, member)) and s.items]
            if not sections:
                return None
            subject = compose_subject(sections, self.period)
            context = {
                "user": user,
                "period": self.period,
                "sections": sections,
                "subject": subject,
                "lang": lang,
                "preferences_url": external_url("digests.preferences"),
                "unsubscribe_url": external_url(
                    "digests.unsubscribe", token=unsubscribe_token(user)
                ),
                "home_url": external_url("main.home"),
            }
            text = render_template("digests/mail/digest.txt", **context)
            html = render_template("digests/mail/digest.html", **context)
        headers = {
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            # RFC 8058: mail clients may POST "List-Unsubscribe=One-Click" to the URL above.
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"Rongtong {self.period.frequency} digest <digest.{_list_domain()}>",
            "Auto-Submitted": "auto-generated",
        }
        return Digest(
            user, self.period, self.period.mail_key(user), subject, text, html, headers, sections
        )


def _list_domain() -> str:
    from email.utils import parseaddr

    return parseaddr(current_app.config["MAIL_SENDER"])[1].rpartition("@")[2] or "localhost"


def _load(path: str) -> Callable:
    module, _sep, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def compose_subject(sections: list[Section], period: Period) -> str:
    """What is inside, then the period: no two digests of one member read the same."""
    subject = " · ".join(s.subject for s in sections if s.subject)
    return shorten(f"{subject}｜{period.title}", 250)


# ------------------------------------------------------------------ a run


def recipients(period: Period) -> list[User]:
    """Active members of an enterprise whose frequency is the period's (weekly by default)."""
    frequency = db.func.coalesce(DigestPreference.frequency, "weekly")
    return list(
        db.session.execute(
            db.select(User)
            .outerjoin(DigestPreference, DigestPreference.user_id == User.id)
            .where(
                User.active.is_(True),
                User.role == "member",
                User.enterprise_id.is_not(None),
                frequency == period.frequency,
            )
            .order_by(User.id)
        ).scalars()
    )


@dataclass
class QueueReport:
    queued: int = 0
    nothing_new: int = 0
    already_queued: int = 0


def queue_digests(period: Period, *, progress=None, now: datetime | None = None) -> QueueReport:
    """Build and queue this period's digests; a member already queued for it is skipped."""
    run = DigestRun(period, now=now)
    users = recipients(period)
    prefix = f"digest:{period.label}:user:"
    queued_keys = set(
        db.session.execute(
            db.select(OutboxMail.key).where(OutboxMail.key.startswith(prefix, autoescape=True))
        ).scalars()
    )
    report = QueueReport()
    for user in progress(users) if progress else users:
        if period.mail_key(user) in queued_keys:
            report.already_queued += 1
            continue
        digest = run.build(user)
        if digest is None:
            report.nothing_new += 1
            continue
        queue_digest(digest)
        report.queued += 1
    return report


def queue_digest(digest: Digest) -> OutboxMail:
    """Put the digest in the outbox and remember what it announced, in one transaction."""
    mail = queue_mail(
        key=digest.key,
        purpose="digest",
        to=digest.user.email,
        subject=digest.subject,
        text=digest.text,
        html=digest.html,
        user=digest.user,
        headers=digest.headers,
    )
    now = utcnow()
    rows = [
        {
            "user_id": digest.user.id,
            "kind": kind,
            "ref": ref,
            "mail_key": digest.key,
            "created_at": now,
        }
        for section in digest.sections
        for kind, ref in section.announce
    ]
    if rows:
        _insert_ignoring_duplicates(rows)
    return mail


def _insert_ignoring_duplicates(rows: list[dict]) -> None:
    """Another run may have recorded the same announcement at the same moment: keep theirs."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(insert(DigestAnnouncement).on_conflict_do_nothing(), rows)


def preview(user: User, period: Period) -> Digest | None:
    """The digest ``user`` would get, without queueing it or recording anything."""
    return DigestRun(period).build(user)
