"""Indexing and searching a knowledge base, independent of the engine behind them.

``index_kb`` builds or updates the index from ``responses/``; :class:`SearchService`
answers queries with one result per snippet, shown in the language asked for.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from kb import analysis, engine
from kb.kbsettings import SETTINGS_FILE, KBSettings, load_settings
from kb.loader import SNIPPET_SUFFIX, load_kb, load_snippet_file, snippet_files
from kb.model import Snippet, snippet_from_dict, snippet_to_dict
from kb.planner import Planner
from kb.problems import Problem

ANALYSIS_VERSION = 2  # bump when kb.analysis changes what terms a text becomes
MAX_LIMIT = 50
FULL_REBUILD_SHARE = 0.5  # when more than this share changed, a full build is faster


class IndexRefused(Exception):
    """The knowledge base has errors; the index was left as it was."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} errors in the knowledge base; the index was not changed")
        self.problems = problems


@dataclass
class IndexReport:
    full: bool
    snippets: int
    changed: int
    removed: int
    seconds: float
    warnings: list[Problem] = field(default_factory=list)


def _terms(snippet: Snippet) -> dict[str, list[str]]:
    """Index terms per field; each text part is analysed once and feeds every field it belongs to."""
    terms: dict[str, list[str]] = {}
    for lang, text in snippet.texts.items():
        keywords = analysis.tokens(" . ".join(text.keywords), lang)
        title = analysis.tokens(text.title, lang)
        body = analysis.tokens(text.body + ("\n" + text.short if text.short else ""), lang)
        everything = title + keywords + body
        terms[engine.field_name(lang, "kw")] = [term for tok in keywords for term in tok.terms]
        terms[engine.field_name(lang, "title")] = [term for tok in title for term in tok.terms]
        terms[engine.field_name(lang, "body")] = [term for tok in body for term in tok.terms]
        terms[engine.field_name(lang, "trunc")] = [tok.trunc for tok in everything]
        terms[engine.field_name(lang, "parts")] = [part for tok in everything for part in tok.parts]
    return terms


def _data_and_fingerprint(snippet: Snippet) -> tuple[str, str]:
    data = json.dumps(snippet_to_dict(snippet), ensure_ascii=False, sort_keys=True)
    return data, hashlib.sha1(f"{ANALYSIS_VERSION}:{data}".encode()).hexdigest()


def to_index_doc(snippet: Snippet) -> engine.IndexDoc:
    data, fingerprint = _data_and_fingerprint(snippet)
    return engine.IndexDoc(snippet.id, snippet.kind, snippet.channels, fingerprint, data, _terms(snippet))


def _settings_fingerprint(settings: KBSettings) -> str:
    return hashlib.sha1(json.dumps([sorted(settings.languages), settings.source_lang]).encode()).hexdigest()


def _file_stats(root: Path) -> dict[str, list[int]]:
    """``relative path -> [mtime_ns, size]`` of every file of the knowledge base."""
    stats = {}
    for path in snippet_files(root):
        st = path.stat()
        stats[path.relative_to(root).as_posix()] = [st.st_mtime_ns, st.st_size]
    return stats


def _settings_stat(root: Path) -> list[int]:
    st = (Path(root) / SETTINGS_FILE).stat()
    return [st.st_mtime_ns, st.st_size]


def index_kb(root: Path, index_dir: Path, full: bool = False) -> IndexReport:
    """Bring the index in line with *root*: an update when possible, else a full build.

    An update reads only the files whose size or modification time changed since the index
    last saw them (recorded in its meta), so one edited snippet in a large knowledge base
    is indexed in well under a second; anything else falls back to reading everything.
    """
    started = time.perf_counter()
    root = Path(root)
    old = engine.read_meta(index_dir)
    if not full and old is not None and old.get("settings_stat") == _settings_stat(root) \
            and old.get("analysis_version") == ANALYSIS_VERSION and old.get("analysis") == analysis.describe() \
            and "files" in old:
        report = _update_changed_files(root, Path(index_dir), old, started)
        if report is not None:
            return report
    kb = load_kb(root)
    if kb.errors:
        raise IndexRefused(kb.errors)
    meta = {
        "analysis_version": ANALYSIS_VERSION,
        "analysis": analysis.describe(),
        "settings": _settings_fingerprint(kb.settings),
        "settings_stat": _settings_stat(root),
        "languages": list(kb.settings.languages),
        "snippets": len(kb.snippets),
        "responses": str(root.resolve()),
        "files": _file_stats(root),
        "ids": {s.path.relative_to(root).as_posix(): s.id for s in kb.snippets.values() if s.path},
    }
    compatible = old is not None and all(old.get(key) == meta[key] for key in ("analysis_version", "analysis", "settings"))
    if compatible and not full:
        stored = engine.stored_fingerprints(index_dir)
        # Only changed snippets are analysed: the fingerprint needs the data alone.
        changed_ids = [sid for sid, s in kb.snippets.items() if stored.get(sid) != _data_and_fingerprint(s)[1]]
        removed = [sid for sid in stored if sid not in kb.snippets]
        if len(changed_ids) + len(removed) <= FULL_REBUILD_SHARE * max(len(stored), 1):
            engine.update(index_dir, [to_index_doc(kb.snippets[sid]) for sid in changed_ids], removed, meta)
            return IndexReport(False, len(kb.snippets), len(changed_ids), len(removed), time.perf_counter() - started,
                               kb.warnings)
    docs_iter = (to_index_doc(snippet) for snippet in kb.snippets.values())
    engine.build(index_dir, kb.settings.languages, docs_iter, meta)
    return IndexReport(True, len(kb.snippets), len(kb.snippets), 0, time.perf_counter() - started, kb.warnings)


def _update_changed_files(root: Path, index_dir: Path, old: dict, started: float) -> IndexReport | None:
    """The fast path of :func:`index_kb`; None when it cannot decide alone (then all is read)."""
    files = _file_stats(root)
    known_ids: dict[str, str] = dict(old.get("ids", {}))
    changed = [rel for rel, stat in files.items() if old["files"].get(rel) != stat]
    gone = [rel for rel in old["files"] if rel not in files]
    if len(changed) + len(gone) > FULL_REBUILD_SHARE * max(len(known_ids), 1):
        return None
    settings = load_settings(root)
    problems, docs, removed = [], [], [known_ids.pop(rel) for rel in gone if rel in known_ids]
    snippets: dict[str, Snippet] = {}
    for rel in changed:
        path = root / rel
        if path.suffix != SNIPPET_SUFFIX:
            continue
        snippet, found, declared = load_snippet_file(root, path, settings)
        problems += found
        previous = known_ids.pop(rel, None)
        if previous is not None and (snippet is None or previous != snippet.id):
            removed.append(previous)
        if snippet is not None:
            snippets[rel] = snippet
    errors = [p for p in problems if p.is_error]
    taken = set(known_ids.values())
    errors += [Problem(root / rel, 1, "KB015", f"id {s.id!r} is already declared by another file")
               for rel, s in snippets.items() if s.id in taken]
    if errors:
        raise IndexRefused(errors)
    for rel, snippet in snippets.items():
        known_ids[rel] = snippet.id
        docs.append(to_index_doc(snippet))
    if docs or removed:
        engine.update(index_dir, docs, removed, {"files": files, "ids": known_ids, "snippets": len(known_ids)})
    warnings = [p for p in problems if not p.is_error]
    return IndexReport(False, len(known_ids), len(docs), len(removed), time.perf_counter() - started, warnings)


def index_is_current(root: Path, index_dir: Path) -> bool:
    """True when an index exists and no snippet file is newer than its last update."""
    meta = engine.read_meta(index_dir)
    if meta is None:
        return False
    newest = max((p.stat().st_mtime for p in Path(root).rglob("*") if p.is_file()), default=0)
    return newest <= meta.get("updated_at", 0)


class SearchService:
    """Answers searches from one index. Not thread-safe (Whoosh searchers are not): the API
    serialises every use with one lock per worker (kb/api/services.py)."""

    def __init__(self, index_dir: Path, settings: KBSettings, check_interval: float = 0.0):
        self.engine = engine.Engine(index_dir, check_interval)
        self.settings = settings
        self.planner = Planner(self.engine, settings.languages)
        self._snippets: dict[str, Snippet] = {}
        self._generation = -1
        self._all: list[Snippet] | None = None
        self._all_generation = -1

    def _snippet(self, hit: engine.Hit) -> Snippet:
        if self._generation != self.engine.generation:
            self._snippets, self._generation = {}, self.engine.generation
        snippet = self._snippets.get(hit.id)
        if snippet is None:
            snippet = self._snippets[hit.id] = snippet_from_dict(json.loads(hit.data))
        return snippet

    def snippet(self, snippet_id: str) -> Snippet | None:
        """One snippet as the index has it (the index is what agents are served)."""
        data = self.engine.get(snippet_id)
        return None if data is None else snippet_from_dict(json.loads(data))

    def snippets(self, kind: str | None = None) -> list[Snippet]:
        """Every snippet in the index (of *kind*), cached until the index changes."""
        self.engine.searcher()  # brings the generation up to date
        if self._all is None or self._all_generation != self.engine.generation:
            self._all = [snippet_from_dict(json.loads(d)) for d in self.engine.all_data()]
            self._all_generation = self.engine.generation
        return [s for s in self._all if kind is None or s.kind == kind]

    def search(self, query: str, lang: str | None = None, limit: int = 10, channel: str | None = None,
               kinds: tuple[str, ...] | None = None) -> dict:
        lang = lang or self.settings.source_lang
        if lang not in self.settings.languages:
            raise ValueError(f"unknown language {lang!r}; use one of {', '.join(self.settings.languages)}")
        if channel is not None and channel not in self.settings.channels:
            raise ValueError(f"unknown channel {channel!r}; use one of {', '.join(self.settings.channels)}")
        limit = max(1, min(int(limit), MAX_LIMIT))
        plan = self.planner.plan(query)
        hits = self.engine.search(plan.clauses, limit, channel=channel, kinds=kinds)
        results = [self.result(self._snippet(hit), lang, channel, hit.score) for hit in hits]
        return {"query": query, "lang": lang, "channel": channel, "words": plan.words, "results": results}

    def result(self, snippet: Snippet, lang: str, channel: str | None, score: float | None = None) -> dict:
        text = snippet.text_for(lang)
        limit = self.settings.channels.get(channel) if channel else None
        use_short = limit is not None and text.short is not None
        return {
            "id": snippet.id,
            "lang": text.lang,
            "requested_lang": lang,
            "fallback": text.lang != lang,
            "title": text.title,
            "body": text.short if use_short else text.body,
            "variant": "short" if use_short else "body",
            "score": None if score is None else round(score, 4),
            "kind": snippet.kind,
            "version": snippet.version,
            "stale": snippet.is_stale(text.lang),
            "source_lang": snippet.source_lang,
            "channels": list(snippet.channels),
            "tags": list(snippet.tags),
            "approval": None if snippet.approval is None else vars(snippet.approval).copy(),
        }

    def close(self) -> None:
        self.engine.close()
