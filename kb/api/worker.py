"""The gunicorn worker of ``kb serve``: gevent, with JSON error pages.

Why gevent: with ``gthread`` each connection being read holds one of a few threads, so
eight clients sending their headers slowly (or opening a connection and saying nothing)
locked every other request out, ``/health`` included. Under gevent a waiting connection is
a parked greenlet of a few kB, so a few hundred of them cost nothing and requests keep
being answered; searching itself is CPU work under one lock per worker anyway
(kb/api/services.py), so threads bought no parallelism.

A request's headers must arrive within the keep-alive time (gunicorn's ``gevent.Timeout``
around reading each request, 5 s in ``kb serve``): a client that stops sending them is
dropped. A body that stops arriving is not timed out: its greenlet waits, one of the
``worker_connections`` (1,000 per worker) a worker holds. A socket timeout would bound it,
but under gevent it made every static file answer slow (the panel's first page load went
from about 250 to 870 ms).

gunicorn answers what it refuses itself (a request line over the limit: 414, headers too
large: 431, a malformed request: 400) before the application sees it, with a small HTML
page. This worker answers them in the API's error shape, ``{"error": {"code", "message"}}``,
instead. What cannot be done: those messages are in English (the request's
``Accept-Language`` was never read) and carry no CORS headers.
"""

from __future__ import annotations

import json

from gunicorn import util
from gunicorn.workers.ggevent import GeventWorker

# gunicorn's refusals, by status: the code programs read (as in kb/api/errors.py) and a message.
GUNICORN_ERRORS = {
    400: ("bad_request", "The request could not be read."),
    403: ("forbidden", "The request was refused."),
    414: ("query_too_long", "The request line is too long."),
    417: ("expectation_failed", "The Expect header is not supported."),
    431: ("headers_too_large", "The request headers are too large."),
    500: ("internal_error", "Something went wrong on the server; the error was logged."),
    501: ("not_implemented", "This transfer coding is not supported."),
}


def json_error_page(status: int, reason: str) -> bytes:
    """A whole HTTP response with the API's error shape, for what gunicorn refuses itself."""
    code, message = GUNICORN_ERRORS.get(status, ("http_error", reason))
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nX-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\n\r\n")
    return head.encode("latin-1") + body


def _write_json_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """Stands in for ``gunicorn.util.write_error`` in the worker; gunicorn's *mesg* (which may
    repeat the client's bytes) is logged by gunicorn and not sent back."""
    util.write_nonblock(sock, json_error_page(int(status_int), reason))


class VastausWorker(GeventWorker):
    """gunicorn's gevent worker with JSON error pages."""

    def init_process(self) -> None:
        util.write_error = _write_json_error  # the one place gunicorn writes its error pages
        super().init_process()
