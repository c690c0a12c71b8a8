"""The usage report: what was used, what was not, and what agents searched for in vain.

One function, :func:`build`, makes the report as a dict with stable keys (documented in
``docs/editors/insights.rst``); ``kb usage report``, ``GET /api/v1/insights`` and the
Insights page all show that same dict.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Engine

from kb.content.model import Snippet
from kb.i18n import gettext
from kb.usage import incident_figures, schema
from kb.usage.db import now

DEFAULT_SINCE = "30d"
TOP = 20  # rows per list
LOW_RANK = 4  # a pick at this rank or lower means the search ranked the reply too low
PERIOD = re.compile(r"^\s*(\d{1,5})\s*([hdw])\s*$")
API_PERIOD = re.compile(r"[0-9]{1,4}[hdw]")  # what GET /api/v1/insights takes (its OpenAPI pattern)
UNITS = {"h": "hours", "d": "days", "w": "weeks"}
REPORT_KEYS = ("since", "until", "lang", "totals", "most_used", "unused", "zero_results", "low_rank_picks",
               "translations", "daily", "incidents")


def parse_since(value: str, at: datetime.datetime | None = None) -> datetime.datetime:
    """``30d``, ``12h``, ``2w`` back from now, or a date ``2026-11-01`` (UTC); ValueError otherwise."""
    match = PERIOD.match(value)
    if match:
        return (at or now()) - datetime.timedelta(**{UNITS[match.group(2)]: int(match.group(1))})
    try:
        return datetime.datetime.fromisoformat(value.strip()).replace(tzinfo=None)
    except ValueError:
        raise ValueError(gettext("%(value)s is not a period: give e.g. 30d, 12h, 2w or a date such as 2026-11-01")
                         % {"value": repr(value)}) from None


def _uses(since: datetime.datetime, lang: str | None):
    table = schema.events
    condition = and_(table.c.type.in_(schema.USES), table.c.at >= since)
    return condition if lang is None else and_(condition, table.c.lang == lang)


def _searches(since: datetime.datetime, lang: str | None):
    table = schema.searches
    return table.c.at >= since if lang is None else and_(table.c.at >= since, table.c.lang == lang)


def _totals(conn, since, lang) -> dict[str, int]:
    s, e = schema.searches, schema.events
    kinds = dict(conn.execute(select(s.c.kind, func.count()).where(_searches(since, lang)).group_by(s.c.kind)).all())
    zero = conn.execute(select(func.count()).where(_searches(since, lang), s.c.result_count == 0)).scalar() or 0
    event_filter = e.c.at >= since if lang is None else and_(e.c.at >= since, e.c.lang == lang)
    types = dict(conn.execute(select(e.c.type, func.count()).where(event_filter).group_by(e.c.type)).all())
    return {"searches": kinds.get("search", 0), "suggests": kinds.get("suggest", 0), "zero_results": zero,
            "inserts": types.get("insert", 0), "copies": types.get("copy", 0), "dismissals": types.get("dismiss", 0)}


def _most_used(conn, since, lang, top) -> list[dict]:
    e = schema.events
    uses = func.count().label("uses")
    rows = conn.execute(select(e.c.snippet_id, e.c.lang, e.c.channel, uses).where(_uses(since, lang))
                        .group_by(e.c.snippet_id, e.c.lang, e.c.channel)
                        .order_by(uses.desc(), e.c.snippet_id, e.c.lang).limit(top)).all()
    return [{"snippet_id": r.snippet_id, "lang": r.lang, "channel": r.channel, "uses": r.uses} for r in rows]


def _zero_results(conn, since, lang, top) -> dict[str, dict]:
    s = schema.searches
    count = func.count().label("count")
    rows = conn.execute(select(s.c.lang, s.c.query, count)
                        .where(_searches(since, lang), s.c.result_count == 0, s.c.kind == "search")
                        .group_by(s.c.lang, s.c.query).order_by(s.c.lang, count.desc(), s.c.query)).all()
    found: dict[str, dict] = {}
    for row in rows:
        entry = found.setdefault(row.lang, {"searches": 0, "queries": []})
        entry["searches"] += row.count
        if len(entry["queries"]) < top:
            entry["queries"].append({"query": row.query, "count": row.count})
    return found


def _low_rank_picks(conn, since, lang, top) -> list[dict]:
    s, e = schema.searches, schema.events
    count = func.count().label("count")
    best = func.min(e.c.rank).label("rank")
    rows = conn.execute(select(e.c.snippet_id, e.c.lang, s.c.query, best, count)
                        .join(s, s.c.id == e.c.search_id).where(_uses(since, lang), e.c.rank >= LOW_RANK)
                        .group_by(e.c.snippet_id, e.c.lang, s.c.query)
                        .order_by(count.desc(), e.c.snippet_id).limit(top)).all()
    return [{"snippet_id": r.snippet_id, "lang": r.lang, "query": r.query, "rank": r.rank, "count": r.count}
            for r in rows]


def _translations(used: Iterable[tuple[str, str, int]], replies: dict[str, Snippet]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for snippet_id, lang, uses in used:
        entry = found.setdefault(lang, {"uses": 0, "translated": 0, "snippets": 0})
        entry["uses"] += uses
        entry["snippets"] += 1
        snippet = replies.get(snippet_id)
        if snippet is not None and snippet.source_lang != lang:
            entry["translated"] += uses
    return dict(sorted(found.items()))


def _daily(conn, since, lang) -> list[dict]:
    s, e = schema.searches, schema.events
    days: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for at, row_lang in conn.execute(select(s.c.at, s.c.lang).where(_searches(since, lang))):
        days[(at.date().isoformat(), row_lang)]["searches"] += 1
    for at, row_lang in conn.execute(select(e.c.at, e.c.lang).where(_uses(since, lang))):
        days[(at.date().isoformat(), row_lang)]["uses"] += 1
    return [{"day": day, "lang": row_lang, "searches": counts["searches"], "uses": counts["uses"]}
            for (day, row_lang), counts in sorted(days.items())]


def build(engine: Engine, snippets: Iterable[Snippet], since: datetime.datetime, lang: str | None = None,
          top: int = TOP) -> dict:
    """The report of the period from *since* to now, in one language or all (*lang* None)."""
    replies = {snippet.id: snippet for snippet in snippets if snippet.kind == "reply"}
    e = schema.events
    with engine.connect() as conn:
        used = conn.execute(select(e.c.snippet_id, e.c.lang, func.count()).where(_uses(since, lang))
                            .group_by(e.c.snippet_id, e.c.lang)).all()
        report = {
            "since": since.isoformat(timespec="seconds") + "Z",
            "until": now().isoformat(timespec="seconds") + "Z",
            "lang": lang,
            "totals": _totals(conn, since, lang),
            "most_used": _most_used(conn, since, lang, top),
            "unused": sorted(set(replies) - {row[0] for row in used}),
            "zero_results": _zero_results(conn, since, lang, top),
            "low_rank_picks": _low_rank_picks(conn, since, lang, top),
            "translations": _translations(used, replies),
            "daily": _daily(conn, since, lang),
            "incidents": incident_figures.figures(conn, since, lang),
        }
    return report
