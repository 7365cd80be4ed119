"""Defaults; the environment overrides them through ``RONGTONG_*`` variables."""

import os
from pathlib import Path
from typing import ClassVar


class DefaultConfig:
    #: Replaced from the environment outside development (``RONGTONG_SECRET_KEY``);
    #: ``make run`` writes a random one to ``instance/secret_key`` on first start.
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None  # set in create_app from DATABASE_URL
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {"pool_pre_ping": True}
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
    #: Failed log-ins per account from one address, and per account from anywhere: the
    #: first stops a guesser quickly without locking the owner (elsewhere) out; the second
    #: caps a guess spread over many addresses.
    LOGIN_RATE_LIMIT_ACCOUNT_IP = "5 per 5 minutes"
    LOGIN_RATE_LIMIT_ACCOUNT = "30 per hour"
    #: Seconds a password-reset link stays valid; it also dies once the password changes.
    PASSWORD_RESET_MAX_AGE = 60 * 60
    #: Requests for a reset link, every attempt counted (each may send a mail).
    RESET_REQUEST_RATE_LIMIT_IP = "10 per hour"
    RESET_REQUEST_RATE_LIMIT_EMAIL_IP = "3 per hour"
    RESET_REQUEST_RATE_LIMIT_EMAIL = "10 per day"
    #: Remember-me cookies end after this many seconds (Flask-Login's default is a year).
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30

    #: Enterprise names at or above this similarity (0–100) are flagged as near-duplicates.
    DUPLICATE_NAME_THRESHOLD = 90
    PAGE_SIZE = 20
    API_MAX_PER_PAGE = 100
    #: Search on PostgreSQL: a part of a typed word (智能 of 智能网联汽车) that is in more than
    #: this share of listings is common; it ranks but does not find on its own (as Lucene's
    #: common-terms query). Applies once there are SEARCH_COMMON_MIN_LISTINGS listings, by the
    #: planner statistics of search_vector (ANALYZE; autovacuum keeps them fresh).
    SEARCH_COMMON_SHARE = 0.15
    SEARCH_COMMON_MIN_LISTINGS = 1000
    TIMEZONE = "Asia/Shanghai"

    SEED_DATA_DIR = str(Path(__file__).resolve().parent.parent / "seed_data")
    MATCHING_USER_DICT = None  # defaults to <SEED_DATA_DIR>/matching/industry_dict.txt
    MATCHING_STOPWORDS = None

    #: Outgoing mail: ``file`` writes .eml files to MAIL_FILE_DIR (default instance/outbox/);
    #: ``smtp`` is the default once MAIL_SERVER is set. MAIL_USE_TLS is implicit TLS (465).
    MAIL_BACKEND: str | None = None
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_STARTTLS = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_TIMEOUT = 10
    MAIL_SENDER = "融通 Rongtong <noreply@rongtong.example>"
    MAIL_FILE_DIR: str | None = None
    MAIL_BATCH_SIZE = 20
    #: Temporary failures wait MAIL_RETRY_SECONDS, doubling per attempt (at most 6 hours).
    MAIL_MAX_ATTEMPTS = 8
    MAIL_RETRY_SECONDS = 60
    #: A claim older than this belonged to a sender that died; another may take the mail.
    MAIL_CLAIM_SECONDS = 600
    #: The one base of every link in mail and exports; a request's Host is never used.
    #: Production must set it (RONGTONG_PUBLIC_URL); ``make run`` records its port's URL in
    #: the instance folder so that every command of that instance (the scheduler, ``flask
    #: digest preview``) links to where it serves.
    PUBLIC_URL: str | None = None
    #: Hosts that requests may name besides PUBLIC_URL's (production answers 400 to others).
    EXTRA_TRUSTED_HOSTS: tuple[str, ...] = ()
    DIGEST_MIN_SCORE = 0.2  # the platform's floor; members may ask for more
    DIGEST_MAX_MATCHES = 5  # the best new ones; the rest wait for the next digest
    DIGEST_UNSUBSCRIBE_MAX_AGE = 60 * 60 * 24 * 180
    SURVEY_LINK_MAX_AGE = 60 * 60 * 24 * 90  # a follow-up survey link works for 90 days
    SCHEDULER_LEASE_SECONDS = 60

    #: Programme defaults (DOMAIN.md); admins override them on /events/settings.
    PROGRAMME_ROADSHOW_BUDGET_CAP = 1_000_000
    PROGRAMME_MATCHMAKING_BUDGET_CAP = 1_000_000
    PROGRAMME_MATCHMAKING_TARGET = 10
    PROGRAMME_ROADSHOW_TARGET = 12
    #: Pairs of participants scoring at least this are "a good match" for the meeting scheduler.
    MEETING_GOOD_SCORE = 0.1

    #: Days a challenge owner has to answer a proposal (after submission or their last step)
    #: before being reminded and listed as overdue to organizers.
    PROPOSAL_RESPONSE_DAYS = 14
    PROPOSAL_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    PROPOSAL_ATTACHMENTS_MAX = 10
    PROPOSAL_ATTACHMENT_DIR = None  # defaults to <instance>/attachments

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
