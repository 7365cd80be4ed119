"""JSON API v1 under /api/v1: flask-smorest blueprints, bearer tokens, one error shape.

Each feature keeps its endpoints in its own ``api.py`` (``listings/api.py`` …); this package
holds what they share (errors, auth, pagination) and registers them. The OpenAPI document
is generated from the code and served at /api/v1/openapi.json.
"""


def register_api(app) -> None:
    """Register the API blueprints on ``app`` (after ``api.init_app``)."""
    from ..enterprises import api as enterprises
    from ..events import api as events
    from ..extensions import api, csrf
    from ..favourites import api as favourites
    from ..listings import api as listings
    from ..matches import api as matches
    from ..notifications import api as notifications
    from ..proposals import api as proposals
    from ..taxonomy import api as taxonomies
    from .auth import BEARER_SCHEME
    from .errors import ApiErrorSchema

    if api.ERROR_SCHEMA is not ApiErrorSchema:
        # init_app documented smorest's own error body; ours is {"error": {...}}.
        api.ERROR_SCHEMA = ApiErrorSchema
        api._register_responses()
    # Unused here (we paginate in the body), so not worth a place in the document.
    for name in ("Error", "PaginationMetadata"):
        api.spec.components.schemas.pop(name, None)
    api.spec.components.security_scheme("bearerAuth", BEARER_SCHEME)
    features = (listings, matches, enterprises, taxonomies, proposals, events, notifications)
    for module in (*features, favourites):
        api.register_blueprint(module.bp)
        # Tokens, not cookies, authenticate the API, so there is no CSRF to guard against.
        csrf.exempt(module.bp)
