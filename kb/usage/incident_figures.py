"""Per-incident figures of the usage report: how many replies agents sent during each incident.

A suggestion that carried an incident is recorded with its id (``usage_searches.incident_id``),
so the inserts and copies made from it are the incident's: counted per language and channel,
and over time in buckets from the incident's start (:data:`SHORT_BUCKET` minutes for an incident
of up to :data:`SHORT_HOURS` hours, an hour for longer ones), with the running total.
"""

from __future__ import annotations

import datetime
from collections import Counter

from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Connection

from kb.usage import schema
from kb.usage.db import now

SHORT_BUCKET = 10
SHORT_HOURS = 12
LONG_BUCKET = 60
MAX_BUCKETS = 24 * 14  # two weeks in hours: a longer incident shows its first two weeks


def _stamp(moment: datetime.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds") + "Z"


def _uses(incident_id: int, lang: str | None):
    s, e = schema.searches, schema.events
    condition = and_(s.c.incident_id == incident_id, e.c.type.in_(schema.USES))
    return condition if lang is None else and_(condition, e.c.lang == lang)


def _timeline(times: list[datetime.datetime], start: datetime.datetime, end: datetime.datetime) -> dict:
    minutes = SHORT_BUCKET if end - start <= datetime.timedelta(hours=SHORT_HOURS) else LONG_BUCKET
    size = datetime.timedelta(minutes=minutes)
    count = min(int((end - start) / size) + 1, MAX_BUCKETS)
    per_bucket = Counter(min(int((at - start) / size), count - 1) for at in times if at >= start)
    buckets, total = [], 0
    for number in range(count):
        total += per_bucket[number]
        buckets.append({"start": _stamp(start + number * size), "uses": per_bucket[number], "total": total})
    return {"bucket_minutes": minutes, "buckets": buckets}


def _one(conn: Connection, row, lang: str | None, at: datetime.datetime) -> dict:
    s, e = schema.searches, schema.events
    joined = e.join(s, s.c.id == e.c.search_id)
    uses = func.count().label("uses")
    by = conn.execute(select(e.c.lang, e.c.channel, uses).select_from(joined).where(_uses(row.id, lang))
                      .group_by(e.c.lang, e.c.channel).order_by(uses.desc(), e.c.lang, e.c.channel)).all()
    times = sorted(conn.execute(select(e.c.at).select_from(joined).where(_uses(row.id, lang))).scalars())
    shown = select(func.count()).where(s.c.incident_id == row.id)
    suggestions = conn.execute(shown if lang is None else shown.where(s.c.lang == lang)).scalar() or 0
    return {"id": row.id, "area": row.area, "started_at": _stamp(row.started_at), "ended_at": _stamp(row.ended_at),
            "suggestions": suggestions, "uses": sum(item.uses for item in by),
            "by_language_channel": [{"lang": item.lang, "channel": item.channel, "uses": item.uses} for item in by],
            "timeline": _timeline(times, row.started_at, row.ended_at or at)}


def figures(conn: Connection, since: datetime.datetime, lang: str | None = None) -> list[dict]:
    """The figures of every incident that was on at some time since *since*, oldest first."""
    table = schema.incidents
    at = now()
    rows = conn.execute(select(table).where(or_(table.c.ended_at.is_(None), table.c.ended_at >= since))
                        .order_by(table.c.id)).all()
    return [_one(conn, row, lang, at) for row in rows]
