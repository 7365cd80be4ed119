"""What services share: their error type and taxonomy look-ups."""

from contextlib import contextmanager
from contextvars import ContextVar

from ..extensions import db

_term_cache: ContextVar[dict | None] = ContextVar("term_cache", default=None)


class ServiceError(Exception):
    """A rule the request broke; routes turn it into a form message or a 4xx."""

    def __init__(self, message, *, field: str | None = None, code: str = "invalid", status=422):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code
        self.status = status


def find_term(model, value: str):
    """The active term of ``model`` whose code or Chinese label is ``value``, else None."""
    if value is None:
        return None
    value = str(value).strip()
    if not value:
        return None
    cache = _term_cache.get()
    if cache is not None and (model, value) in cache:
        return cache[model, value]
    term = db.session.execute(
        db.select(model).where(
            model.active.is_(True), db.or_(model.code == value, model.label_zh == value)
        )
    ).scalar_one_or_none()
    if cache is not None:
        cache[model, value] = term
    return term


@contextmanager
def cached_terms():
    """Inside, each term is looked up once: an import's rows name the same few terms again and
    again, and a query per cell made 100,000 rows take many minutes."""
    token = _term_cache.set({})
    try:
        yield
    finally:
        _term_cache.reset(token)


def require_term(model, value: str, field: str):
    """Like ``find_term`` but raises a ServiceError naming the allowed codes."""
    term = find_term(model, value)
    if term is None:
        codes = db.session.execute(
            db.select(model.code).where(model.active.is_(True)).order_by(model.position)
        ).scalars()
        raise ServiceError(
            f"未知的取值 “{value}”；可选：{', '.join(codes)}", field=field, code="unknown_value"
        )
    return term
