"""Accounts: password hashing, sign-up, log-in checks, password resets and API tokens.

Never commits.
"""

import contextlib
import hashlib
import hmac
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, render_template
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func
from sqlalchemy.exc import OperationalError

from ..core.services import ServiceError
from ..core.time import utcnow
from ..extensions import db
from ..mail.services import external_url, in_recipients_language, queue_mail
from .models import ROLES, ApiToken, User

TOKEN_PREFIX = "rt_"  # noqa: S105 - a visible prefix, not a secret
RESET_SALT = "rongtong.password-reset"
RESET_PURPOSE = "password-reset"


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg["PASSWORD_ARGON2_TIME_COST"],
        memory_cost=cfg["PASSWORD_ARGON2_MEMORY_COST"],
        parallelism=cfg["PASSWORD_ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    """Argon2id hash with the configured cost."""
    return _hasher().hash(password)


def check_password(user: User, password: str) -> bool:
    """True if ``password`` is the user's; rehashes when the cost has gone up."""
    hasher = _hasher()
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return True


#: A hash to verify against when the email is unknown, so that timing does not tell.
_DUMMY_HASH: dict[str, str] = {}


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.execute(
        db.select(User).where(User.email == normalize_email(email))
    ).scalar_one_or_none()


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, else None (reads only)."""
    user = find_user_by_email(email)
    if user is None:
        key = "dummy"
        if key not in _DUMMY_HASH:
            _DUMMY_HASH[key] = hash_password(secrets.token_hex(8))
        with contextlib.suppress(VerificationError, InvalidHashError):
            _hasher().verify(_DUMMY_HASH[key], password)
        return None
    if not check_password(user, password) or not user.active:
        return None
    return user


def record_login(user: User) -> None:
    user.last_login_at = utcnow()


def create_user(
    email: str,
    password: str,
    *,
    role: str = "member",
    name: str = "",
    enterprise=None,
    locale: str = "zh",
) -> User:
    """Add a user; the caller commits."""
    if role not in ROLES:
        msg = f"role must be one of {', '.join(ROLES)}"
        raise ValueError(msg)
    user = User(
        email=normalize_email(email),
        password_hash=hash_password(password),
        role=role,
        name=name,
        enterprise=enterprise,
        locale=locale,
    )
    db.session.add(user)
    db.session.flush()
    return user


def email_taken(email: str) -> bool:
    return (
        db.session.execute(
            db.select(func.count(User.id)).where(User.email == normalize_email(email))
        ).scalar_one()
        > 0
    )


def change_password(user: User, new_password: str) -> None:
    """Set a new password; end the user's sessions and revoke the API tokens.

    Whoever knew the old password may have made a token with it: a token that outlived
    the change would keep that access.
    """
    user.password_hash = hash_password(new_password)
    end_sessions(user)
    for token in user.tokens:
        revoke_api_token(token)


def end_sessions(user: User) -> None:
    """Void every session and remember-me cookie of ``user`` (they carry the version)."""
    user.session_version += 1


# ------------------------------------------------------------------ password reset


def _reset_serializer() -> URLSafeTimedSerializer:
    # The salt binds the signature to this purpose: an unsubscribe link, a session or a CSRF
    # token does not verify here, and a reset token verifies nowhere else.
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def _password_fingerprint(user: User) -> str:
    """A short digest of the current hash: a new password (a new salt) makes old links void."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def password_reset_token(user: User) -> str:
    """A signed link token for ``user``, good for PASSWORD_RESET_MAX_AGE and one change."""
    return _reset_serializer().dumps(
        {"p": RESET_PURPOSE, "u": user.id, "h": _password_fingerprint(user)}
    )


def user_for_password_reset_token(token: str) -> User:
    """The active user the token was made for; ServiceError if it is forged, used or too old."""
    invalid = ServiceError(
        _("重置密码的链接无效或已使用，请重新申请。"), code="token_invalid", status=400
    )
    try:
        data = _reset_serializer().loads(
            token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"]
        )
    except SignatureExpired as exc:
        raise ServiceError(
            _("重置密码的链接已过期，请重新申请。"), code="token_expired", status=400
        ) from exc
    except BadSignature as exc:
        raise invalid from exc
    if not isinstance(data, dict) or data.get("p") != RESET_PURPOSE:
        raise invalid
    user_id, fingerprint = data.get("u"), data.get("h")
    if not isinstance(user_id, int) or not isinstance(fingerprint, str):
        raise invalid
    user = db.session.get(User, user_id)
    if (
        user is None
        or not user.active
        or not hmac.compare_digest(fingerprint, _password_fingerprint(user))
    ):
        raise invalid
    return user


def notify_registration_attempt(email: str) -> None:
    """Mail the owner of ``email`` that someone tried to register with it.

    Registration answers the same whether an address has an account; the owner learns of
    the attempt and how to reset a forgotten password.
    """
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    with in_recipients_language(user) as lang:
        context = {
            "user": user,
            "login_url": external_url("accounts.login"),
            "reset_url": external_url("accounts.forgot_password"),
            "lang": lang,
        }
        subject = _("有人尝试用您的邮箱注册融通平台")
        text = render_template("accounts/mail/registration_attempt.txt", **context)
    queue_mail(
        key=f"registration-attempt:user:{user.id}:{utcnow():%Y%m%d%H}",
        purpose="registration_attempt",
        to=user.email,
        subject=subject,
        text=text,
        user=user,
    )


def request_password_reset(email: str) -> None:
    """Queue a reset link if ``email`` belongs to an active user; silent otherwise."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    token = password_reset_token(user)
    with in_recipients_language(user) as lang:
        context = {
            "user": user,
            "url": external_url("accounts.reset_password", token=token),
            "minutes": max(current_app.config["PASSWORD_RESET_MAX_AGE"] // 60, 1),
            "lang": lang,
        }
        subject = _("重置您在融通平台的密码")
        text = render_template("accounts/mail/password_reset.txt", **context)
        html = render_template("accounts/mail/password_reset.html", **context)
    queue_mail(
        # Two requests within the same second make the same token: one mail is enough.
        key=f"password-reset:user:{user.id}:{_digest(token)[:16]}",
        purpose="password_reset",
        to=user.email,
        subject=subject,
        text=text,
        html=html,
        user=user,
    )


def load_user_from_session(user_id: str) -> User | None:
    """Flask-Login's loader: ``"<id>:<session_version>"``."""
    try:
        raw_id, raw_version = user_id.split(":", 1)
        uid, version = int(raw_id), int(raw_version)
    except ValueError:
        return None
    user = db.session.get(User, uid)
    if user is None or user.session_version != version or not user.active:
        return None
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new token; the plain value is returned once and never stored."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name[:80], token_hash=_digest(plain), prefix=plain[:10])
    db.session.add(token)
    db.session.flush()
    return token, plain


def revoke_api_token(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()


def user_for_api_token(plain: str) -> User | None:
    """The active user owning this unrevoked token, else None."""
    if not plain or not plain.startswith(TOKEN_PREFIX):
        return None
    token = db.session.execute(
        db.select(ApiToken).where(ApiToken.token_hash == _digest(plain))
    ).scalar_one_or_none()
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    _touch_api_token(token)
    return token.user


#: ``last_used_at`` is kept to this precision, so that reading with a token is not a write.
TOKEN_TOUCH_SECONDS = 60


def _touch_api_token(token: ApiToken) -> None:
    """Note the token's use at most once a minute, and never at the cost of the request.

    On SQLite a read (GET) transaction cannot always turn into a write: when the lock is
    busy the touch is skipped, and the next request a minute on tries again.
    """
    now = utcnow()
    if token.last_used_at and now - token.last_used_at < timedelta(seconds=TOKEN_TOUCH_SECONDS):
        return
    try:
        with db.session.begin_nested():
            token.last_used_at = now
    except OperationalError:
        pass
