"""Bearer-token authentication for the API. The session cookie is never consulted."""

from flask import abort, g, request

from ..accounts.services import user_for_api_token

#: OpenAPI security requirements: reads work anonymously or with a token; writes need one.
OPTIONAL_AUTH = [{}, {"bearerAuth": []}]
TOKEN_AUTH = [{"bearerAuth": []}]
BEARER_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "rt_… personal token",
    "description": "A personal API token (`flask users token EMAIL` or the account page), "
    "sent as `Authorization: Bearer rt_…`.",
}


def api_user():
    """The user whose token the request carries, or None; a bad token is a 401."""
    if "api_user" in g:
        return g.api_user
    user = None
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            abort(401, "Use 'Authorization: Bearer <token>'.")
        user = user_for_api_token(token.strip())
        if user is None:
            abort(401, "The API token is invalid or has been revoked.")
    g.api_user = user
    return user


def require_api_user():
    """The token's user; 401 if the request carries no token."""
    user = api_user()
    if user is None:
        abort(401, "This operation needs an API token ('Authorization: Bearer <token>').")
    return user
