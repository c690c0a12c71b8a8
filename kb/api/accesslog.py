"""The access log: one line per request on the ``kb.access`` logger, for operators.

It names the token (``token=zendesk-plugin``), never its secret, and the route's path
without the query string: ``q`` and the bodies carry what customers wrote, which is never
stored (see the privacy rules in docs/operators). gunicorn's own access log stays off, as
it would write the query string. The client's address is logged as the server saw it (the
proxy's, behind one).
"""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request

log = logging.getLogger("kb.access")


def init_app(app: Flask) -> None:
    @app.before_request
    def _started() -> None:
        g.access_started = time.perf_counter()

    @app.after_request
    def _log(response: Response) -> Response:
        started = g.get("access_started")
        milliseconds = (time.perf_counter() - started) * 1000 if started is not None else 0.0
        token = g.get("token")
        log.info("%s %s %s %.1fms token=%s addr=%s", request.method, request.path, response.status_code, milliseconds,
                 token.name if token is not None else "-", request.remote_addr or "-")
        return response
