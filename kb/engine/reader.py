"""Reading the index: an :class:`Engine` per process, scoring queries in memory from Whoosh's postings."""

from __future__ import annotations

import itertools
import json
import math
import threading
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np
from whoosh import index
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from kb.engine.compact import Counts, compact
from kb.engine.documents import (
    META_FILE,
    VOCABULARY_FILE,
    Clause,
    Hit,
    Vocabulary,
    current_build,
    read_vocabulary,
)
from kb.memory import give_back_memory

# BM25 as Whoosh's BM25F computes it (the same idf and k1), with little length normalisation:
# a snippet is a few sentences, and one that says more is rarely less about the case (measured
# with bench.eval_search: b = 0.75 lost 0.03 hit@3 with 3,000 distractors, most of it on
# pasted messages). The length it divides by is what the snippet says, not its keywords
# (kb.engine.store.WeightedTerms).
BM25_B = 0.1
BM25_K1 = 1.2
GROUP_TIE = 0.1  # a group of clauses scores its best one plus this share of the others (DisjunctionMax)
# What a view keeps of what queries asked for, least recently used dropped first: kept whole, the
# postings and stored data of a day's queries would grow towards the whole index (at 10,000
# snippets 4 million postings and 25 MB of stored text, five times that at 50,000) in every worker.
POSTINGS_CACHE_BYTES = 8 * 2**20  # document numbers and scores of the terms asked most recently
STORED_CACHE = 4096  # stored data of the documents shown most recently (about 2.6 kB each at 10k)
# A view replaced by a newer build is closed this long after, when no request can still be using it
# (gunicorn stops a request after 30 s), rather than at the next reload, which may be days later.
RETIRED_SECONDS = 60.0
SMALL_SEGMENT = 200  # documents: a segment this small has its terms listed once per view


def inverse_document_frequency(documents: int, frequency: int) -> float:
    """Whoosh's BM25F idf of a term in *frequency* of *documents*: log(N / (df + 1)) + 1."""
    return max(1e-6, math.log(max(1, documents) / (frequency + 1)) + 1)


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


def _read_postings(leaf, field: str, text: str, offset: int, ids: list[np.ndarray], weights: list[np.ndarray]) -> None:
    """Append one segment's postings of a term as arrays, a block at a time where Whoosh's own
    on-disk format allows, decoded by numpy (a posting at a time through Whoosh's matcher
    costs about 2 µs each; its own block decoding, a Python loop over the deltas, about 1 µs)."""
    try:
        matcher = leaf.postings(field, text)
    except TermNotFound:  # the term is in another segment only
        return
    deleted: frozenset[int] = frozenset()
    if isinstance(matcher, FilterMatcher):
        deleted, matcher = leaf.deleted_docs_set, matcher.child
    if isinstance(matcher, W3LeafMatcher):
        gone = _deleted_mask(leaf) if deleted else None
        while not matcher._atend:
            block_ids, block_weights = _block(matcher)
            if gone is not None:
                kept = ~gone[block_ids]
                block_ids, block_weights = block_ids[kept], block_weights[kept]
            ids.append(block_ids + offset)
            weights.append(block_weights)
            matcher._next_block()
        return
    found_ids, found_weights = [], []
    while matcher.is_active():  # any other matcher: the public, slower way
        if matcher.id() not in deleted:
            found_ids.append(matcher.id() + offset)
            found_weights.append(matcher.weight())
        matcher.next()
    ids.append(np.array(found_ids, dtype=np.int64))
    weights.append(np.array(found_weights, dtype=np.float64))


def _deleted_mask(leaf) -> np.ndarray:
    """True for the deleted documents of a segment, kept on its reader (which lives as long as
    the view that opened it, and whose deletions do not change while it is open)."""
    mask = getattr(leaf, "_kb_deleted_mask", None)
    if mask is None:
        mask = np.zeros(leaf.doc_count_all(), dtype=bool)
        mask[list(leaf.deleted_docs_set)] = True
        leaf._kb_deleted_mask = mask
    return mask


def _block(matcher: W3LeafMatcher) -> tuple[np.ndarray, np.ndarray]:
    """The current block of a Whoosh 3 posting list: document numbers and weights.

    The block holds (ids, weights, values) as Whoosh wrote them (whoosh.codec.whoosh3
    W3PostingsWriter): ids as deltas in an array (or plain numbers when ``_byteids``), weights as
    an array of floats, one float for every posting, or None for 1.0."""
    if matcher._data is None:
        matcher._read_data()
    raw_ids, raw_weights = matcher._data[0], matcher._data[1]
    block_ids = np.asarray(raw_ids, dtype=np.int64)
    if not matcher._byteids:
        block_ids = np.cumsum(block_ids)
    if raw_weights is None:
        block_weights = np.ones(len(block_ids), dtype=np.float64)
    elif isinstance(raw_weights, float):
        block_weights = np.full(len(block_ids), raw_weights, dtype=np.float64)
    else:
        block_weights = np.asarray(raw_weights, dtype=np.float64)
    return block_ids, block_weights


# Vocabularies read before the fork (preload_vocabulary), by build folder, with the file's stamp.
_preloaded: dict[Path, tuple[tuple[int, int], Vocabulary]] = {}


def _stamp(build_dir: Path) -> tuple[int, int]:
    try:
        stat = (build_dir / VOCABULARY_FILE).stat()
    except OSError:
        return (0, -1)
    return (stat.st_mtime_ns, stat.st_size)


def preload_vocabulary(index_dir: Path) -> None:
    """Read the vocabulary of the build in service now: ``kb serve``'s master does, before it
    forks, so that its workers share it (about 40 MB at 10,000 snippets) instead of each reading
    its own. A worker takes it for its first view of that build, if the file is unchanged; any
    later build or update it reads for itself."""
    build_dir = current_build(index_dir)
    vocabulary = read_vocabulary(build_dir) if build_dir is not None else None
    if build_dir is not None and vocabulary is not None:
        _preloaded[build_dir] = (_stamp(build_dir), compact(vocabulary))


def _vocabulary_of(build_dir: Path) -> Vocabulary | None:
    kept = _preloaded.pop(build_dir, None)  # once: when that view is closed, the memory is freed
    if kept is not None and kept[0] == _stamp(build_dir):
        return kept[1]
    vocabulary = read_vocabulary(build_dir)
    return compact(vocabulary) if vocabulary is not None else None


class _View:
    """What one opened build answers queries from: Whoosh's reader, and in-memory caches of
    the postings, field lengths and filters queries have asked for.

    Whoosh scores a query by walking a tree of pure-Python matchers, one per clause, posting
    by posting: at 10,000 snippets a pasted message took seconds. Here each clause's postings
    are read from Whoosh once per build and kept as arrays of document numbers and BM25 term
    scores, so a query is a few vector additions. Whoosh still writes, stores, merges and
    reads the index; only the scoring loop moved.
    """

    def __init__(self, searcher: Searcher, build_dir: Path, length_normalisation: float = BM25_B):
        self.length_normalisation = length_normalisation
        self.searcher = searcher
        self.reader = searcher.reader()
        self.size = self.reader.doc_count_all()  # document numbers run below this
        self.leaves = list(self.reader.leaf_readers())  # (segment reader, first document number)
        self.count = max(self.reader.doc_count(), 1)
        self._postings: OrderedDict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._postings_bytes = 0
        self._lengths: dict[str, np.ndarray] = {}
        self._masks: dict[tuple[str, str], np.ndarray] = {}
        self._leaf_terms: dict[int, frozenset[tuple[str, str]]] = {}
        self._stored: OrderedDict[int, tuple[str, str]] = OrderedDict()
        self._saved_vocabulary = _vocabulary_of(build_dir)  # None for a build without one: read from Whoosh
        self._vocab: Vocabulary = {}

    def lengths(self, field: str) -> np.ndarray:
        """Every document's length in *field* divided by the field's mean length."""
        found = self._lengths.get(field)
        if found is None:
            lengths = np.concatenate([_segment_lengths(leaf, field) for leaf, _ in self.leaves])
            mean = self.reader.field_length(field) / self.count or 1.0
            found = self._lengths[field] = lengths / mean
        return found

    def vocabulary(self, field: str) -> Counts:
        """Every term of *field* with its document frequency, read once per build, segment by
        segment (a merged reader looks every term up in every segment: seconds at 10k)."""
        if self._saved_vocabulary is not None:
            return self._saved_vocabulary.get(field, {})
        terms = self._vocab.get(field)
        if terms is None:
            terms = {}
            if field in self.searcher.schema:
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
        if found is not None:
            self._postings.move_to_end(key)
            return found
        frequency = self.vocabulary(field).get(text, 0)
        docs, tf = self._read(field, text) if frequency else (np.zeros(0, np.int32), np.zeros(0))
        idf = inverse_document_frequency(self.count, frequency)
        b = self.length_normalisation
        norm = (1 - b) + b * self.lengths(field)[docs] if len(docs) else tf
        found = self._postings[key] = (docs, idf * tf * (BM25_K1 + 1) / (tf + BM25_K1 * norm))
        self._postings_bytes += docs.nbytes + found[1].nbytes
        while self._postings_bytes > POSTINGS_CACHE_BYTES and len(self._postings) > 1:
            _key, (old_docs, old_scores) = self._postings.popitem(last=False)
            self._postings_bytes -= old_docs.nbytes + old_scores.nbytes
        return found

    def _read(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """A term's postings in every segment: document numbers and weights (term frequencies)."""
        ids: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        for leaf, offset in self.leaves:
            terms = self._small_leaf_terms(leaf)
            if terms is None or (field, text) in terms:
                _read_postings(leaf, field, text, offset, ids, weights)
        if not ids:
            return np.zeros(0, np.int32), np.zeros(0)
        # numbers of < 2**31 documents
        return np.concatenate(ids).astype(np.int32), np.concatenate(weights)

    def _small_leaf_terms(self, leaf) -> frozenset[tuple[str, str]] | None:
        """Every (field, term) of a segment of at most SMALL_SEGMENT documents (the segments that
        updates add), or None for a larger one: most terms are not in a small segment, and asking
        Whoosh costs a look-up and an exception for each."""
        if leaf.doc_count_all() > SMALL_SEGMENT:
            return None
        found = self._leaf_terms.get(id(leaf))
        if found is None:
            found = self._leaf_terms[id(leaf)] = frozenset(
                (name, term.decode("utf-8") if isinstance(term, bytes) else term) for name, term in leaf.all_terms())
        return found

    def mask(self, field: str, values: tuple[str, ...]) -> np.ndarray:
        """True for the documents with any of *values* in *field* (the channel and kind filters)."""
        key = (field, " ".join(values))
        found = self._masks.get(key)
        if found is None:
            found = np.zeros(self.size, dtype=bool)
            for value in values:
                found[self._read(field, value)[0]] = True
            self._masks[key] = found
        return found

    def stored(self, doc: int) -> tuple[str, str]:
        found = self._stored.get(doc)
        if found is not None:
            self._stored.move_to_end(doc)
            return found
        fields_ = self.searcher.stored_fields(doc)
        found = self._stored[doc] = (fields_["id"], fields_["data"])
        if len(self._stored) > STORED_CACHE:
            self._stored.popitem(last=False)
        return found

    def search(self, clauses: list[Clause], limit: int, channel: str | None,
               kinds: tuple[str, ...] | None) -> list[Hit]:
        scores = np.zeros(self.size, dtype=np.float64)
        groups: dict[str, list[Clause]] = {}
        for clause in clauses:
            groups.setdefault(clause.group or f"\0{id(clause)}", []).append(clause)
        for group in groups.values():
            if len(group) == 1:
                docs, term_scores = self.postings(group[0].field, group[0].text)
                scores[docs] += group[0].boost * term_scores  # a term's document numbers are unique
                continue
            best = np.zeros(self.size, dtype=np.float64)
            rest = np.zeros(self.size, dtype=np.float64)
            for clause in group:
                docs, term_scores = self.postings(clause.field, clause.text)
                if len(docs):
                    values = clause.boost * term_scores
                    rest[docs] += np.minimum(best[docs], values)
                    best[docs] = np.maximum(best[docs], values)
            scores += best + GROUP_TIE * rest
        if channel:
            scores[~self.mask("channels", (channel,))] = 0.0
        if kinds:
            scores[~self.mask("kind", tuple(kinds))] = 0.0
        matched = np.flatnonzero(scores > 0)
        if len(matched) > limit:
            # Keep every document scoring at least the limit-th best score, so that among documents
            # tied at the cut the first ones are kept (argpartition alone keeps arbitrary ones).
            cut = -np.partition(-scores[matched], limit - 1)[limit - 1]
            matched = matched[scores[matched] >= cut]
        # Best first; equal scores in document order, so results are stable.
        ranked = sorted(matched.tolist(), key=lambda doc: (-scores[doc], doc))[:limit]
        hits = []
        for doc in ranked:
            snippet_id, data = self.stored(doc)
            hits.append(Hit(snippet_id, float(scores[doc]), data))
        return hits

    def close(self) -> None:
        """Close the searcher and let go of the caches: a retired view must not hold a whole
        vocabulary (about 40 MB at 10,000 snippets) until the next reload."""
        self.searcher.close()
        self._saved_vocabulary = None
        for cache in (self._postings, self._vocab, self._lengths, self._masks, self._leaf_terms, self._stored):
            cache.clear()
        self._postings_bytes = 0


class Engine:
    """A reader of the current build, reopened when the build is swapped or updated.

    One per process (per worker): opening a Whoosh searcher is costly, refreshing is cheap.
    """

    def __init__(self, index_dir: Path, check_interval: float = 0.0, length_normalisation: float = BM25_B):
        """*check_interval*: seconds between looks at the disk for a new build or commit.
        *length_normalisation*: BM25's b (see BM25_B; matching whole replies wants more).

        0 (the CLI, tests) looks on every call; the API uses a fraction of a second, since
        every look costs several system calls and a service answers hundreds of requests a
        second. :meth:`check_now` forces the next call to look (after a reload in-process).
        """
        self.index_dir = Path(index_dir)
        self.length_normalisation = length_normalisation
        self.check_interval = check_interval
        self._checked = float("-inf")  # never looked: the first call looks, however soon after boot
        self._lock = threading.Lock()
        self._build: Path | None = None
        self._view: _View | None = None
        self._retired: _View | None = None
        self._retired_at = 0.0
        self.meta: dict = {}
        self.generation = 0

    def check_now(self) -> None:
        self._checked = float("-inf")

    def _current(self) -> _View:
        now = time.monotonic()
        view = self._view
        if view is not None and now - self._checked < self.check_interval:
            return view
        self._checked = now
        if self._retired is not None and now - self._retired_at > RETIRED_SECONDS:
            with self._lock:
                if self._retired is not None:
                    self._retired.close()
                    self._retired = None
                    give_back_memory()
        build_dir = current_build(self.index_dir)
        if build_dir is None:
            raise FileNotFoundError(f"no search index in {self.index_dir}; run `kb index`")
        with self._lock:
            stale = self._view is None or build_dir != self._build or not self._view.searcher.up_to_date()
            if stale:
                # A fresh searcher, not Searcher.refresh(): refresh reuses segment readers and
                # so misses deletions committed to an existing segment.
                old = self._view
                self._view = _View(index.open_dir(str(build_dir)).searcher(), build_dir, self.length_normalisation)
                self._build = build_dir
                self._changed(build_dir)
                # Requests in flight may still use the old searcher: close it RETIRED_SECONDS
                # later (or at the next swap, if that comes sooner).
                if self._retired is not None:
                    self._retired.close()
                self._retired, self._retired_at = old, now
            return self._view

    def _changed(self, build_dir: Path) -> None:
        self.meta = json.loads((build_dir / META_FILE).read_text(encoding="utf-8"))
        self.generation += 1

    def refresh(self) -> None:
        """Look for a new build or commit now (subject to the check interval)."""
        self._current()

    def doc_count(self) -> int:
        return self._current().reader.doc_count()

    def vocabulary(self, field: str) -> Counts:
        """Every term of *field* with its document frequency, held in memory per index version
        (a dict for the stems, which the planner lists; a :class:`TermCounts` for the fields only
        looked up).

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

    def all_data(self, kind: str | None = None, limit: int | None = None) -> list[str]:
        """Stored data of every snippet, or of every snippet of *kind* (found through the index's
        kind field: the escalations are read without reading the replies); the first *limit*."""
        searcher = self._current().searcher
        found = searcher.documents(kind=kind) if kind else searcher.documents()
        return [stored["data"] for stored in itertools.islice(found, limit)]

    def count(self, kind: str) -> int:
        """How many snippets of *kind* the index has."""
        return int(self._current().mask("kind", (kind,)).sum())

    def close(self) -> None:
        with self._lock:
            for view in (self._view, self._retired):
                if view is not None:
                    view.close()
            self._view = self._retired = None

