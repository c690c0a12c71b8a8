"""Writing searches to the usage database in batches, in a thread of its own.

A search hands a :class:`SearchRecord` to :meth:`Recorder.record`, which only puts it on a
queue: the answer never waits for the database. The recorder's thread masks the query and
writes what has queued up every ``interval`` seconds (or sooner, when ``batch`` records
wait) in one transaction. When the database is down the records are held and written when
it answers again (tried every ``RETRY_SECONDS``); beyond ``max_pending`` records held and
queued, new ones are dropped, counted (``dropped``, and ``on_drop`` for the metrics) and
logged at most once every ``WARN_SECONDS``. Searching goes on meanwhile: nothing here ever
raises into a request or makes it wait.

The same thread removes data older than the retention once an hour (every worker does, which
is harmless: a purge that finds nothing deletes nothing).
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
import time
from collections.abc import Callable
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
RETRY_SECONDS = 2.0  # a database that failed is tried again this often, not every FLUSH_SECONDS
WARN_SECONDS = 30.0  # at most one warning about dropped records this often


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
                 max_pending: int = MAX_PENDING, retention_days: int | None = None,
                 on_drop: Callable[[int], None] | None = None):
        self.database, self.interval, self.batch = engine, interval, batch
        self.retention_days = retention_days
        self.max_pending = max_pending
        self.on_drop = on_drop
        self._held: list[SearchRecord] = []  # taken from the queue, not written yet: the database failed
        self._failing_since: float | None = None  # monotonic time of the first failure of this outage
        self._retry_at = 0.0
        self._warned = 0.0
        self._dropped_unwarned = 0
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
        if len(self._held) + self._queue.qsize() >= self.max_pending:
            self._drop(1)
            return
        try:
            self._queue.put_nowait((record, time.time()))
        except queue.Full:
            self._drop(1)

    def _drop(self, count: int) -> None:
        """Count *count* records lost; warn now and then (never once per record)."""
        self.dropped += count
        self._dropped_unwarned += count
        if self.on_drop is not None:
            try:
                self.on_drop(count)
            except Exception:  # a metric must not stop the recorder
                log.exception("usage: could not count dropped records")
        if time.monotonic() - self._warned >= WARN_SECONDS:
            self._warned = time.monotonic()
            log.warning("usage: %d search records dropped (%d in all): the database has not answered for %.0f s "
                        "and this worker holds no more than %d", self._dropped_unwarned, self.dropped,
                        time.monotonic() - (self._failing_since or time.monotonic()), self.max_pending)
            self._dropped_unwarned = 0

    @property
    def held(self) -> int:
        """Records waiting for the database: held after a failure, and queued."""
        return len(self._held) + self._queue.qsize()

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

    def _write(self, records: list[SearchRecord]) -> bool:
        """Write *records* in one transaction; False (and nothing written) when the database failed."""
        if not records:
            return True
        try:
            with self.database.begin() as conn:
                conn.execute(schema.searches.insert(), [record.row() for record in records])
        except Exception as exc:  # never let the database stop the recorder (or a search)
            if self._failing_since is None:
                self._failing_since = time.monotonic()
                log.warning("usage: the database did not take %d search records (%s); holding them and trying "
                            "again every %.0f s", len(records), str(exc).splitlines()[0][:300], RETRY_SECONDS)
            self._retry_at = time.monotonic() + RETRY_SECONDS
            return False
        self.written += len(records)
        if self._failing_since is not None:
            log.info("usage: the database answers again after %.0f s", time.monotonic() - self._failing_since)
            self._failing_since = None
        return True

    def _hold(self, records: list[SearchRecord]) -> None:
        """Keep *records* for the next try, the newest ones when there are too many."""
        self._held.extend(records)
        room = max(self.max_pending - self._queue.qsize(), 0)
        if len(self._held) > room:
            excess = len(self._held) - room
            del self._held[:excess]
            self._drop(excess)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):  # let a batch gather
            if self._failing_since is None or time.monotonic() >= self._retry_at:
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
            if self._held:
                held, self._held = self._held, []
                for start in range(0, len(held), self.batch):
                    if not self._write(held[start:start + self.batch]):
                        self._hold(held[start:])
                        return
            while records := self._take():
                if not self._write(records):
                    self._hold(records)
                    return

    def close(self) -> None:
        """Stop the thread and write what is left."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.flush()
        lost = len(self._held) + len(self._take_all())
        if lost:  # the database is still down: what is left is lost, and said so
            self._warned, self._held = 0.0, []
            self._drop(lost)

    def _take_all(self) -> list[SearchRecord]:
        taken: list[SearchRecord] = []
        while batch := self._take():
            taken.extend(batch)
        return taken
