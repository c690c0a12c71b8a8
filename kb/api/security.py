"""Who may call the API, from which browser origins, how often; and the headers every answer carries.

Order per request under ``/api/``: CORS preflight (answered before authentication, as
browsers send no credentials with it), then the bearer token when tokens are configured,
then the client's rate limit. Health, version and the OpenAPI document stay open so that
load balancers and client generators need no secret; ``/metrics`` needs a token like the API.

Failed authentication has its own allowance per address (the ``auth_failures`` setting,
counted where the rate limits are: shared through Redis), whatever ``--rate-limit`` says:
beyond it a failure answers 429 instead of 401. A valid token is always verified and served, so that one misconfigured
client behind a proxy (one address for everybody) cannot lock every agent out; tokens are
at least 16 characters, so the allowance bounds the cost of failures rather than guessing.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import NotFound

from kb.api.cors import OriginPattern, origin_allowed
from kb.api.errors import ApiError, rate_limited
from kb.api.ratelimit import RateLimits
from kb.api.tokens import ApiToken, TokenStore
from kb.i18n import gettext

API_PREFIX = "/api/"
GUARDED_ENDPOINTS = {"metrics.metrics_page"}  # outside /api/ but behind the tokens all the same
PUBLIC_ENDPOINTS = {"ops.health", "ops.version", "openapi.openapi_document", "strings.plugin_strings"}
UNLIMITED_ENDPOINTS = {"ops.health"}
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
PREFLIGHT_MAX_AGE = "600"
ALLOWED_HEADERS = "Authorization, Content-Type, Accept-Language"


def _unauthorized(message: str, error: str | None = None) -> ApiError:
    challenge = 'Bearer realm="vastaus"' + (f', error="{error}"' if error else "")
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": challenge})


def authenticate(tokens: TokenStore, limits: RateLimits | None = None) -> ApiToken | None:
    """The caller's token; raises 401 when tokens are configured and none valid is given (429
    when the caller's address has failed more often than *limits* allow)."""
    try:
        return _authenticate(tokens)
    except ApiError as error:
        wait = limits.failure(str(request.remote_addr)) if limits is not None else 0.0
        if wait:
            raise rate_limited(wait) from None
        raise error from None


def _authenticate(tokens: TokenStore) -> ApiToken | None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    secret = secret.strip()
    if not tokens.required:
        return None
    if not header:
        raise _unauthorized(gettext("An API token is required: send the header Authorization: Bearer <token>."))
    if scheme.lower() != "bearer" or not secret:
        raise _unauthorized(gettext("Send the API token as Authorization: Bearer <token>."), "invalid_request")
    token = tokens.verify(secret)
    if token is None:
        raise _unauthorized(gettext("The API token is not valid."), "invalid_token")
    if token.revoked:
        raise _unauthorized(gettext("This API token has been revoked."), "invalid_token")
    return token


def _cors_patterns() -> list[OriginPattern]:
    return current_app.config["CORS_PATTERNS"]


def _preflight() -> Response:
    try:
        methods = current_app.url_map.bind_to_environ(request.environ).allowed_methods()
    except NotFound:
        methods = []
    if not methods:
        raise NotFound()
    response = Response(status=204)
    response.headers["Allow"] = ", ".join(sorted(set(methods) | {"OPTIONS"}))
    origin = request.headers.get("Origin")
    if origin_allowed(origin, _cors_patterns()):
        response.headers["Access-Control-Allow-Methods"] = ", ".join(sorted(set(methods) - {"HEAD"}))
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    return response


def _client_key() -> str:
    """Whose count a request is added to: its token's name, else its address."""
    token = g.get("token")
    return f"token:{token.name}" if token is not None else f"addr:{request.remote_addr}"


def _is_limited() -> bool:
    """The API and the guarded pages, once authenticated; never the health probe."""
    return (request.path.startswith(API_PREFIX) or request.endpoint in GUARDED_ENDPOINTS) \
        and request.endpoint not in UNLIMITED_ENDPOINTS


def init_app(app: Flask) -> None:
    tokens: TokenStore = app.config["TOKENS"]

    @app.before_request
    def _guard() -> Response | None:
        if not request.path.startswith(API_PREFIX) and request.endpoint not in GUARDED_ENDPOINTS:
            return None
        if request.method == "OPTIONS" and request.path.startswith(API_PREFIX):
            return _preflight()
        g.token = None if request.endpoint in PUBLIC_ENDPOINTS else authenticate(tokens, limits)
        return None

    # After _guard (before_request functions run in the order they were added), so that the
    # limit is counted for the token _guard found, and never for a preflight or a refusal.
    limits = app.extensions["vastaus_limits"] = RateLimits(app, _client_key, _is_limited)

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("Content-Security-Policy", API_CSP)
        if request.path.startswith(API_PREFIX):
            headers.setdefault("Cache-Control", "no-store")
            headers.setdefault("X-Frame-Options", "DENY")
            if _cors_patterns():
                headers.add("Vary", "Origin")
                origin = request.headers.get("Origin")
                if origin_allowed(origin, _cors_patterns()):
                    headers["Access-Control-Allow-Origin"] = origin
                    headers["Access-Control-Expose-Headers"] = "Retry-After, WWW-Authenticate"
        return response
