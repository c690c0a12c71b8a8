"""Writing the index: a full build beside the one in service, swapped in atomically, or an
update of the build in service through Whoosh's own atomic commit."""

from __future__ import annotations

import ctypes
import json
import multiprocessing
import os
import shutil
import signal
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from whoosh import analysis as wa
from whoosh import fields, formats, index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.system import pack_uint
from whoosh.writing import SegmentWriter

from kb.engine.documents import (
    BUILDS,
    CURRENT,
    FIELD_KINDS,
    META_FILE,
    VOCABULARY_FILE,
    DocSource,
    IndexDoc,
    Vocabulary,
    current_build,
    field_name,
    read_meta,
    read_vocabulary,
)

POSTINGS_BLOCK = 1024  # postings per block on disk (Whoosh: 128); a block costs a zlib and a pickle call to read


class WeightedTerms(fields.FieldType):
    """A field whose value is already analysed: ``[(term, weight), ...]``, one pair per
    occurrence, or ``(term, weight, False)`` for one that does not count in the field's length.
    Whoosh stores each term's summed weight as the term frequency BM25 scores, so a keyword
    counts for more than a word of the body within one field (BM25F's weighted term
    frequency), and the field length (what BM25 normalises by) is the number of counted
    occurrences: the editors' keywords and titles are not verbosity, and a snippet with many
    keywords must not weigh less for each of them."""

    def __init__(self) -> None:
        self.format = formats.Frequency()
        self.analyzer = wa.SpaceSeparatedTokenizer()  # never used to index: values arrive analysed
        self.scorable = True

    def index(self, value, **kwargs):
        counts: dict[str, int] = {}
        weights: dict[str, float] = {}
        for term, weight, *counted in value:
            counts[term] = counts.get(term, 0) + (1 if not counted or counted[0] else 0)
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



def _count_terms(vocabulary: Vocabulary, doc: IndexDoc) -> None:
    for name, terms in doc.terms.items():
        counts = vocabulary.setdefault(name, {})
        for term in {occurrence[0] for occurrence in terms}:
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



Progress = Callable[[int], None]  # told how many more documents were written


def _write_source(writer, source: DocSource, vocabulary: Vocabulary, progress: Progress | None = None) -> Any:
    docs = source()
    while True:
        try:
            doc = next(docs)
        except StopIteration as done:
            return done.value
        writer.add_document(**_document(doc))
        _count_terms(vocabulary, doc)
        if progress is not None:
            progress(1)


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with_parent(parent: int) -> None:
    """In each build worker, first: be killed when the building process dies.

    Without it a ``kill -9`` of a build (an impatient operator, the OOM killer) leaves its
    workers analysing at full speed, each holding hundreds of MB, with nobody to read what
    they write. Linux's parent-death signal does it in the kernel; elsewhere the workers
    still stop at their next task, when the pool's pipe is gone.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # it died before the signal was asked for
        os._exit(1)


def _codec() -> W3Codec:
    """Whoosh's own format with POSTINGS_BLOCK postings a block: the reader decodes a term's postings
    a block at a time (kb.engine.reader), and each block costs a decompression and an unpickling."""
    return W3Codec(blocklimit=POSTINGS_BLOCK)


def _write_segment(build_dir: str, source: DocSource) -> tuple[Any, Any, Vocabulary]:
    """In a worker process: write one source's documents as one new segment of the build.

    Whoosh's own multiprocessing writer does the same with its SegmentWriter, but feeds it
    from the parent; here the source itself (reading and analysing files) runs in the worker,
    and the parent only lists the finished segments. The worker's temporary files get their
    own folder: Whoosh names them after the index, which every worker shares.
    """
    ix = index.open_dir(build_dir)
    writer = SegmentWriter(ix, _lk=False, limitmb=512, compound=False, codec=_codec())
    vocabulary: Vocabulary = {}
    try:
        summary = _write_source(writer, source, vocabulary)
        segment = writer._finalize_segment()
    except BaseException:
        writer._close_segment()
        raise
    return segment, summary, vocabulary, writer.docnum


def build(index_dir: Path, languages: Iterable[str], sources: list[DocSource], meta: dict,
          accept: Callable[[list[Any]], dict] | None = None, jobs: int = 1, progress: Progress | None = None) -> Path:
    """Write a complete new index beside the current one and swap it in atomically.

    Each source's summary goes to *accept*, which may raise to abandon the build (the
    current one keeps serving) or return more meta. With ``jobs > 1`` each source is
    written in its own process as its own segment, and the segments are not merged: the
    searcher reads every segment, and merging would cost as much as writing them.
    *progress* is told of documents written: one by one, or a source's at once in parallel.
    """
    index_dir = Path(index_dir)
    builds = index_dir / BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    previous = current_build(index_dir)
    stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{time.time_ns() % 1_000_000_000:09d}"
    build_dir = builds / stamp
    build_dir.mkdir()
    try:
        ix = index.create_in(str(build_dir), make_schema(languages))
        if jobs > 1 and len(sources) > 1:
            context = multiprocessing.get_context("spawn")  # never fork a threaded process
            with ProcessPoolExecutor(max_workers=min(jobs, len(sources)), mp_context=context,
                                     initializer=_die_with_parent, initargs=(os.getpid(),)) as pool:
                results = []
                for result in pool.map(_write_segment, [str(build_dir)] * len(sources), sources):
                    results.append(result)
                    if progress is not None:
                        progress(result[3])
            more_meta = accept([summary for _, summary, _, _ in results]) if accept else {}
            vocabulary: Vocabulary = {}
            for _, _, counts, _ in results:
                _merge_vocabularies(vocabulary, counts)
            writer = ix.writer()
            writer._close_segment()
            writer._commit_toc([segment for segment, _, _, _ in results])
            writer._finish()
        else:
            writer = ix.writer(limitmb=256, compound=False, codec=_codec())
            vocabulary = {}
            try:
                summaries = [_write_source(writer, source, vocabulary, progress) for source in sources]
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
    _remove_old_builds(builds, keep={build_dir.resolve(), *([previous] if previous else [])})
    return build_dir


def _swap_current(index_dir: Path, build_dir: Path) -> None:
    tmp_link = index_dir / f".{CURRENT}.{os.getpid()}.tmp"
    if tmp_link.is_symlink():
        tmp_link.unlink()
    os.symlink(Path(BUILDS) / build_dir.name, tmp_link)
    os.replace(tmp_link, index_dir / CURRENT)  # atomic on POSIX


def _remove_old_builds(builds: Path, keep: set[Path]) -> None:
    """Remove every build but the new one and the one it replaced (a reader may still be
    opening that), partial ones left by a killed build included: by age alone, a partial
    build newer than the good one was kept and the good one deleted. Callers hold the
    index's writer lock (kb.search.guard), so no other build is being written."""
    for path in builds.iterdir():
        if path.resolve() not in keep:
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
    writer = ix.writer(limitmb=128, compound=False, codec=_codec())
    count = 0
    vocabulary = read_vocabulary(build_dir)
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


