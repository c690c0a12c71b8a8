"""What one worker process keeps between requests: the search service, the knowledge base's
settings, and the escalation trigger matcher.

All of it follows the content by itself. The engine reopens when the index is rebuilt or
updated; the trigger matcher is rebuilt once per index generation; ``kb.yaml`` is read again
when it changes (a new language or variable needs no restart).

Shared by the worker's threads, with one lock around every use of the index: a Whoosh
searcher reads its files through shared file objects (seek, then read), and two threads
reading at once get each other's bytes (``TermNotFound``, ``struct.error``). Searching is
CPU-bound under the GIL anyway, so the lock costs little; the threads still overlap network
I/O, JSON and language detection.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from pathlib import Path

from flask import current_app

from kb.content.kbyaml import SETTINGS_FILE, KBSettings, SettingsError, load_settings
from kb.content.model import Snippet
from kb.language import detect as langdetect
from kb.search.guard import read_status
from kb.search.indexing import index_is_current
from kb.search.service import SearchService
from kb.search.triggers import Match, TriggerMatcher

log = logging.getLogger(__name__)

INDEX_CHECK_SECONDS = 0.25  # how soon a worker sees a build swapped in by another process
CACHE_SIZE = 512  # search answers remembered per worker: about 25 kB each at 10k snippets (ten results with their texts)
STALE_CHECK_SECONDS = 30.0  # walking 50,000 files takes a few tenths of a second, which a gevent worker spends waiting
LAST_GOOD = ".last-good"  # folder in the index folder holding the last kb.yaml that could be read


class Services:
    def __init__(self, responses: Path, index_dir: Path):
        self.responses, self.index_dir = Path(responses), Path(index_dir)
        self._settings_stamp = self._stamp()
        self.settings_problem: SettingsError | None = None  # kb.yaml as it is on disk, when it cannot be read
        self._settings = self._first_settings()
        self._search = SearchService(self.index_dir, self._settings, INDEX_CHECK_SECONDS)
        self._reading = threading.RLock()  # every use of the index (see the module docstring)
        self._cache: OrderedDict[tuple, dict] = OrderedDict()  # search answers, least recently used first
        self._cache_generation: tuple[int, int] | None = None
        self._matcher: tuple[int, int, TriggerMatcher] | None = None  # (service id, generation, matcher)
        self._stale: tuple[float, tuple, bool] | None = None  # (when looked, what it depended on, stale)

    def _stamp(self) -> float | None:
        try:
            return (self.responses / SETTINGS_FILE).stat().st_mtime
        except OSError:
            return None

    def _first_settings(self) -> KBSettings:
        """``kb.yaml``; when it is broken, the last one this server could read (a worker
        restarted while an editor's change is broken must not fail to start)."""
        try:
            settings = load_settings(self.responses)
        except SettingsError as problem:
            self._broken(problem)
            return load_settings(self.index_dir / LAST_GOOD)  # no copy: nothing was ever served, so fail
        self._keep_copy()
        return settings

    def _broken(self, problem: SettingsError) -> None:
        # Said once per change of the file, not per request: the problem is on /health and /version.
        log.error("%s cannot be read, the last good settings serve on: %s", SETTINGS_FILE, problem)
        self.settings_problem = problem

    def _keep_copy(self) -> None:
        """The kb.yaml just read, copied into the index folder for :meth:`_first_settings`."""
        folder = self.index_dir / LAST_GOOD
        try:
            data = (self.responses / SETTINGS_FILE).read_bytes()
            target = folder / SETTINGS_FILE
            if target.is_file() and target.read_bytes() == data:
                return
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f".{SETTINGS_FILE}.{os.getpid()}.tmp"
            tmp.write_bytes(data)
            os.replace(tmp, target)  # several workers may write it at once: each write is whole
        except OSError as exc:  # a read-only index folder: only a restart during a broken kb.yaml suffers
            log.warning("could not keep a copy of %s in %s: %s", SETTINGS_FILE, folder, exc)

    def _refresh_settings(self) -> None:
        stamp = self._stamp()
        if stamp == self._settings_stamp or stamp is None:
            return
        with self._reading:  # the one lock: no request uses the index while the service changes
            if stamp == self._settings_stamp:
                return
            try:
                settings = load_settings(self.responses)
            except SettingsError as problem:  # keep serving the old ones; try again when it changes
                self._settings_stamp = stamp
                self._broken(problem)
                return
            self.settings_problem = None
            self._keep_copy()
            self._search.close()
            self._search = SearchService(self.index_dir, settings, INDEX_CHECK_SECONDS)
            self._settings, self._settings_stamp = settings, stamp

    def problems(self) -> tuple[list[dict], int]:
        """What is wrong with the content on disk, as this server last found it: ``kb.yaml``
        (this worker read it), then the last refused reindex (any process; kb.search.guard).
        The list is shortened; the number is of them all."""
        found: list[dict] = []
        if self.settings_problem is not None:
            problem = self.settings_problem
            found.append({"path": SETTINGS_FILE, "line": problem.line, "code": "KB040", "message": problem.message})
        status = read_status(self.index_dir)
        content = [item for item in status.get("problems", []) if not (found and item.get("code") == "KB040")]
        count = len(found) + int(status.get("count", 0)) - (len(status.get("problems", [])) - len(content))
        return found + content, count

    def stale(self) -> bool:
        """True when some file of the content is newer than the index served. It walks the
        whole folder, so it is looked at again only every STALE_CHECK_SECONDS, or sooner when
        something it depends on changed: a reindex ended, kb.yaml or the index changed."""
        now = time.monotonic()
        key = (read_status(self.index_dir).get("at"), self._settings_stamp, self.index_meta().get("updated_at"))
        if self._stale is None or self._stale[1] != key or now - self._stale[0] > STALE_CHECK_SECONDS:
            self._stale = (now, key, not index_is_current(self.responses, self.index_dir))
        return self._stale[2]

    def index_changed(self) -> None:
        """This process just changed the index: look at it on the next request."""
        self._search.check_now()

    @property
    def settings(self) -> KBSettings:
        self._refresh_settings()
        return self._settings

    def _service(self) -> SearchService:
        self._refresh_settings()
        return self._search

    def search(self, query: str, lang: str | None, limit: int, channel: str | None,
               written_in: str | None = None) -> dict:
        """``SearchService.search``: the answer of ``kb search --json`` (a new dict, yours to change)."""
        with self._reading:
            return self._service().search(query, lang=lang, limit=limit, channel=channel, written_in=written_in)

    def cached_search(self, query: str, lang: str | None, limit: int, channel: str | None) -> tuple[dict, bool]:
        """Like :meth:`search`, remembered per index generation; and whether it was remembered.

        Agents handling the same incident search the same words, and a helpdesk plugin may
        ask again for what it just showed; such repeats cost a dictionary look-up instead of
        a search. An answer is never served across an index change. Do not change it.
        """
        with self._reading:
            service = self._service()
            generation = (id(service), service.generation())  # a new build or commit: a new generation
            if generation != self._cache_generation:  # answers of an older index are never used again
                self._cache.clear()
                self._cache_generation = generation
            key = (query, lang, limit, channel)
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached, True
            response = service.search(query, lang=lang, limit=limit, channel=channel)
            self._cache[key] = response
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
            return response, False

    def snippet(self, snippet_id: str) -> Snippet | None:
        with self._reading:
            return self._service().snippet(snippet_id)

    def generation(self) -> tuple[int, int]:
        """Which index answers now (a new build or commit: a new value), for what is kept per index."""
        with self._reading:
            service = self._service()
            return id(service), service.generation()

    def result(self, snippet: Snippet, lang: str, channel: str | None) -> dict:
        """*snippet* as a search result in *lang* (unscored): a reply put in the list by hand."""
        with self._reading:
            return self._service().result(snippet, lang, channel)

    def snippets(self, kind: str | None = None) -> list[Snippet]:
        with self._reading:
            return self._service().snippets(kind=kind)

    def counts(self) -> dict[str, int]:
        """How many snippets of each kind the index in service has."""
        with self._reading:
            return self._service().counts()

    def first_id(self, kind: str) -> str | None:
        with self._reading:
            return self._service().first_id(kind)

    def doc_count(self) -> int:
        with self._reading:
            return self._service().doc_count()

    def index_meta(self) -> dict:
        """The index's meta (build and update times) as the engine last read it."""
        with self._reading:
            return self._service().index_meta()

    def matcher(self) -> TriggerMatcher:
        """The trigger matcher of the index in service, built once per index generation."""
        with self._reading:
            service = self._service()
            snippets = service.snippets(kind="escalation")  # brings the generation up to date
            key = (id(service), service.generation())
            cached = self._matcher
            if cached is None or cached[:2] != key:
                cached = self._matcher = (*key, TriggerMatcher(snippets, service.settings.languages))
            return cached[2]

    def match_escalations(self, message: str) -> list[Match]:
        return self.matcher().match(message)

    def detect_language(self, message: str) -> str:
        settings = self.settings
        return langdetect.detect(message, settings.languages, settings.source_lang)

    def warm(self) -> None:
        """Load what the first request would otherwise wait for: the language detector's models
        (about 2 s), the analysers and the trigger matcher (about 1.5 s), the index's lexicons.
        Called once per worker before it serves (kb/api/server.py); a failure here (no index
        yet) is left to the first request to report."""
        self.detect_language("Hei, kiitos! Tere, aitäh! Hello, thanks!")
        self.match_escalations("warm")
        for lang in self.settings.languages:
            self.search("netti", lang=lang, limit=1, channel=None)

    def close(self) -> None:
        with self._reading:
            self._search.close()


def services() -> Services:
    """The current app's :class:`Services`."""
    return current_app.extensions["vastaus"]
