"""The search engine: the only module that imports Whoosh.

Its small interface is :func:`build`, :func:`update`, :class:`Engine` (``search``, ``vocabulary``,
``get``, ``all_data``) and the :class:`Clause` list a query plan is made of.
Everything about language lives in :mod:`kb.analysis` and :mod:`kb.planner`; replacing
Whoosh means rewriting this module only.

On disk an index folder holds ``builds/<stamp>/`` (one Whoosh index each) and ``current``,
a symlink to the build in service. A full build writes a new build folder and then swaps
the symlink atomically, so readers never see a half-built index and a failed build leaves
the previous one serving. An update changes the current build in place through Whoosh's
own atomic commit.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from whoosh import analysis as wa
from whoosh import fields, index, query, scoring
from whoosh.searching import Searcher

FIELD_KINDS = ("kw", "title", "body", "trunc", "parts")
META_FILE = "meta.json"
CURRENT = "current"
BUILDS = "builds"
KEEP_BUILDS = 2


@dataclass(frozen=True)
class IndexDoc:
    """One snippet as the engine stores it: terms per ``<lang>_<kind>`` field, and data."""

    id: str
    kind: str
    channels: tuple[str, ...]
    fingerprint: str
    data: str  # JSON of the snippet, returned with hits
    terms: dict[str, list[str]]  # field name -> analysed terms


@dataclass(frozen=True)
class Clause:
    """One weighted term of a query. Expansions (prefix, typo, compound) are made by the
    planner from :meth:`Engine.vocabulary`, so the engine only ever matches exact terms."""

    field: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class Hit:
    id: str
    score: float
    data: str


def field_name(lang: str, kind: str) -> str:
    return f"{lang}_{kind}"


def make_schema(languages: Iterable[str]) -> fields.Schema:
    # Terms arrive already analysed by kb.analysis: the engine splits on spaces only.
    terms = wa.SpaceSeparatedTokenizer()
    schema = fields.Schema(
        id=fields.ID(unique=True, stored=True),
        kind=fields.ID(),
        channels=fields.KEYWORD(),
        fingerprint=fields.STORED(),
        data=fields.STORED(),
    )
    for lang in languages:
        for kind in FIELD_KINDS:
            schema.add(field_name(lang, kind), fields.TEXT(analyzer=terms, phrase=False))
    return schema


def _document(doc: IndexDoc) -> dict:
    return {
        "id": doc.id,
        "kind": doc.kind,
        "channels": " ".join(doc.channels),
        "fingerprint": doc.fingerprint,
        "data": doc.data,
        **{name: " ".join(terms) for name, terms in doc.terms.items()},
    }


def _write_meta(build_dir: Path, meta: dict) -> None:
    tmp = build_dir / (META_FILE + ".tmp")
    tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, build_dir / META_FILE)


def current_build(index_dir: Path) -> Path | None:
    link = Path(index_dir) / CURRENT
    if not link.is_symlink() and not link.exists():
        return None
    target = link.resolve()
    return target if (target / META_FILE).is_file() else None


def read_meta(index_dir: Path) -> dict | None:
    build = current_build(index_dir)
    return json.loads((build / META_FILE).read_text(encoding="utf-8")) if build else None


def build(index_dir: Path, languages: Iterable[str], docs: Iterable[IndexDoc], meta: dict) -> Path:
    """Write a complete new index beside the current one and swap it in atomically."""
    index_dir = Path(index_dir)
    builds = index_dir / BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{time.time_ns() % 1_000_000_000:09d}"
    build_dir = builds / stamp
    build_dir.mkdir()
    try:
        ix = index.create_in(str(build_dir), make_schema(languages))
        writer = ix.writer(limitmb=256, compound=False)
        try:
            for doc in docs:
                writer.add_document(**_document(doc))
        except BaseException:
            writer.cancel()
            raise
        writer.commit(optimize=True)
        ix.close()
        _write_meta(build_dir, {**meta, "built_at": time.time(), "updated_at": time.time()})
        _swap_current(index_dir, build_dir)
    except BaseException:
        shutil.rmtree(build_dir, ignore_errors=True)
        raise
    _remove_old_builds(builds, keep=build_dir)
    return build_dir


def _swap_current(index_dir: Path, build_dir: Path) -> None:
    tmp_link = index_dir / f".{CURRENT}.{os.getpid()}.tmp"
    if tmp_link.is_symlink():
        tmp_link.unlink()
    os.symlink(Path(BUILDS) / build_dir.name, tmp_link)
    os.replace(tmp_link, index_dir / CURRENT)  # atomic on POSIX


def _remove_old_builds(builds: Path, keep: Path) -> None:
    # Keep the previous build too: a reader may still be opening it.
    old = sorted(path for path in builds.iterdir() if path != keep)
    for path in old[: max(len(old) - (KEEP_BUILDS - 1), 0)]:
        shutil.rmtree(path, ignore_errors=True)


def stored_fingerprints(index_dir: Path) -> dict[str, str]:
    """``id -> fingerprint`` of every snippet in the current build."""
    build_dir = current_build(index_dir)
    if build_dir is None:
        return {}
    ix = index.open_dir(str(build_dir))
    with ix.reader() as reader:
        return {fields_["id"]: fields_["fingerprint"] for _, fields_ in reader.iter_docs()}


def update(index_dir: Path, changed: Iterable[IndexDoc], removed: Iterable[str], meta: dict) -> int:
    """Apply changed and removed snippets to the current build; return how many docs changed."""
    build_dir = current_build(index_dir)
    if build_dir is None:
        raise FileNotFoundError(f"no index in {index_dir}; build it first")
    ix = index.open_dir(str(build_dir))
    writer = ix.writer(limitmb=128, compound=False)
    count = 0
    try:
        for snippet_id in removed:
            count += writer.delete_by_term("id", snippet_id)
        for doc in changed:
            writer.update_document(**_document(doc))
            count += 1
    except BaseException:
        writer.cancel()
        raise
    writer.commit(merge=True)
    ix.close()
    old = read_meta(index_dir) or {}
    _write_meta(build_dir, {**old, **meta, "updated_at": time.time()})
    return count


class Engine:
    """A reader of the current build, reopened when the build is swapped or updated.

    One per process (per worker): opening a Whoosh searcher is costly, refreshing is cheap.
    """

    def __init__(self, index_dir: Path, check_interval: float = 0.0):
        """*check_interval*: seconds between looks at the disk for a new build or commit.

        0 (the CLI, tests) looks on every call; the API uses a fraction of a second, since
        every look costs several system calls and a service answers hundreds of requests a
        second. :meth:`check_now` forces the next call to look (after a reload in-process).
        """
        self.index_dir = Path(index_dir)
        self.check_interval = check_interval
        self._checked = 0.0
        self._lock = threading.Lock()
        self._build: Path | None = None
        self._searcher: Searcher | None = None
        self._retired: Searcher | None = None
        self._vocab: dict[str, dict[str, int]] = {}
        self.meta: dict = {}
        self.generation = 0

    def check_now(self) -> None:
        self._checked = 0.0

    def _current(self) -> Searcher:
        now = time.monotonic()
        searcher = self._searcher
        if searcher is not None and now - self._checked < self.check_interval:
            return searcher
        self._checked = now
        build_dir = current_build(self.index_dir)
        if build_dir is None:
            raise FileNotFoundError(f"no search index in {self.index_dir}; run `kb index`")
        with self._lock:
            stale = self._searcher is None or build_dir != self._build or not self._searcher.up_to_date()
            if stale:
                # A fresh searcher, not Searcher.refresh(): refresh reuses segment readers and
                # so misses deletions committed to an existing segment.
                old = self._searcher
                self._searcher = index.open_dir(str(build_dir)).searcher(weighting=scoring.BM25F())
                self._build = build_dir
                self._changed(build_dir)
                # Requests in flight may still use the old searcher: close it one swap later.
                if self._retired is not None:
                    self._retired.close()
                self._retired = old
            return self._searcher

    def _changed(self, build_dir: Path) -> None:
        self._vocab = {}
        self.meta = json.loads((build_dir / META_FILE).read_text(encoding="utf-8"))
        self.generation += 1

    def searcher(self) -> Searcher:
        return self._current()

    def doc_count(self) -> int:
        return self._current().doc_count()

    def vocabulary(self, field: str) -> dict[str, int]:
        """Every term of *field* with its document frequency, held in memory per index version.

        Whoosh looks terms up on disk in pure Python (about a millisecond each); the planner
        asks for hundreds per query, so it reads the whole lexicon once instead.
        """
        searcher = self._current()
        terms = self._vocab.get(field)
        if terms is None:
            reader = searcher.reader()
            terms = {} if field not in searcher.schema else {
                term.decode("utf-8"): info.doc_frequency() for term, info in reader.iter_field(field)}
            self._vocab[field] = terms
        return terms

    def search(self, clauses: list[Clause], limit: int, channel: str | None = None,
               kinds: tuple[str, ...] | None = None) -> list[Hit]:
        if not clauses:
            return []
        searcher = self._current()
        parts = [query.Term(clause.field, clause.text, boost=clause.boost) for clause in clauses]
        filters = []
        if channel:
            filters.append(query.Term("channels", channel))
        if kinds:
            filters.append(query.Or([query.Term("kind", kind) for kind in kinds]))
        results = searcher.search(query.Or(parts), limit=limit, filter=query.And(filters) if filters else None)
        return [Hit(hit["id"], hit.score, hit["data"]) for hit in results]

    def get(self, snippet_id: str) -> str | None:
        """Stored data of one snippet, or None."""
        stored = self._current().document(id=snippet_id)
        return stored["data"] if stored else None

    def all_data(self) -> list[str]:
        """Stored data of every snippet (for the small sets that need them all, e.g. escalations)."""
        return [stored["data"] for stored in self._current().documents()]

    def close(self) -> None:
        with self._lock:
            for searcher in (self._searcher, self._retired):
                if searcher is not None:
                    searcher.close()
            self._searcher = self._retired = None
