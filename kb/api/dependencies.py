"""What ``/health`` says about the services a replica shares with the others: the usage
database and the rate limits' storage (Redis).

A load balancer asks for ``/health`` every second or so, and a replica whose database is down
must keep answering it (and searching) at once. So the checks never run in the request: a
thread of each worker, started by the first ``/health``, checks both every ``PROBE_SECONDS``
(``SELECT 1``, Redis ``PING``, each bounded by its driver's timeout) and ``/health`` reports
the last result with its age. Until the first check is done, ``reachable`` is ``null``.
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
from collections.abc import Callable

from flask import Flask
from sqlalchemy import text

from kb.api.ratelimit import safe_storage_url
from kb.usage.db import resolve_url, safe_url

log = logging.getLogger(__name__)

PROBE_SECONDS = 5.0


def _check(probe: Callable[[], bool]) -> dict:
    started = time.perf_counter()
    try:
        reachable, error = bool(probe()), None
    except Exception as exc:  # whatever the driver raises: the check says so, /health stays up
        reachable, error = False, str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    result = {"reachable": reachable, "latency_ms": round((time.perf_counter() - started) * 1000, 2),
              "checked_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")}
    if error or not reachable:
        result["error"] = error or "no answer"
    return result


class Probe:
    """This worker's view of the database and Redis, refreshed in the background."""

    def __init__(self, app: Flask):
        self.app = app
        usage = app.extensions["vastaus_usage"]
        limits = app.extensions["vastaus_limits"]
        self.database_url = safe_url(resolve_url(usage.url, usage.index_dir))
        self.storage_url = safe_storage_url(limits.storage_uri)
        self._results: dict[str, dict] = {}
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def _database(self) -> bool:
        engine = self.app.extensions["vastaus_usage"].engine()  # opens it when it could not be opened before
        if engine is None:
            raise ConnectionError("cannot be opened (see the log)")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True

    def _storage(self) -> bool:
        return self.app.extensions["vastaus_limits"].ping()

    def check_now(self) -> None:
        self._results = {"database": _check(self._database), "rate_limits": _check(self._storage)}

    def _run(self) -> None:
        while True:
            self.check_now()
            time.sleep(PROBE_SECONDS)

    def report(self) -> dict:
        """The last results (``reachable: null`` before the first), starting the checks when needed."""
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="kb-health-probe", daemon=True)
                    self._thread.start()
        empty = {"reachable": None}
        usage = self.app.extensions["vastaus_usage"]
        limits = self.app.extensions["vastaus_limits"]
        return {
            "database": {"url": self.database_url, **self._results.get("database", empty)},
            "rate_limits": {"storage": self.storage_url, "shared": limits.shared,
                            **self._results.get("rate_limits", empty)},
            "usage": usage.status(),
        }


def probe(app: Flask) -> Probe:
    """The app's probe, made on first use (in the worker, after any fork)."""
    found = app.extensions.get("vastaus_probe")
    if found is None:
        found = app.extensions["vastaus_probe"] = Probe(app)
    return found
