"""A ranking prior from inserts: within one search's results, the replies agents inserted or
copied after typing the same words move up a little.

It learns, per language and per word stem, which replies were used after searches containing
that stem (their share among the uses after that stem). A new search gets, for each result, the
mean share of its known stems, and the result's score is multiplied by ``1 + strength × share``.

Bounded twice: it only reorders the results a search already found (it never adds one or
brings one in from beyond the limit), and it raises a score by at most ``strength``, itself at
most :data:`MAX_STRENGTH`; so a reply scored well below another is never lifted over it.
Decaying: a use counts ``0.5 ** (age / half-life)``, over the last :data:`WINDOW_DAYS` days.
Switchable: strength 0, the default, turns it off. Only typed searches teach it and get it (a
customer's message is never stored, so it teaches nothing). ``bench/replay_prior.py`` evaluates
it by replaying recorded events.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Mapping

from sqlalchemy import and_, select
from sqlalchemy.engine import Engine

from kb.language.analysis import stem
from kb.usage import schema
from kb.usage.db import now
from kb.usage.keywords import candidates

HALF_LIFE_DAYS = 14.0
WINDOW_DAYS = 90
MAX_STRENGTH = 0.2  # bench/replay_prior.py: 0.3 lowered a benchmark set, 0.1 and 0.2 none

Weights = dict[str, dict[str, dict[str, float]]]  # lang -> stem -> snippet id -> share (0..1)


def stems(query: str, lang: str) -> set[str]:
    return {stem(word, lang) for word in candidates(query, lang)}


def weights(engine: Engine, at: datetime.datetime | None = None, half_life_days: float = HALF_LIFE_DAYS) -> Weights:
    """The prior's weights from the uses recorded before *at* (default now)."""
    at = at or now()
    s, e = schema.searches, schema.events
    condition = and_(e.c.type.in_(schema.USES), e.c.at >= at - datetime.timedelta(days=WINDOW_DAYS), e.c.at < at,
                     s.c.kind == "search", s.c.query.is_not(None))
    decayed: dict[str, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(float)))
    with engine.connect() as conn:
        rows = conn.execute(select(s.c.lang, s.c.query, e.c.snippet_id, e.c.at)
                            .join(s, s.c.id == e.c.search_id).where(condition)).all()
    for lang, query, snippet_id, when in rows:
        weight = 0.5 ** ((at - when).total_seconds() / 86400 / half_life_days)
        for key in stems(query, lang):
            decayed[lang][key][snippet_id] += weight
    return {lang: {key: {snippet_id: count / sum(counts.values()) for snippet_id, count in counts.items()}
                   for key, counts in by_stem.items()}
            for lang, by_stem in decayed.items()}


def bounded(strength: float) -> float:
    return min(max(float(strength), 0.0), MAX_STRENGTH)


def rerank(results: list[dict], lang_weights: Mapping[str, Mapping[str, float]], query: str, lang: str,
           strength: float) -> list[dict]:
    """*results* (best first, each with ``id`` and ``score``) in the prior's order for *query*;
    the same list when the prior is off, knows none of the query's stems, or a result has no score."""
    strength = bounded(strength)
    if not strength or not lang_weights or any(not isinstance(r.get("score"), int | float) for r in results):
        return results
    known = [lang_weights[key] for key in stems(query, lang) if key in lang_weights]
    if not known:
        return results

    def share(snippet_id: str) -> float:
        return sum(shares.get(snippet_id, 0.0) for shares in known) / len(known)

    keyed = sorted((-(r["score"] * (1 + strength * share(r["id"]))), n) for n, r in enumerate(results))
    return [results[n] for _key, n in keyed]
