"""Keyword proposals: the words agents typed before inserting a reply, which it does not have yet.

When agents search "laskun eräpäivä siirto" and then insert ``billing/due-date``, the words
they used are the words its keywords should hold. A word is proposed for a snippet and a
language when it was typed before at least ``min_count`` uses of it, is not a stop word, and
has no stem in common with the snippet's title or keywords there. Masked parts (``[number]``)
are never proposed. Editors add the ones they agree with in a pull request.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from sqlalchemy import and_, select
from sqlalchemy.engine import Engine

from kb.content.model import Snippet
from kb.language.analysis import is_stop_word, stem, words
from kb.usage import schema
from kb.usage.masking import MARKERS

MIN_COUNT = 2
MIN_LENGTH = 3
TOP = 5
_MARKER = re.compile("|".join(re.escape(marker) for marker in MARKERS.values()))


def _known_stems(snippet: Snippet, lang: str) -> set[str]:
    text = snippet.texts.get(lang)
    if text is None:
        return set()
    return {stem(word, lang) for word in words(" ".join([text.title, *text.keywords]))}


def candidates(query: str, lang: str) -> set[str]:
    """The words of one masked query that could be keywords (each counted once per search)."""
    return {word for word in words(_MARKER.sub(" ", query))
            if len(word) >= MIN_LENGTH and not word.isdigit() and not is_stop_word(word, lang)}


def propose(engine: Engine, snippets: Iterable[Snippet], since: datetime.datetime, lang: str | None = None,
            min_count: int = MIN_COUNT, top: int = TOP) -> dict[str, dict[str, list[dict]]]:
    """``{snippet_id: {lang: [{"keyword", "count"}]}}``, most typed first, for snippets that still exist."""
    known = {snippet.id: snippet for snippet in snippets}
    s, e = schema.searches, schema.events
    condition = and_(e.c.type.in_(schema.USES), e.c.at >= since, s.c.kind == "search", s.c.query.is_not(None))
    if lang is not None:
        condition = and_(condition, s.c.lang == lang)
    counts: dict[tuple[str, str], Counter] = defaultdict(Counter)
    with engine.connect() as conn:
        rows = conn.execute(select(e.c.snippet_id, s.c.lang, s.c.query, e.c.search_id).distinct()
                            .join(s, s.c.id == e.c.search_id).where(condition)).all()
    for snippet_id, row_lang, query, _search in rows:
        if snippet_id in known:
            counts[(snippet_id, row_lang)].update(candidates(query, row_lang))
    proposals: dict[str, dict[str, list[dict]]] = {}
    for (snippet_id, row_lang), counter in sorted(counts.items()):
        have = _known_stems(known[snippet_id], row_lang)
        chosen = [{"keyword": word, "count": count}
                  for word, count in sorted(counter.items(), key=lambda item: (-item[1], item[0]))
                  if count >= min_count and stem(word, row_lang) not in have][:top]
        if chosen:
            proposals.setdefault(snippet_id, {})[row_lang] = chosen
    return proposals
