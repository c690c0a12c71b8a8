"""What the engine stores and answers with: documents, clauses, hits, and the layout of an
index folder (``builds/<stamp>/`` and the ``current`` link)."""

from __future__ import annotations

import json
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Per language: "text" holds every word's terms weighted by where they stand (see
# kb.search.TEXT_WEIGHTS), "trunc" their truncations, "parts" their compound members, "pairs"
# the words that stand together (neighbouring content words, see kb.language.analysis.pairs).
FIELD_KINDS = ("text", "trunc", "parts", "pairs")
META_FILE = "meta.json"
VOCABULARY_FILE = "vocabulary.json"
CURRENT = "current"
BUILDS = "builds"


@dataclass(frozen=True)
class IndexDoc:
    """One snippet as the engine stores it: terms per ``<lang>_<kind>`` field, and data."""

    id: str
    kind: str
    channels: tuple[str, ...]
    fingerprint: str
    data: str  # JSON of the snippet, returned with hits
    terms: dict[str, list[tuple]]  # field name -> every occurrence: (term, weight[, counted in the length])


@dataclass(frozen=True)
class Clause:
    """One weighted term of a query. Expansions (prefix, typo, compound) are made by the
    planner from :meth:`Engine.vocabulary`, so the engine only ever matches exact terms."""

    field: str
    text: str
    boost: float = 1.0
    # Clauses of one group are one piece of evidence (one word of the query, in all its forms and
    # languages): a document scores the group's best clause, not their sum. "" stands alone.
    group: str = ""


@dataclass(frozen=True)
class Hit:
    id: str
    score: float
    data: str


def field_name(lang: str, kind: str) -> str:
    return f"{lang}_{kind}"


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


def read_vocabulary(build_dir: Path) -> Vocabulary | None:
    try:
        return json.loads((build_dir / VOCABULARY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None

