"""融通 Rongtong: supply–demand matchmaking for a city's 专精特新 SME programme."""

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from . import extensions as ext
from .config import DefaultConfig, database_url_from_env


def create_app(config: Mapping | None = None) -> Flask:
    """Build the app: config, extensions, blueprints, error handlers, CLI commands."""
    # Several instances of one deployment share the instance folder (matcher index, files).
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=os.environ.get("RONGTONG_INSTANCE_PATH") or None,
    )
    app.config.from_object(DefaultConfig)
    app.config.from_prefixed_env("RONGTONG")
    if config:
        app.config.update(config)
    os.makedirs(app.instance_path, exist_ok=True)
    _finish_config(app, config or {})

    # Ids are 32-bit integers in the database. A larger one in a URL becomes 0, which no row
    # has, so every route answers 404 as for any unknown id (a converter that refused it
    # would make werkzeug answer 405 for other methods), and PostgreSQL never overflows.
    from werkzeug.routing import IntegerConverter

    class _IdConverter(IntegerConverter):
        def to_python(self, value: str) -> int:
            number = super().to_python(value)
            return number if number <= 2**31 - 1 else 0

    app.url_map.converters["int"] = _IdConverter
    _import_models()
    _init_extensions(app)
    _init_tokenizer(app)
    _register_blueprints(app)
    from .core import errors, web

    errors.register(app)
    web.register(app)
    _register_cli(app)
    from .core.retry import ConflictRetry

    # A request PostgreSQL aborted for a serialization failure or deadlock runs again, once.
    app.wsgi_app = ConflictRetry(
        app.wsgi_app, max_body_bytes=app.config.get("MAX_CONTENT_LENGTH") or 64 << 20
    )
    if app.config.get("PROXY_FIX_X_FOR"):
        # Behind a reverse proxy: the client's address (rate limits) and scheme come from it.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_FIX_X_FOR"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    return app


def _finish_config(app: Flask, overrides: Mapping) -> None:
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = database_url_from_env(app.instance_path)
    if app.config.get("DEVELOPMENT") or app.config.get("TESTING"):
        # Development serves plain http on loopback; production cookies stay Secure.
        for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
            if key not in overrides:
                app.config[key] = False
    if not app.config.get("SECRET_KEY"):
        # Development makes a random key once; later commands (the CLI) read it back.
        key_file = Path(app.instance_path) / "secret_key"
        if not key_file.exists():
            if not app.config.get("DEVELOPMENT"):
                msg = "Set RONGTONG_SECRET_KEY (or run with RONGTONG_DEVELOPMENT=1)."
                raise RuntimeError(msg)
            key_file.write_text(secrets.token_urlsafe(48))
            key_file.chmod(0o600)
        app.config["SECRET_KEY"] = key_file.read_text().strip()
    if not (app.config.get("DEVELOPMENT") or app.config.get("TESTING")):
        _refuse_weak_secret(app.config["SECRET_KEY"])
    _public_url(app)
    seed = app.config["SEED_DATA_DIR"]
    app.config["MATCHING_USER_DICT"] = app.config.get("MATCHING_USER_DICT") or os.path.join(
        seed, "matching", "industry_dict.txt"
    )
    app.config["MATCHING_STOPWORDS"] = app.config.get("MATCHING_STOPWORDS") or os.path.join(
        seed, "matching", "stopwords.txt"
    )
    if app.config.get("MATCHER_JUDGED_SETS") is None:
        root = Path(__file__).resolve().parent.parent
        app.config["MATCHER_JUDGED_SETS"] = [seed, str(root / "bench" / "eval" / "set-b")]
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # pysqlite's ``timeout`` is SQLite's busy timeout: a writer waits this long for the
        # lock. It only helps because writers begin IMMEDIATE (see _sqlite_begin).
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
            "connect_args": {"timeout": float(app.config["SQLITE_BUSY_TIMEOUT"])},
        }


def _public_url(app: Flask) -> None:
    """PUBLIC_URL from the config, else (development) the instance's recorded one.

    Production refuses to start without it and trusts only its host: links in mail to other
    firms must never follow a Host header a client chose.
    """
    from urllib.parse import urlsplit

    url = app.config.get("PUBLIC_URL")
    recorded = Path(app.instance_path) / "public_url"
    if not url and recorded.exists():
        url = recorded.read_text().strip()
    production = not (app.config.get("DEVELOPMENT") or app.config.get("TESTING"))
    if not url:
        if production:
            msg = "Set RONGTONG_PUBLIC_URL (the https address users reach the platform at)."
            raise RuntimeError(msg)
        url = "http://127.0.0.1:5000"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        msg = f"RONGTONG_PUBLIC_URL {url!r} is not an http(s) URL."
        raise RuntimeError(msg)
    app.config["PUBLIC_URL"] = url.rstrip("/")
    if production and not app.config.get("TRUSTED_HOSTS"):
        app.config["TRUSTED_HOSTS"] = [parts.hostname, *app.config["EXTRA_TRUSTED_HOSTS"]]


#: Values from examples and documentation that must never sign a production session.
_PLACEHOLDER_SECRETS = ("change-me", "changeme", "secret", "example", "your-")


def _refuse_weak_secret(key: str) -> None:
    """Production signs sessions and links with this key: a guessable one forges them."""
    lowered = key.lower()
    if len(key) < 32 or any(lowered.startswith(p) for p in _PLACEHOLDER_SECRETS):
        msg = (
            "RONGTONG_SECRET_KEY is a placeholder or shorter than 32 characters; set a random "
            "one, e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'."
        )
        raise RuntimeError(msg)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL, foreign keys and a busy timeout on every SQLite connection."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # The busy timeout is pysqlite's ``timeout`` (SQLITE_BUSY_TIMEOUT, set in create_app).
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        # pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy emits BEGIN.
        dbapi_connection.isolation_level = None


#: Requests with these methods only read; every other unit of work may write.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def unit_of_work_writes() -> bool:
    """Whether the current unit of work may write: a non-GET request, a job, a CLI command.

    A request marked ``reads_first`` (core/web.py: a login, whose slow password check only
    reads) begins deferred until it calls ``begin_writes()``.
    """
    from flask import g, has_request_context, request

    if not has_request_context():
        return True
    return request.method not in READ_METHODS and not g.get("reads_first")


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    """BEGIN IMMEDIATE for a writer, BEGIN (deferred) for a pure read.

    A deferred transaction that has read cannot upgrade to a write while another connection
    writes or has written since: SQLite answers "database is locked" at once, without the
    busy timeout. IMMEDIATE takes the write lock at BEGIN, where the busy timeout applies,
    so writers queue instead of failing (as Rails does by default, rails/rails#50371).
    """
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if unit_of_work_writes() else "BEGIN")


def _import_models() -> None:
    """Every feature's models, so that the metadata (and Alembic) knows all tables."""
    from .accounts import models as _accounts  # noqa: F401
    from .audit import models as _audit  # noqa: F401
    from .digests import models as _digests  # noqa: F401
    from .enterprises import models as _enterprises  # noqa: F401
    from .events import models as _events  # noqa: F401
    from .favourites import models as _favourites  # noqa: F401
    from .listings import models as _listings  # noqa: F401
    from .mail import models as _mail  # noqa: F401
    from .matches import changes as _changes  # noqa: F401  (the change log's session events)
    from .matches import models as _matches  # noqa: F401
    from .notifications import models as _notifications  # noqa: F401
    from .outcomes import models as _outcomes  # noqa: F401
    from .proposals import models as _proposals  # noqa: F401
    from .scheduler import models as _scheduler  # noqa: F401
    from .surveys import models as _surveys  # noqa: F401
    from .taxonomy import models as _taxonomy  # noqa: F401


def _init_extensions(app: Flask) -> None:
    from .accounts.services import load_user_from_session
    from .core.i18n import select_locale, select_timezone

    ext.db.init_app(app)
    ext.migrate.init_app(app, ext.db, directory=str(Path(__file__).parent / "migrations"))
    ext.login_manager.init_app(app)
    ext.login_manager.login_view = "accounts.login"
    ext.login_manager.login_message_category = "info"
    ext.login_manager.session_protection = "basic"
    ext.login_manager.user_loader(load_user_from_session)
    ext.csrf.init_app(app)
    ext.babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    ext.limiter.init_app(app)
    ext.api.init_app(app)


def _init_tokenizer(app: Flask) -> None:
    """The one word segmenter (domain dictionary, stop words) that search and the matcher use;
    loading the dictionary takes a while, so once per app rather than per call."""
    from matching import Tokenizer

    def existing(path: str | None) -> str | None:
        return path if path and os.path.exists(path) else None

    app.extensions["matching_tokenizer"] = Tokenizer.from_files(
        existing(app.config["MATCHING_USER_DICT"]), existing(app.config["MATCHING_STOPWORDS"])
    )


def _register_blueprints(app: Flask) -> None:
    from .accounts.routes import bp as accounts_bp
    from .admin.routes import bp as admin_bp
    from .api import register_api
    from .audit.routes import bp as audit_bp
    from .digests.routes import bp as digests_bp
    from .enterprises.routes import bp as enterprises_bp
    from .events.routes import bp as events_bp
    from .favourites.routes import bp as favourites_bp
    from .imports.routes import bp as imports_bp
    from .listings.routes import bp as listings_bp
    from .mail.routes import bp as mail_bp
    from .main.routes import bp as main_bp
    from .matches.routes import bp as matches_bp
    from .notifications.routes import bp as notifications_bp
    from .proposals.routes import bp as proposals_bp
    from .surveys.routes import bp as surveys_bp

    for bp in (
        main_bp,
        accounts_bp,
        enterprises_bp,
        listings_bp,
        matches_bp,
        imports_bp,
        admin_bp,
        events_bp,
        proposals_bp,
    ):
        app.register_blueprint(bp)
    for bp in (mail_bp, digests_bp, notifications_bp, audit_bp, favourites_bp, surveys_bp):
        app.register_blueprint(bp)
    register_api(app)


def _register_cli(app: Flask) -> None:
    from .accounts.cli import users_cli
    from .digests.cli import digest_cli
    from .events.cli import events_cli
    from .imports.cli import export_cli, import_cli
    from .mail.cli import mail_cli
    from .matches.cli import match_cli
    from .proposals.cli import proposals_cli
    from .scheduler.cli import scheduler_cli
    from .seeding import seed_command

    for command in (
        users_cli,
        import_cli,
        export_cli,
        match_cli,
        seed_command,
        events_cli,
        proposals_cli,
    ):
        app.cli.add_command(command)
    for command in (mail_cli, digest_cli, scheduler_cli):
        app.cli.add_command(command)
