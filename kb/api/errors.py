"""One error shape for every failure: ``{"error": {"code", "message"}}`` with a 4xx/5xx status.

Messages are for people (agents, plugin developers) and are translated into the request's
``Accept-Language``; ``code`` is for programs and never changes with the language.
"""

from __future__ import annotations

import logging
import math

from flask import Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from kb.i18n import gettext

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error answer; *message* is already translated (raise it inside a request)."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None,
                 details: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}
        self.details = details or {}


def bad_request(message: str) -> ApiError:
    return ApiError(400, "bad_request", message)


def invalid(message: str, **details: object) -> ApiError:
    return ApiError(422, "invalid", message, details=details)


def not_found(message: str | None = None) -> ApiError:
    return ApiError(404, "not_found", message or gettext("There is nothing at this address."))


def rate_limited(retry_after: float) -> ApiError:
    seconds = max(1, math.ceil(retry_after))
    return ApiError(429, "rate_limited", gettext("Too many requests; try again in %(seconds)d s.") % {"seconds": seconds},
                    headers={"Retry-After": str(seconds)})


def error_response(error: ApiError) -> Response:
    body = {"error": {"code": error.code, "message": error.message, **error.details}}
    response = jsonify(body)
    response.status_code = error.status
    for name, value in error.headers.items():
        response.headers[name] = value
    return response


def _http_error(exc: HTTPException) -> ApiError:
    """Werkzeug's own errors (routing, body size, bad JSON) in our shape and language."""
    status = exc.code or 500
    if status == 404:
        return not_found()
    if status == 405:
        error = ApiError(405, "method_not_allowed", gettext("This address does not accept the %(method)s method.")
                         % {"method": request.method})
        error.headers.update({name: value for name, value in exc.get_headers() if name == "Allow"})
        return error
    if status == 413:
        return ApiError(413, "payload_too_large", gettext("The request body is too large; the limit is %(limit)d bytes.")
                        % {"limit": int(current_app.config.get("MAX_CONTENT_LENGTH") or 0)})
    if status == 415:
        return unsupported_media_type()
    if status == 400:
        return bad_request(gettext("The request could not be read."))
    return ApiError(status, "http_error", exc.description or exc.name)


def unsupported_media_type() -> ApiError:
    return ApiError(415, "unsupported_media_type",
                    gettext("Send the request body as JSON with the header Content-Type: application/json."))


def register(app: Flask) -> None:
    """Install the handlers that turn every exception into the error shape."""

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Response:
        return error_response(error)

    @app.errorhandler(HTTPException)
    def _werkzeug_error(exc: HTTPException) -> Response:
        return error_response(_http_error(exc))

    @app.after_request
    def _json_redirect(response: Response) -> Response:
        # Werkzeug answers a missing trailing slash (/plugin) with a 308 and an HTML page,
        # without asking the error handlers; the Location stays, the page becomes the shape.
        if isinstance(request.routing_exception, RequestRedirect):
            location = response.headers.get("Location", "")
            redirect = error_response(ApiError(response.status_code, "redirect",
                                               gettext("This address has moved to %(location)s.") % {"location": location},
                                               headers={"Location": location}, details={"location": location}))
            return redirect
        return response

    @app.errorhandler(FileNotFoundError)
    def _no_index(exc: FileNotFoundError) -> Response:
        # The engine raises it when there is no index (yet): the service is up, the content is not.
        log.warning("no index to answer %s: %s", request.path, exc)
        return error_response(ApiError(503, "index_unavailable",
                                       gettext("The search index is not available yet; try again shortly."),
                                       headers={"Retry-After": "5"}))

    @app.errorhandler(TimeoutError)
    def _slow_client(exc: TimeoutError) -> Response:
        # A body that did not arrive in time (a proxy's or a socket's deadline in front of the app).
        log.warning("client too slow on %s: %s", request.endpoint, exc)
        response = error_response(ApiError(408, "request_timeout", gettext("The request was not sent in time.")))
        response.headers["Connection"] = "close"
        return response

    @app.errorhandler(UnicodeError)
    def _not_unicode(exc: UnicodeError) -> Response:
        # A lone surrogate that got past the checks of kb.api.params (a path, a header): the
        # request's fault, never a 500. Logged briefly, without the text.
        log.warning("refused text that is not valid Unicode on %s: %s", request.endpoint, type(exc).__name__)
        from kb.api.params import lone_surrogate

        return error_response(bad_request(lone_surrogate()))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(ApiError(500, "internal_error",
                                       gettext("Something went wrong on the server; the error was logged.")))
