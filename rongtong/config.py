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
    #: Seconds a SQLite writer waits for another's write lock before failing.
    SQLITE_BUSY_TIMEOUT = 15

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

    #: Imports (``flask import`` and the upload page) commit every this many rows.
    IMPORT_BATCH_ROWS = 500
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
    MATCHER_RELOAD_SECONDS = 5  # how often a process looks for a newer build
    MATCHER_LIVE_POLL_SECONDS = 2  # how often it applies the change log (0: before each answer)
    MATCHER_LIVE_HOLE_SECONDS = 60  # how long an unseen seq may still commit (see matches)
    MATCHER_REBUILD_SHARE = 0.03  # rebuild when this share of the base has changed
    #: The learned blend (matches.learning), retrained nightly; none: the hand-set blend.
    MATCHER_BLEND_PATH = None  # defaults to <instance folder>/matcher/blend.json
    #: Judged sets a new blend must not do worse on (folders; missing ones are skipped).
    MATCHER_JUDGED_SETS = None  # defaults to SEED_DATA_DIR and bench/eval/set-b
    #: Use-based pairs graded 2 or 3 needed before a blend is trained on them.
    MATCHER_BLEND_MIN_POSITIVES = 10

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
    #: Temporary failures of a mail (4xx) wait MAIL_RETRY_SECONDS, doubling per attempt (at
    #: most 6 hours); an unreachable server (or 421, or a timeout before DATA) is no
    #: attempt: the run stops and the mails wait MAIL_RETRY_SECONDS.
    MAIL_RETRY_SECONDS = 60
    #: Seconds after which a mail still failing temporarily is given up (3 days).
    MAIL_GIVE_UP_AFTER = 3 * 24 * 60 * 60
    #: A sender renews its claim on the mail it is sending; a claim not renewed for this long
    #: belonged to a sender that died, and another may take the mail.
    MAIL_CLAIM_SECONDS = 30
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
    #: The running scheduler renews its lease every third of this; a standby takes over
    #: within this many seconds (plus its poll, at most 5 s) of the holder's death.
    SCHEDULER_LEASE_SECONDS = 60
    #: A failed job is retried this many times, after SCHEDULER_RETRY_SECONDS doubling.
    SCHEDULER_RETRIES = 5
    SCHEDULER_RETRY_SECONDS = 60

    #: Programme defaults (DOMAIN.md); admins override them on /events/settings.
    PROGRAMME_ROADSHOW_BUDGET_CAP = 1_000_000
    PROGRAMME_MATCHMAKING_BUDGET_CAP = 1_000_000
    PROGRAMME_MATCHMAKING_TARGET = 10
    PROGRAMME_ROADSHOW_TARGET = 12
    #: Pairs of participants scoring at least this are "a good match" for the meeting scheduler.
    MEETING_GOOD_SCORE = 0.1
    #: Check-in at an event opens this many hours before its start (and closes at its end).
    EVENT_CHECKIN_HOURS_BEFORE = 2
    #: Seconds the exact meeting model (HiGHS) may take per scheduler run; 0 keeps the greedy.
    MEETING_SOLVER_SECONDS = 10.0

    #: Days a challenge owner has to answer a proposal (after submission or their last step)
    #: before being reminded and listed as overdue to organizers.
    PROPOSAL_RESPONSE_DAYS = 14
    PROPOSAL_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    #: The files of one submission of the proposal form together (stated on the form): the
    #: site's MAX_CONTENT_LENGTH, so that the form and every other page agree.
    PROPOSAL_REQUEST_MAX_BYTES = 20 * 1024 * 1024
    #: The proposal form still reads a body up to this size, so that what was typed arrives
    #: and the form comes back with it and a message, rather than a bare 413 page.
    PROPOSAL_FORM_READ_MAX_BYTES = 100 * 1024 * 1024
    PROPOSAL_ATTACHMENTS_MAX = 10
    PROPOSAL_ATTACHMENT_DIR = None  # defaults to <instance>/attachments

    #: An uploaded .xlsx is refused before it is parsed when its zip members would expand
    #: beyond this many bytes, or its shared strings number more (decompression bombs).
    IMPORT_XLSX_MAX_UNCOMPRESSED = 50 * 1024 * 1024
    IMPORT_XLSX_MAX_SHARED_STRINGS = 200_000

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
