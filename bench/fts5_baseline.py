"""The plain baseline: SQLite FTS5 with the unicode61 tokenizer over the same texts.

This is what a helpdesk gets from an ordinary full-text index: words, no stemming, no
compounds, no typo tolerance. Words of a query are OR-ed (AND would find nothing for a
pasted message) and ranked by FTS5's bm25.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable

from kb.content.model import Snippet

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


class FTS5Baseline:
    def __init__(self, path: str = ":memory:"):
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS texts USING fts5("
                        "id UNINDEXED, title, body, keywords, tokenize='unicode61 remove_diacritics 2')")

    def add(self, snippets: Iterable[Snippet]) -> None:
        rows = (
            (s.id,
             " ".join(t.title for t in s.texts.values()),
             " ".join(t.body + " " + (t.short or "") for t in s.texts.values()),
             " ".join(" ".join(t.keywords) for t in s.texts.values()))
            for s in snippets
        )
        with self.db:
            self.db.executemany("INSERT INTO texts (id, title, body, keywords) VALUES (?, ?, ?, ?)", rows)

    def search(self, text: str, limit: int = 10) -> list[str]:
        words = [w.lower() for w in _WORD.findall(text)][:64]
        if not words:
            return []
        match = " OR ".join('"' + w.replace('"', '""') + '"' for w in dict.fromkeys(words))
        rows = self.db.execute(
            "SELECT id FROM texts WHERE texts MATCH ? ORDER BY bm25(texts, 2.0, 1.0, 3.0) LIMIT ?", (match, limit)
        )
        return [row[0] for row in rows]
