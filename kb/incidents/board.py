"""What one worker knows of the current incidents: read from the database every few seconds.

A search never waits for the database: :meth:`Board.current` returns what the board's thread
read last (at most :data:`POLL_SECONDS` old, so an incident declared on another worker or
replica shows within seconds). When the database cannot be read, the incidents read last
stay for :data:`GRACE_SECONDS` (a hiccup does not end an incident for agents) and then the
board is empty: outage mode is off, searching goes on, and the log says so once.
"""

from __future__ import annotations

import datetime
import logging
import os
import threading
import time
from collections.abc import Callable

from sqlalchemy.engine import Engine

from kb.incidents import store
from kb.incidents.store import Incident
from kb.usage.db import now

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0
GRACE_SECONDS = 60.0
FIRST_READ_SECONDS = 1.0  # a worker's first search waits this long at most for the first read


class Board:
    """The current incidents of this worker, refreshed by a thread of its own (started on first use)."""

    def __init__(self, database: Callable[[], Engine | None], wind_down: datetime.timedelta,
                 poll_seconds: float = POLL_SECONDS):
        self.database, self.wind_down, self.poll_seconds = database, wind_down, poll_seconds
        self._incidents: list[Incident] = []
        self._read_at = 0.0  # monotonic time of the last good read
        self._failing = False
        self._thread: threading.Thread | None = None
        self._pid = 0  # the process the thread runs in: a worker forked from the master starts its own
        self._starting = threading.Lock()
        self._stop = threading.Event()
        self._first_read = threading.Event()

    def current(self) -> list[Incident]:
        """Active incidents (newest first), then those winding down; never waits for the database."""
        self._ensure_thread()
        self._first_read.wait(FIRST_READ_SECONDS)  # at once after the first read
        if self._failing and time.monotonic() - self._read_at > GRACE_SECONDS:
            return []
        return store.ordered(self._incidents, self.wind_down, now())

    def refresh(self) -> bool:
        """Read the incidents now (the thread's work; also after this worker changed one); False
        when the database could not be read."""
        try:
            engine = self.database()
            if engine is None:
                raise ConnectionError("the usage database is not open")
            incidents = store.current(engine, self.wind_down)
        except Exception as exc:  # never let the database stop the board (or a search)
            if not self._failing:
                log.error("incidents: cannot read the current incidents, outage mode is off until the database "
                          "answers again: %s", exc)
            self._failing = True
            return False
        if self._failing:
            log.info("incidents: the database answers again; %d current incidents", len(incidents))
        self._incidents, self._read_at, self._failing = incidents, time.monotonic(), False
        return True

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._pid == os.getpid():
            return
        with self._starting:
            if (self._thread is None or self._pid != os.getpid()) and not self._stop.is_set():
                self._first_read.clear()
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name="kb-incidents", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.refresh()
            self._first_read.set()  # read or failed: a search waits no longer
            self._stop.wait(self.poll_seconds)

    def close(self) -> None:
        self._stop.set()
