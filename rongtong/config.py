"""Defaults; the environment overrides them through ``RONGTONG_*`` variables."""

import os
from pathlib import Path


class DefaultConfig:
    #: Replaced from the environment outside development (``RONGTONG_SECRET_KEY``);
    #: ``make run`` writes a random one to ``instance/secret_key`` on first start.
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None  # set in create_app from DATABASE_URL
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLALCHEMY_RECORD_QUERIES = False

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True  # relaxed in development by create_app
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 12

    WTF_CSRF_TIME_LIMIT = 60 * 60 * 8
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024

    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh", "en")

    #: Argon2id, above the OWASP floor (m=19 MiB, t=2, p=1).
    PASSWORD_ARGON2_TIME_COST = 3
    PASSWORD_ARGON2_MEMORY_COST = 64 * 1024  # KiB
    PASSWORD_ARGON2_PARALLELISM = 2

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STRATEGY = "moving-window"
    LOGIN_RATE_LIMIT_IP = "20 per 5 minutes"
    LOGIN_RATE_LIMIT_ACCOUNT = "5 per 5 minutes"

    #: Enterprise names at or above this similarity (0–100) are flagged as near-duplicates.
    DUPLICATE_NAME_THRESHOLD = 90
    PAGE_SIZE = 20
    API_MAX_PER_PAGE = 100
    TIMEZONE = "Asia/Shanghai"

    SEED_DATA_DIR = str(Path(__file__).resolve().parent.parent / "seed_data")
    MATCHING_USER_DICT = None  # defaults to <SEED_DATA_DIR>/matching/industry_dict.txt
    MATCHING_STOPWORDS = None

    API_TITLE = "Rongtong API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"


def database_url_from_env(instance_path: str) -> str:
    """The database URL: ``DATABASE_URL`` if set, else SQLite in the instance folder."""
    url = os.environ.get("DATABASE_URL") or os.environ.get("RONGTONG_DATABASE_URL")
    if url:
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgres://")
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        return url
    return "sqlite:///" + os.path.join(instance_path, "rongtong.db")
