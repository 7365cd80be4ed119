"""Retrying a unit of work that PostgreSQL aborted for a conflict, not for a mistake.

A serialization failure (SQLSTATE 40001) or a deadlock (40P01) says "run it again", and a
second run usually succeeds. Anything else, or a second conflict, is an error as before.

Two edges use it:

- a request: the unit of work is the whole view (its flushes and the one commit at the
  end), so the retry replays the request. ``ConflictRetry`` is a WSGI middleware that
  buffers the request body, runs the app, and when the attempt was marked as aborted for a
  conflict (``mark_for_retry``: by the error handler or the commit at the edge) it throws
  the attempt's answer away and runs the request again on the same body, once;
- a job or a command: ``run_with_retry(unit)``.

Work outside the database in the aborted attempt is not undone (a file stored by an
upload is stored again; nothing else a view does leaves the process before the commit:
mail goes through the outbox table).
"""

import logging
import shutil
import tempfile

from flask import request
from sqlalchemy.exc import DBAPIError

from ..extensions import db

log = logging.getLogger(__name__)

#: serialization_failure, deadlock_detected
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})

#: The WSGI environ key an attempt is marked with when it should run again.
ENVIRON_KEY = "rongtong.retry_conflict"

#: Bodies up to this size are buffered in memory, larger ones in a temporary file.
MEMORY_BODY_BYTES = 1 << 20


def is_retryable(exc: BaseException) -> bool:
    """True for a serialization failure or deadlock reported by the database."""
    if not isinstance(exc, DBAPIError):
        return False
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return code in RETRYABLE_SQLSTATES


def run_with_retry(unit, *, retries: int = 1):
    """``unit()`` then commit; on a retryable conflict roll back and run it again."""
    for attempt in range(retries + 1):
        try:
            result = unit()
            db.session.commit()
            return result
        except DBAPIError as exc:
            db.session.rollback()
            if attempt == retries or not is_retryable(exc):
                raise
    raise AssertionError("unreachable")  # the loop returns or raises


def mark_for_retry(exc: BaseException) -> bool:
    """In a request: roll back and mark the attempt for a replay if ``exc`` is a conflict.

    Returns False (and does nothing) for any other error. The caller answers as for a
    busy server (503): the answer is what the client gets when no retry is left.
    """
    if not is_retryable(exc):
        return False
    db.session.rollback()
    request.environ[ENVIRON_KEY] = True
    log.info("Conflict (%s) in %s %s", exc.orig, request.method, request.path)
    return True


class ConflictRetry:
    """WSGI middleware: run a request again when its unit of work lost a conflict."""

    def __init__(self, app, *, max_body_bytes: int, retries: int = 1):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.retries = retries

    def __call__(self, environ, start_response):
        body = self._buffer(environ, self.max_body_bytes)
        if body is None:  # unknown length or over the limit: passed through (Flask answers)
            return self.app(environ, start_response)
        try:
            for attempt in range(self.retries + 1):
                body.seek(0)
                attempt_environ = {**environ, "wsgi.input": body}
                answer: list = []

                def capture(status, headers, exc_info=None, answer=answer):
                    answer[:] = [status, headers, exc_info]
                    return _refuse_write

                result = self.app(attempt_environ, capture)
                if attempt_environ.get(ENVIRON_KEY) and attempt < self.retries:
                    if hasattr(result, "close"):
                        result.close()
                    log.info("Replaying %s %s", environ.get("REQUEST_METHOD"), _path(environ))
                    continue
                start_response(*answer)
                return result
        finally:
            # The body is read by the app before it answers; a streamed answer never needs it.
            body.close()
        raise AssertionError("unreachable")  # the loop returns

    @staticmethod
    def _buffer(environ, limit: int):
        """A rewindable copy of the request body; None if its length is unknown or too big."""
        source = environ.get("wsgi.input")
        length = environ.get("CONTENT_LENGTH") or ""
        if not length:
            if environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked":
                return None
            length = "0"
        try:
            size = max(int(length), 0)
        except ValueError:
            return None
        if size > limit:
            return None
        body = tempfile.SpooledTemporaryFile(max_size=MEMORY_BODY_BYTES)  # noqa: SIM115 (closed by __call__)
        if size and source is not None:
            shutil.copyfileobj(_Limited(source, size), body)
        return body


class _Limited:
    """Reads at most ``size`` bytes of a stream (a WSGI input must not be read past it)."""

    def __init__(self, stream, size: int):
        self.stream, self.left = stream, size

    def read(self, n: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        n = self.left if n is None or n < 0 else min(n, self.left)
        data = self.stream.read(n)
        self.left -= len(data)
        if not data:
            self.left = 0
        return data


def _refuse_write(data):  # the legacy write() callable; Flask never uses it
    raise RuntimeError("write() is not supported behind ConflictRetry")


def _path(environ) -> str:
    return environ.get("PATH_INFO", "")
