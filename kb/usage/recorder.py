"""Writing searches to the usage database in batches, in a thread of its own.

A search hands a :class:`SearchRecord` to :meth:`Recorder.record`, which only puts it on a
queue: the answer never waits for the database. The recorder's thread masks the query and
writes what has queued up every ``interval`` seconds (or sooner, when ``batch`` records
wait) in one transaction. When the database is down the batch is dropped and logged, and
searching goes on; when the queue is full (``max_pending``) new records are dropped and
counted. Nothing here ever raises into a request.

The same thread removes data older than the retention once an hour (every worker does, which
is harmless: a purge that finds nothing deletes nothing).
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
import time
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from kb.usage import schema, store
from kb.usage.db import now
from kb.usage.masking import mask

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.2
BATCH = 500
MAX_PENDING = 20_000
PURGE_SECONDS = 3600.0


def new_search_id() -> str:
    """32 hex digits: the time in milliseconds (12), then 80 random bits.

    The time lets :func:`search_id_age` tell a search that may still be on its way to the
    database (a few hundred milliseconds old) from one that does not exist.
    """
    return f"{int(time.time() * 1000):012x}{secrets.token_hex(10)}"


def search_id_age(search_id: str) -> float | None:
    """Seconds since *search_id* was made, or None when it is not one of ours."""
    if len(search_id) != schema.SEARCH_ID_LENGTH or any(ch not in "0123456789abcdef" for ch in search_id):
        return None
    return time.time() - int(search_id[:12], 16) / 1000


@dataclass(frozen=True)
class SearchRecord:
    """What is kept of one answer. ``query`` is None for a customer's message (/suggest)."""

    search_id: str
    kind: str  # search | suggest
    query: str | None
    lang: str
    detected_lang: str | None
    channel: str | None
    result_ids: tuple[str, ...]
    latency_ms: float
    incident_id: int | None = None  # the incident the answer carried (kb/incidents/)

    def row(self) -> dict:
        return {"id": self.search_id, "at": now(), "kind": self.kind,
                "query": None if self.query is None else mask(self.query)[:500],
                "lang": self.lang, "detected_lang": self.detected_lang, "channel": self.channel,
                "result_ids": "\n".join(self.result_ids), "result_count": len(self.result_ids),
                "latency_ms": round(self.latency_ms, 3), "incident_id": self.incident_id}


class Recorder:
    """A queue of search records and the thread that writes them (started on first use)."""

    def __init__(self, engine: Engine, interval: float = FLUSH_SECONDS, batch: int = BATCH,
                 max_pending: int = MAX_PENDING, retention_days: int | None = None):
        self.database, self.interval, self.batch = engine, interval, batch
        self.retention_days = retention_days
        self._purged = 0.0  # monotonic time of the last purge; the first comes with the first batch
        self._queue: queue.Queue[tuple[SearchRecord, float]] = queue.Queue(max_pending)
        self._writing = threading.Lock()  # one writer at a time: the thread, or flush()
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()
        self._stop = threading.Event()
        self.written = 0
        self.dropped = 0

    def record(self, record: SearchRecord) -> None:
        """Queue *record*; returns at once, whatever the database is doing."""
        self._ensure_thread()
        try:
            self._queue.put_nowait((record, time.time()))
        except queue.Full:
            self.dropped += 1

    def _ensure_thread(self) -> None:
        if self._thread is not None:
            return
        with self._starting:
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, name="kb-usage-recorder", daemon=True)
                self._thread.start()

    def _take(self) -> list[SearchRecord]:
        """Up to ``batch`` queued records, without waiting."""
        taken: list[SearchRecord] = []
        try:
            while len(taken) < self.batch:
                taken.append(self._queue.get_nowait()[0])
        except queue.Empty:
            pass
        return taken

    def _write(self, records: list[SearchRecord]) -> None:
        if not records:
            return
        try:
            with self.database.begin() as conn:
                conn.execute(schema.searches.insert(), [record.row() for record in records])
            self.written += len(records)
        except Exception:  # never let the database stop the recorder (or a search)
            self.dropped += len(records)
            log.exception("usage: %d search records not written", len(records))

    def _run(self) -> None:
        while not self._stop.wait(self.interval):  # let a batch gather
            self.flush()
            self._purge_now_and_then()

    def _purge_now_and_then(self) -> None:
        if not self.retention_days or (self._purged and time.monotonic() - self._purged < PURGE_SECONDS):
            return
        self._purged = time.monotonic()
        try:
            removed = store.purge(self.database, self.retention_days)
        except Exception:
            log.exception("usage: data older than %d days not removed", self.retention_days)
            return
        if any(removed.values()):
            log.info("usage: removed %(searches)d searches and %(events)d events past the retention", removed)

    def flush(self) -> None:
        """Write everything queued so far, now (the thread's own work, or a caller's who needs it written)."""
        with self._writing:
            while records := self._take():
                self._write(records)

    def close(self) -> None:
        """Stop the thread and write what is left."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.flush()
