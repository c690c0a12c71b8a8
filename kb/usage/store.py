"""Reading searches back, storing panel events, and removing data older than the retention."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine

from kb.usage import schema
from kb.usage.db import now

DEFAULT_RETENTION_DAYS = 90


@dataclass(frozen=True)
class Shown:
    """What a recorded search showed: its language, channel and the ids in order."""

    search_id: str
    lang: str
    channel: str | None
    result_ids: tuple[str, ...]


def shown(engine: Engine, search_ids: Iterable[str]) -> dict[str, Shown]:
    """The recorded searches among *search_ids*, by id (missing ones are not there)."""
    wanted = sorted(set(search_ids))
    if not wanted:
        return {}
    table = schema.searches
    with engine.connect() as conn:
        rows = conn.execute(select(table.c.id, table.c.lang, table.c.channel, table.c.result_ids)
                            .where(table.c.id.in_(wanted))).all()
    return {row.id: Shown(row.id, row.lang, row.channel, tuple(filter(None, row.result_ids.split("\n"))))
            for row in rows}


def add_events(engine: Engine, rows: list[dict]) -> int:
    """Store checked events (``type, search_id, snippet_id, rank, lang, channel, helpdesk``) at once."""
    stamp = now()
    with engine.begin() as conn:
        conn.execute(schema.events.insert(), [{**row, "at": stamp} for row in rows])
    return len(rows)


def purge(engine: Engine, days: int, at: datetime.datetime | None = None) -> dict[str, int]:
    """Delete searches and events older than *days* days, and incidents that ended longer ago
    than that (their figures went with the searches); how many of each went."""
    if days < 1:
        raise ValueError("the retention must be at least one day")
    cutoff = (at or now()) - datetime.timedelta(days=days)
    with engine.begin() as conn:
        # Events of old searches go with them, even when the event itself is newer.
        old = select(schema.searches.c.id).where(schema.searches.c.at < cutoff)
        events = conn.execute(delete(schema.events).where(
            (schema.events.c.at < cutoff) | schema.events.c.search_id.in_(old))).rowcount
        searches = conn.execute(delete(schema.searches).where(schema.searches.c.at < cutoff)).rowcount
        incidents = conn.execute(delete(schema.incidents).where(schema.incidents.c.ended_at < cutoff)).rowcount
    return {"searches": searches, "events": events, "incidents": incidents}
