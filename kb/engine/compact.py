"""Document counts of terms that are only ever looked up, never listed, kept compactly.

A search asks the vocabulary two things: how many documents have a term, and (for the stems of
the texts) which terms there are. The pairs of neighbouring words and the truncated stems are
nine tenths of the terms (at 10,000 snippets 200,000 of 230,000) and are only looked up: as a
``dict`` they take about 20 MB in every worker, read again by each worker after every reload.
Here they are two sorted numpy arrays, each term's 64-bit hash and its count, 12 bytes a term
(2.5 MB at 10,000 snippets): no Python object per term, so a forked worker shares the pages
with its master instead of copying them as reference counts change.

Two terms with one hash would share a count; with 64-bit hashes the chance among a million
terms is about 3 in 10^8, and its cost is a clause weighed as the other term or a look-up
that finds no postings. Python's ``hash`` of a string is salted per process
(``PYTHONHASHSEED``), so a table is built in the process that uses it (or in its master, whose
seed a forked worker keeps), never stored.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

# The kinds of fields only looked up by term (kb.engine.documents.FIELD_KINDS names them all).
LOOKUP_ONLY_KINDS = ("pairs", "trunc")


class TermCounts:
    """A read-only ``term -> count`` table answering ``get``, ``in`` and ``len``; not iterable."""

    __slots__ = ("_counts", "_hashes")

    def __init__(self, counts: dict[str, int]):
        size = len(counts)
        hashes = np.fromiter((hash(term) for term in counts), dtype=np.int64, count=size)
        values = np.fromiter(counts.values(), dtype=np.int32, count=size)
        order = np.argsort(hashes, kind="stable")
        self._hashes, self._counts = hashes[order], values[order]

    def _position(self, term: str) -> int:
        key = hash(term)
        at = int(self._hashes.searchsorted(key))
        return at if at < len(self._hashes) and self._hashes[at] == key else -1

    def get(self, term: str, default: int | None = None) -> int | None:
        at = self._position(term)
        return int(self._counts[at]) if at >= 0 else default

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self._position(term) >= 0

    def __getitem__(self, term: str) -> int:
        at = self._position(term)
        if at < 0:
            raise KeyError(term)
        return int(self._counts[at])

    def __len__(self) -> int:
        return len(self._hashes)

    @property
    def nbytes(self) -> int:
        return self._hashes.nbytes + self._counts.nbytes


Counts = dict[str, int] | TermCounts  # what a vocabulary holds for one field


def compact(vocabulary: dict[str, dict[str, int]], kinds: Iterable[str] = LOOKUP_ONLY_KINDS) -> dict:
    """*vocabulary* with the fields of *kinds* (``fi_pairs``...) as :class:`TermCounts`, in place."""
    suffixes = tuple(f"_{kind}" for kind in kinds)
    for name, counts in vocabulary.items():
        if name.endswith(suffixes) and isinstance(counts, dict):
            vocabulary[name] = TermCounts(counts)
    return vocabulary
