"""Accounts: password hashing, sign-up, log-in checks and API tokens. Never commits."""

import contextlib
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import func

from ..core.time import utcnow
from ..extensions import db
from .models import ROLES, ApiToken, User

TOKEN_PREFIX = "rt_"  # noqa: S105 - a visible prefix, not a secret


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
    """The active user with this email and password, else None."""
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
    user.last_login_at = utcnow()
    return user


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
    """Set a new password and end the user's other sessions."""
    user.password_hash = hash_password(new_password)
    user.session_version += 1


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
    token.last_used_at = utcnow()
    return token.user
