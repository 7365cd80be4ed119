"""gunicorn settings: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Every setting can be overridden from the environment (``GUNICORN_WORKERS=4`` …) or the
command line. Sync workers: each handles one request at a time, so put a buffering proxy
(nginx) in front in production; the scheduler runs as its own process, never in a worker.
"""

import os


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = _env_int("GUNICORN_WORKERS", 2)
#: More than one thread turns the workers into gthread workers; the pages are CPU-bound
#: Python (templates, the matcher), so threads mostly add contention on two cores.
threads = _env_int("GUNICORN_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"

#: A request taking longer than this is killed and its worker restarted.
timeout = _env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _env_int("GUNICORN_KEEPALIVE", 5)
#: Recycle a worker after this many requests (plus jitter) to bound slow leaks; 0 never does.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 10_000)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", 1_000)
#: The heartbeat file on tmpfs, so that a slow disk never looks like a hung worker.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

#: Load the app (and the matcher index, see ``when_ready``) once in the master, then fork:
#: the index's numpy arrays stay shared copy-on-write between the workers instead of being
#: loaded once per worker. A new index build is still picked up by each worker on its own.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
#: Client, request line, status, bytes, time in milliseconds and in microseconds, user agent.
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms %(D)sus "%(a)s"'
#: Trust X-Forwarded-* only from a proxy on this host.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proc_name = os.environ.get("GUNICORN_PROC_NAME", "rongtong")


def _sqlalchemy(app):
    """Flask-SQLAlchemy's ``db`` if this app uses it (the bare hello app does not)."""
    return app.extensions.get("sqlalchemy") if hasattr(app, "extensions") else None


def when_ready(server):
    """With preload_app: load the newest matcher index in the master before the fork."""
    if not preload_app:
        return
    app = server.app.wsgi()
    db = _sqlalchemy(app)
    if db is None:
        return
    try:
        with app.app_context():
            from rongtong.matches.services import current_matcher

            matcher = current_matcher()
            db.session.remove()
            db.engine.dispose()  # no connection may be shared with the forked workers
        server.log.info("Matcher index preloaded: %s", "yes" if matcher else "no build yet")
    except Exception as exc:  # a missing table must not stop the server; workers load later
        server.log.warning("Matcher index not preloaded: %s", exc)


def post_fork(server, worker):
    """A forked worker opens its own database connections."""
    app = server.app.wsgi() if preload_app else None
    db = _sqlalchemy(app) if app is not None else None
    if db is not None:
        with app.app_context():
            db.engine.dispose(close=False)
