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
import math
import multiprocessing
import os
import shutil
import threading
import time
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import analysis as wa
from whoosh import fields, formats, index
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

# Per language: "text" holds every word's terms weighted by where they stand (see
# kb.search.TEXT_WEIGHTS), "trunc" their truncations, "parts" their compound members.
FIELD_KINDS = ("text", "trunc", "parts")
META_FILE = "meta.json"
VOCABULARY_FILE = "vocabulary.json"
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
    terms: dict[str, list[tuple[str, float]]]  # field name -> every occurrence of a term, with its weight


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


class WeightedTerms(fields.FieldType):
    """A field whose value is already analysed: ``[(term, weight), ...]``, one pair per
    occurrence. Whoosh stores each term's summed weight as the term frequency BM25 scores,
    so a keyword counts for more than a word of the body within one field (BM25F's
    weighted term frequency), and the field length is the number of occurrences."""

    def __init__(self) -> None:
        self.format = formats.Frequency()
        self.analyzer = wa.SpaceSeparatedTokenizer()  # never used to index: values arrive analysed
        self.scorable = True

    def index(self, value, **kwargs):
        counts: dict[str, int] = {}
        weights: dict[str, float] = {}
        for term, weight in value:
            counts[term] = counts.get(term, 0) + 1
            weights[term] = weights.get(term, 0.0) + weight
        for term, count in counts.items():
            yield term.encode("utf-8"), count, weights[term], pack_uint(count)


def make_schema(languages: Iterable[str]) -> fields.Schema:
    schema = fields.Schema(
        id=fields.ID(unique=True, stored=True),
        kind=fields.ID(),
        channels=fields.KEYWORD(),
        fingerprint=fields.STORED(),
        data=fields.STORED(),
    )
    for lang in languages:
        for kind in FIELD_KINDS:
            schema.add(field_name(lang, kind), WeightedTerms())
    return schema


def _document(doc: IndexDoc) -> dict:
    return {
        "id": doc.id,
        "kind": doc.kind,
        "channels": " ".join(doc.channels),
        "fingerprint": doc.fingerprint,
        "data": doc.data,
        **{name: terms for name, terms in doc.terms.items() if terms},
    }


def _write_meta(build_dir: Path, meta: dict) -> None:
    tmp = build_dir / (META_FILE + ".tmp")
    tmp.write_text(json.dumps(meta, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
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


# A source of documents: a picklable callable returning a generator that yields IndexDocs and
# returns a summary (whatever the caller wants back from it, e.g. the problems it found).
DocSource = Callable[[], Generator[IndexDoc, None, Any]]


Vocabulary = dict[str, dict[str, int]]  # field -> term -> how many documents have it


def _count_terms(vocabulary: Vocabulary, doc: IndexDoc) -> None:
    for name, terms in doc.terms.items():
        counts = vocabulary.setdefault(name, {})
        for term in {term for term, _ in terms}:
            counts[term] = counts.get(term, 0) + 1


def _merge_vocabularies(into: Vocabulary, other: Vocabulary) -> Vocabulary:
    for name, counts in other.items():
        merged = into.setdefault(name, {})
        for term, count in counts.items():
            merged[term] = merged.get(term, 0) + count
    return into


def _write_vocabulary(build_dir: Path, vocabulary: Vocabulary) -> None:
    """The build's lexicon with document frequencies, beside it: reading it back from Whoosh
    takes seconds at 10,000 snippets (a Python object per term), this file milliseconds.
    Like Whoosh's and Lucene's own counts, it keeps counting deleted documents until the
    next full build; a term only they had finds nothing, which costs nothing."""
    tmp = build_dir / (VOCABULARY_FILE + ".tmp")
    tmp.write_text(json.dumps(vocabulary, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, build_dir / VOCABULARY_FILE)


def _read_vocabulary(build_dir: Path) -> Vocabulary | None:
    try:
        return json.loads((build_dir / VOCABULARY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_source(writer, source: DocSource, vocabulary: Vocabulary) -> Any:
    docs = source()
    while True:
        try:
            doc = next(docs)
        except StopIteration as done:
            return done.value
        writer.add_document(**_document(doc))
        _count_terms(vocabulary, doc)


def _write_segment(build_dir: str, source: DocSource) -> tuple[Any, Any, Vocabulary]:
    """In a worker process: write one source's documents as one new segment of the build.

    Whoosh's own multiprocessing writer does the same with its SegmentWriter, but feeds it
    from the parent; here the source itself (reading and analysing files) runs in the worker,
    and the parent only lists the finished segments. The worker's temporary files get their
    own folder: Whoosh names them after the index, which every worker shares.
    """
    ix = index.open_dir(build_dir)
    writer = SegmentWriter(ix, _lk=False, limitmb=512, compound=False)
    vocabulary: Vocabulary = {}
    try:
        summary = _write_source(writer, source, vocabulary)
        segment = writer._finalize_segment()
    except BaseException:
        writer._close_segment()
        raise
    return segment, summary, vocabulary


def build(index_dir: Path, languages: Iterable[str], sources: list[DocSource], meta: dict,
          accept: Callable[[list[Any]], dict] | None = None, jobs: int = 1) -> Path:
    """Write a complete new index beside the current one and swap it in atomically.

    Each source's summary goes to *accept*, which may raise to abandon the build (the
    current one keeps serving) or return more meta. With ``jobs > 1`` each source is
    written in its own process as its own segment, and the segments are not merged: the
    searcher reads every segment, and merging would cost as much as writing them.
    """
    index_dir = Path(index_dir)
    builds = index_dir / BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{time.time_ns() % 1_000_000_000:09d}"
    build_dir = builds / stamp
    build_dir.mkdir()
    try:
        ix = index.create_in(str(build_dir), make_schema(languages))
        if jobs > 1 and len(sources) > 1:
            context = multiprocessing.get_context("spawn")  # never fork a threaded process
            with ProcessPoolExecutor(max_workers=min(jobs, len(sources)), mp_context=context) as pool:
                results = list(pool.map(_write_segment, [str(build_dir)] * len(sources), sources))
            more_meta = accept([summary for _, summary, _ in results]) if accept else {}
            vocabulary: Vocabulary = {}
            for _, _, counts in results:
                _merge_vocabularies(vocabulary, counts)
            writer = ix.writer()
            writer._close_segment()
            writer._commit_toc([segment for segment, _, _ in results])
            writer._finish()
        else:
            writer = ix.writer(limitmb=256, compound=False)
            vocabulary = {}
            try:
                summaries = [_write_source(writer, source, vocabulary) for source in sources]
                more_meta = accept(summaries) if accept else {}
            except BaseException:
                writer.cancel()
                raise
            writer.commit(optimize=True)
        ix.close()
        _write_vocabulary(build_dir, vocabulary)
        _write_meta(build_dir, {**meta, **(more_meta or {}), "built_at": time.time(), "updated_at": time.time()})
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
    vocabulary = _read_vocabulary(build_dir)
    try:
        for snippet_id in removed:
            count += writer.delete_by_term("id", snippet_id)
        for doc in changed:
            writer.update_document(**_document(doc))
            if vocabulary is not None:
                _count_terms(vocabulary, doc)
            count += 1
        if vocabulary is not None:  # before the commit: a reader never lacks a committed term
            _write_vocabulary(build_dir, vocabulary)
    except BaseException:
        writer.cancel()
        raise
    writer.commit(merge=True)
    ix.close()
    old = read_meta(index_dir) or {}
    _write_meta(build_dir, {**old, **meta, "updated_at": time.time()})
    return count


# BM25 as Whoosh's BM25F computes it: the same constants, idf and length normalisation.
BM25_B = 0.75
BM25_K1 = 1.2


_BYTE_TO_LENGTH = np.array([byte_to_length(code) for code in range(256)], dtype=np.float64)


def _segment_lengths(leaf, field: str) -> np.ndarray:
    """One segment's field lengths, read as the column of length bytes Whoosh stores (a
    call per document through its reader costs about 10 µs each)."""
    size = leaf.doc_count_all()
    perdoc = getattr(leaf, "_perdoc", None)
    name = f"_{field}_len"  # whoosh.codec.whoosh3._lenfield
    if perdoc is not None and hasattr(perdoc, "column_reader"):
        if not perdoc.has_column(name):
            return np.zeros(size, dtype=np.float64)
        codes = np.fromiter(perdoc.column_reader(name, LENGTHS_COLUMN), dtype=np.uint8, count=size)
        return _BYTE_TO_LENGTH[codes]
    return np.fromiter((leaf.doc_field_length(doc, field, 0) for doc in range(size)), dtype=np.float64, count=size)


def _read_postings(leaf, field: str, text: str, offset: int, ids: list[int], weights: list[float]) -> None:
    """Append one segment's postings of a term, a block at a time where Whoosh's own
    on-disk format allows (a posting at a time through its matcher costs about 2 µs each)."""
    try:
        matcher = leaf.postings(field, text)
    except TermNotFound:  # the term is in another segment only
        return
    deleted: frozenset[int] = frozenset()
    if isinstance(matcher, FilterMatcher):
        deleted, matcher = leaf.deleted_docs_set, matcher.child
    if isinstance(matcher, W3LeafMatcher):
        while not matcher._atend:
            matcher._read_ids()
            matcher._read_weights()
            block_ids, block_weights = matcher._ids, matcher._weights
            if deleted:
                kept = [i for i, doc in enumerate(block_ids) if doc not in deleted]
                block_ids, block_weights = [block_ids[i] for i in kept], [block_weights[i] for i in kept]
            ids.extend(doc + offset for doc in block_ids)
            weights.extend(block_weights)
            matcher._next_block()
        return
    while matcher.is_active():  # any other matcher: the public, slower way
        if matcher.id() not in deleted:
            ids.append(matcher.id() + offset)
            weights.append(matcher.weight())
        matcher.next()


class _View:
    """What one opened build answers queries from: Whoosh's reader, and in-memory caches of
    the postings, field lengths and filters queries have asked for.

    Whoosh scores a query by walking a tree of pure-Python matchers, one per clause, posting
    by posting: at 10,000 snippets a pasted message took seconds. Here each clause's postings
    are read from Whoosh once per build and kept as arrays of document numbers and BM25 term
    scores, so a query is a few vector additions. Whoosh still writes, stores, merges and
    reads the index; only the scoring loop moved.
    """

    def __init__(self, searcher: Searcher, build_dir: Path):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.size = self.reader.doc_count_all()  # document numbers run below this
        self.leaves = list(self.reader.leaf_readers())  # (segment reader, first document number)
        self.count = max(self.reader.doc_count(), 1)
        self._postings: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        self._lengths: dict[str, np.ndarray] = {}
        self._masks: dict[tuple[str, str], np.ndarray] = {}
        self._stored: dict[int, tuple[str, str]] = {}
        self._vocab: Vocabulary = _read_vocabulary(build_dir) or {}  # else read from Whoosh, field by field

    def lengths(self, field: str) -> np.ndarray:
        """Every document's length in *field* divided by the field's mean length."""
        found = self._lengths.get(field)
        if found is None:
            lengths = np.concatenate([_segment_lengths(leaf, field) for leaf, _ in self.leaves])
            mean = self.reader.field_length(field) / self.count or 1.0
            found = self._lengths[field] = lengths / mean
        return found

    def vocabulary(self, field: str) -> dict[str, int]:
        """Every term of *field* with its document frequency, read once per build, segment by
        segment (a merged reader looks every term up in every segment: seconds at 10k)."""
        terms = self._vocab.get(field)
        if terms is None:
            terms = {}
            if field in self.searcher.schema and not self._vocab:
                for leaf, _ in self.leaves:
                    for term, info in leaf.iter_field(field):
                        word = term.decode("utf-8")
                        terms[word] = terms.get(word, 0) + info.doc_frequency()
            self._vocab[field] = terms
        return terms

    def postings(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Document numbers holding the term and each one's BM25 score for it (deleted
        documents left out)."""
        key = (field, text)
        found = self._postings.get(key)
        if found is None:
            ids: list[int] = []
            weights: list[float] = []
            frequency = self.vocabulary(field).get(text, 0)
            for leaf, offset in self.leaves if frequency else ():
                _read_postings(leaf, field, text, offset, ids, weights)
            docs = np.array(ids, dtype=np.int64)
            tf = np.array(weights, dtype=np.float64)
            idf = math.log(self.count / (frequency + 1)) + 1
            norm = (1 - BM25_B) + BM25_B * self.lengths(field)[docs] if len(docs) else tf
            found = self._postings[key] = (docs, idf * tf * (BM25_K1 + 1) / (tf + BM25_K1 * norm))
        return found

    def mask(self, field: str, values: tuple[str, ...]) -> np.ndarray:
        """True for the documents with any of *values* in *field* (the channel and kind filters)."""
        key = (field, " ".join(values))
        found = self._masks.get(key)
        if found is None:
            found = np.zeros(self.size, dtype=bool)
            for value in values:
                ids: list[int] = []
                for leaf, offset in self.leaves:
                    _read_postings(leaf, field, value, offset, ids, [])
                found[np.array(ids, dtype=np.int64)] = True
            self._masks[key] = found
        return found

    def stored(self, doc: int) -> tuple[str, str]:
        found = self._stored.get(doc)
        if found is None:
            fields_ = self.searcher.stored_fields(doc)
            found = self._stored[doc] = (fields_["id"], fields_["data"])
        return found

    def search(self, clauses: list[Clause], limit: int, channel: str | None,
               kinds: tuple[str, ...] | None) -> list[Hit]:
        scores = np.zeros(self.size, dtype=np.float64)
        for clause in clauses:
            docs, term_scores = self.postings(clause.field, clause.text)
            if len(docs):
                scores[docs] += clause.boost * term_scores  # a term's document numbers are unique
        if channel:
            scores[~self.mask("channels", (channel,))] = 0.0
        if kinds:
            scores[~self.mask("kind", tuple(kinds))] = 0.0
        matched = np.flatnonzero(scores > 0)
        if len(matched) > limit:
            matched = matched[np.argpartition(-scores[matched], limit - 1)[:limit]]
        # Best first; equal scores in document order, so results are stable.
        ranked = sorted(matched.tolist(), key=lambda doc: (-scores[doc], doc))
        hits = []
        for doc in ranked:
            snippet_id, data = self.stored(doc)
            hits.append(Hit(snippet_id, float(scores[doc]), data))
        return hits

    def close(self) -> None:
        self.searcher.close()


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
        self._view: _View | None = None
        self._retired: _View | None = None
        self.meta: dict = {}
        self.generation = 0

    def check_now(self) -> None:
        self._checked = 0.0

    def _current(self) -> _View:
        now = time.monotonic()
        view = self._view
        if view is not None and now - self._checked < self.check_interval:
            return view
        self._checked = now
        build_dir = current_build(self.index_dir)
        if build_dir is None:
            raise FileNotFoundError(f"no search index in {self.index_dir}; run `kb index`")
        with self._lock:
            stale = self._view is None or build_dir != self._build or not self._view.searcher.up_to_date()
            if stale:
                # A fresh searcher, not Searcher.refresh(): refresh reuses segment readers and
                # so misses deletions committed to an existing segment.
                old = self._view
                self._view = _View(index.open_dir(str(build_dir)).searcher(), build_dir)
                self._build = build_dir
                self._changed(build_dir)
                # Requests in flight may still use the old searcher: close it one swap later.
                if self._retired is not None:
                    self._retired.close()
                self._retired = old
            return self._view

    def _changed(self, build_dir: Path) -> None:
        self.meta = json.loads((build_dir / META_FILE).read_text(encoding="utf-8"))
        self.generation += 1

    def refresh(self) -> None:
        """Look for a new build or commit now (subject to the check interval)."""
        self._current()

    def doc_count(self) -> int:
        return self._current().reader.doc_count()

    def vocabulary(self, field: str) -> dict[str, int]:
        """Every term of *field* with its document frequency, held in memory per index version.

        Whoosh looks terms up on disk in pure Python (about a millisecond each); the planner
        asks for hundreds per query, so it reads the whole lexicon once instead.
        """
        return self._current().vocabulary(field)

    def search(self, clauses: list[Clause], limit: int, channel: str | None = None,
               kinds: tuple[str, ...] | None = None) -> list[Hit]:
        if not clauses:
            return []
        return self._current().search(clauses, limit, channel, kinds)

    def get(self, snippet_id: str) -> str | None:
        """Stored data of one snippet, or None."""
        stored = self._current().searcher.document(id=snippet_id)
        return stored["data"] if stored else None

    def all_data(self) -> list[str]:
        """Stored data of every snippet (for the small sets that need them all, e.g. escalations)."""
        return [stored["data"] for stored in self._current().searcher.documents()]

    def close(self) -> None:
        with self._lock:
            for view in (self._view, self._retired):
                if view is not None:
                    view.close()
            self._view = self._retired = None
