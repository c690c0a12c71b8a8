"""Building and updating the search index from ``responses/``, independent of the engine.

``index_kb`` builds the index, or updates it with only the files that changed; broken
content raises :class:`IndexRefused` and the index in service stays as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from kb import engine
from kb.content.kbyaml import SETTINGS_FILE, KBSettings, load_settings
from kb.content.loader import SNIPPET_SUFFIX, duplicate_ids, load_kb, load_snippet_file, read_files, snippet_files, walk_files
from kb.content.model import Snippet, snippet_to_dict
from kb.content.problems import Problem, Refused
from kb.i18n import gettext, ngettext
from kb.language import analysis

ANALYSIS_VERSION = 9  # bump when kb.language.analysis changes what terms a text becomes
FULL_REBUILD_SHARE = 0.5  # when more than this share changed, a full build is faster
PARALLEL_MIN_FILES = 2000  # a full build of at least this many files uses a process per core
MAX_BUILD_JOBS = 4


class IndexRefused(Refused):
    """The knowledge base has errors; the index was left as it was."""

    def __init__(self, problems: list[Problem]):
        count = len(problems)
        super().__init__(ngettext("The knowledge base has %(count)d error; the index was not changed.",
                                  "The knowledge base has %(count)d errors; the index was not changed.", count)
                         % {"count": count} + " " + gettext("Fix them (see `kb lint`) and run again."), problems)


@dataclass
class IndexReport:
    full: bool
    snippets: int
    changed: int
    removed: int
    seconds: float
    warnings: list[Problem] = field(default_factory=list)


# How much one occurrence of a word counts, by where it stands: keywords are the editors'
# own words for what customers write, titles name the case, bodies only mention things.
TEXT_WEIGHTS = {"keywords": 4.0, "title": 2.0, "body": 1.0, "guidance": 0.5}
KEYWORD_SHARE_EXPONENT = 0.5  # a word of an n-word keyword weighs keywords / n ** this


def _terms(snippet: Snippet) -> dict[str, list[tuple[str, float]]]:
    """Index terms per field, each occurrence with its weight; each text part is analysed once."""
    terms: dict[str, list[tuple[str, float]]] = {}
    for lang, text in snippet.texts.items():
        keywords = [analysis.tokens(keyword, lang) for keyword in text.keywords]
        title = analysis.tokens(text.title, lang)
        # (tokens, weight, counted in the length BM25 normalises by): what a snippet says
        # counts, the editors' names for it (keywords, title) do not.
        passages = [(title, TEXT_WEIGHTS["title"], False),
                    (analysis.tokens(text.body, lang), TEXT_WEIGHTS["body"], True),
                    (analysis.tokens(text.short or "", lang), TEXT_WEIGHTS["body"], True),
                    (analysis.tokens(snippet.guidance.get(lang, ""), lang), TEXT_WEIGHTS["guidance"], True)]
        # A keyword's words share its weight; its pairs (below) count as the whole keyword.
        weighted = [(toks, _keyword_weight(len(toks)), False) for toks in keywords] + passages
        terms[engine.field_name(lang, "text")] = [
            (term, weight, counted) for toks, weight, counted in weighted for tok in toks for term in tok.terms]
        terms[engine.field_name(lang, "trunc")] = [
            (tok.trunc, 1.0, counted) for toks, _, counted in weighted for tok in toks]
        terms[engine.field_name(lang, "parts")] = [
            (part, 1.0, counted) for toks, _, counted in weighted for tok in toks for part in tok.parts]
        # Pairs of the editors' own phrases only (keywords, titles): a body's neighbouring words are
        # nearly all different pairs, which would multiply the lexicon every worker holds.
        terms[engine.field_name(lang, "pairs")] = [
            (term, TEXT_WEIGHTS["keywords"]) for toks in keywords for term in analysis.pairs(toks)] + [
            (term, TEXT_WEIGHTS["title"]) for term in analysis.pairs(title)]
    return terms


def _keyword_weight(words: int) -> float:
    """Each word of a keyword phrase counts for a share of the keyword: "mitu päeva ei töötanud"
    is about days without service, and "päeva" alone must not weigh as a keyword would. The
    phrase's words standing together (the pairs field) make up the rest."""
    return TEXT_WEIGHTS["keywords"] / max(1, words) ** KEYWORD_SHARE_EXPONENT


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
    for relative, entry in walk_files(Path(root)):
        st = entry.stat()
        stats[relative] = [st.st_mtime_ns, st.st_size]
    return stats


def _settings_stat(root: Path) -> list[int]:
    st = (Path(root) / SETTINGS_FILE).stat()
    return [st.st_mtime_ns, st.st_size]


def build_jobs(files: int) -> int:
    """Processes a full build of *files* snippet files uses: one per core (at most
    MAX_BUILD_JOBS) for large knowledge bases; small ones are faster without starting any."""
    return 1 if files < PARALLEL_MIN_FILES else max(1, min(os.cpu_count() or 1, MAX_BUILD_JOBS))


def index_kb(root: Path, index_dir: Path, full: bool = False, jobs: int | None = None,
             progress: Callable[[int, int], None] | None = None) -> IndexReport:
    """Bring the index in line with *root*: an update when possible, else a full build.

    An update reads only the files whose size or modification time changed since the index
    last saw them (recorded in its meta), so one edited snippet in a large knowledge base
    is indexed in well under a second; anything else falls back to reading everything.
    *jobs*: processes for a full build (default: :func:`build_jobs`). *progress* is told
    ``(done, total)`` files of a full build as they are written (for ``kb index`` on a terminal).
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
    settings = load_settings(root)
    meta = {
        "analysis_version": ANALYSIS_VERSION,
        "analysis": analysis.describe(),
        "settings": _settings_fingerprint(settings),
        "settings_stat": _settings_stat(root),
        "languages": list(settings.languages),
        "responses": str(root.resolve()),
        "files": _file_stats(root),  # before reading: a file changed meanwhile is read again next time
    }
    compatible = old is not None and all(old.get(key) == meta[key] for key in ("analysis_version", "analysis", "settings"))
    if compatible and not full:
        kb = load_kb(root, settings)
        if kb.errors:
            raise IndexRefused(kb.errors)
        stored = engine.stored_fingerprints(index_dir)
        # Only changed snippets are analysed: the fingerprint needs the data alone.
        changed_ids = [sid for sid, s in kb.snippets.items() if stored.get(sid) != _data_and_fingerprint(s)[1]]
        removed = [sid for sid in stored if sid not in kb.snippets]
        if len(changed_ids) + len(removed) <= FULL_REBUILD_SHARE * max(len(stored), 1):
            ids = {s.path.relative_to(root).as_posix(): s.id for s in kb.snippets.values() if s.path}
            engine.update(index_dir, [to_index_doc(kb.snippets[sid]) for sid in changed_ids], removed,
                          {**meta, "ids": ids, "snippets": len(kb.snippets)})
            return IndexReport(False, len(kb.snippets), len(changed_ids), len(removed), time.perf_counter() - started,
                               kb.warnings)
    return _full_build(root, Path(index_dir), settings, meta, jobs, started, progress)


@dataclass
class _ChunkSummary:
    """What reading one share of the files found, sent back from the process that read it."""

    problems: list[Problem]
    declared: dict[str, list[Path]]
    ids: dict[str, str]  # relative path -> snippet id


def _chunk_docs(root: Path, paths: list[Path], settings: KBSettings) -> Generator[engine.IndexDoc, None, _ChunkSummary]:
    """Read, check and analyse *paths*; yield a document per valid snippet (a DocSource)."""
    problems: list[Problem] = []
    declared: dict[str, list[Path]] = {}
    ids: dict[str, str] = {}
    for snippet in read_files(root, paths, settings, problems, declared):
        if snippet.path:
            ids[snippet.path.relative_to(root).as_posix()] = snippet.id
        yield to_index_doc(snippet)
    return _ChunkSummary(problems, declared, ids)


def _full_build(root: Path, index_dir: Path, settings: KBSettings, meta: dict, jobs: int | None,
                started: float, progress: Callable[[int, int], None] | None = None) -> IndexReport:
    """Every snippet file read, checked and analysed, in *jobs* processes for a large knowledge
    base; any error anywhere abandons the new build and leaves the current one serving."""
    files = list(snippet_files(root))
    jobs = jobs or build_jobs(len(files))
    share = -(-len(files) // jobs) or 1  # contiguous shares keep documents in file order
    sources = [partial(_chunk_docs, root, files[i:i + share], settings) for i in range(0, len(files), share)] \
        or [partial(_chunk_docs, root, [], settings)]
    warnings: list[Problem] = []
    counted: dict[str, int] = {}

    def accept(summaries: list[_ChunkSummary]) -> dict:
        problems = [problem for summary in summaries for problem in summary.problems]
        declared: dict[str, list[Path]] = {}
        for summary in summaries:
            for declared_id, paths in summary.declared.items():
                declared.setdefault(declared_id, []).extend(paths)
        problems += duplicate_ids(root, declared)
        errors = [problem for problem in problems if problem.is_error]
        if errors:
            raise IndexRefused(errors)
        warnings.extend(problem for problem in problems if not problem.is_error)
        ids = {rel: sid for summary in summaries for rel, sid in summary.ids.items()}
        counted["snippets"] = len(ids)
        return {"ids": ids, "snippets": len(ids)}

    done = [0]

    def written(count: int) -> None:
        done[0] += count
        if progress is not None:
            progress(done[0], len(files))

    engine.build(index_dir, settings.languages, sources, meta, accept, jobs, written if progress else None)
    return IndexReport(True, counted["snippets"], counted["snippets"], 0, time.perf_counter() - started, warnings)


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


def index_exists(index_dir: Path) -> bool:
    """True when *index_dir* holds a complete build that can serve."""
    return engine.current_build(index_dir) is not None


def index_is_current(root: Path, index_dir: Path) -> bool:
    """True when an index exists and no snippet file is newer than its last update."""
    meta = engine.read_meta(index_dir)
    if meta is None:
        return False
    newest = max((p.stat().st_mtime for p in Path(root).rglob("*") if p.is_file()), default=0)
    return newest <= meta.get("updated_at", 0)
