"""The usage tables and the migrations that create and change them, numbered.

Each migration runs once, in its own transaction, and is recorded in ``usage_schema``; a
database made by an older version is brought up to date when it is opened. A migration is
never edited once released: a change is a new, higher number. Timestamps are naive UTC.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.engine import Connection

metadata = MetaData()

SEARCH_ID_LENGTH = 32
EVENT_TYPES = ("insert", "copy", "dismiss")
USES = ("insert", "copy")  # the events that mean a reply went to a customer

schema_versions = Table(
    "usage_schema", metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", String(100), nullable=False),
    Column("applied_at", DateTime, nullable=False),
)

def _search_columns() -> list[Column]:
    """The columns of ``usage_searches`` as migration 1 made them (later ones add to them)."""
    return [
        Column("id", String(SEARCH_ID_LENGTH), primary_key=True),
        Column("at", DateTime, nullable=False),
        Column("kind", String(10), nullable=False),  # search | suggest
        Column("query", Text, nullable=True),
        Column("lang", String(16), nullable=False),  # the language results were shown in
        Column("detected_lang", String(16), nullable=True),  # suggest: the language the message was written in
        Column("channel", String(40), nullable=True),
        Column("result_ids", Text, nullable=False),  # the ids shown, in order, one per line
        Column("result_count", Integer, nullable=False),
        Column("latency_ms", Float, nullable=False),
    ]


# One row per /search or /suggest answer. `query` is the typed query, masked; it is NULL for
# /suggest, whose text is a customer's message and is never stored. `incident_id` names the
# incident the answer carried (migration 2), NULL for most.
searches = Table(
    "usage_searches", metadata,
    *_search_columns(),
    Column("incident_id", Integer, nullable=True),
    Index("ix_usage_searches_at", "at"),
    Index("ix_usage_searches_incident", "incident_id"),
)

# One row per insert, copy or dismissal the panel reported, tied to the search that showed it.
events = Table(
    "usage_events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("type", String(10), nullable=False),
    Column("search_id", String(SEARCH_ID_LENGTH), ForeignKey("usage_searches.id", ondelete="CASCADE"), nullable=False),
    Column("snippet_id", String(200), nullable=False),
    Column("rank", Integer, nullable=False),  # 1 for the first item shown
    Column("lang", String(16), nullable=False),
    Column("channel", String(40), nullable=True),
    Column("helpdesk", String(40), nullable=True),
    Index("ix_usage_events_at", "at"),
    Index("ix_usage_events_search", "search_id"),
    Index("ix_usage_events_snippet", "snippet_id"),
)


# One row per declared incident (kb/incidents/): what agents are told about an outage. Times are
# naive UTC; `next_update` is the local time as declared ("14:30"), `next_update_at` the moment it
# stands for. `replies` are snippet ids, one per line, the first the one pinned.
incidents = Table(
    "incidents", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("area", String(200), nullable=False),
    Column("next_update", String(5), nullable=True),
    Column("next_update_at", DateTime, nullable=True),
    Column("note", Text, nullable=True),
    Column("replies", Text, nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("ended_at", DateTime, nullable=True),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_incidents_ended", "ended_at"),
)


# API tokens refused by every replica, by name (kb/usage/revocations.py, `kb tokens revoke`): the
# tokens files are per machine, this table is what every replica reads within seconds.
token_revocations = Table(
    "token_revocations", metadata,
    Column("name", String(200), primary_key=True),
    Column("revoked_at", DateTime, nullable=False),
    Column("note", String(500), nullable=True),
)


def _v1_tables(conn: Connection) -> None:
    Table("usage_searches", MetaData(), *_search_columns(), Index("ix_usage_searches_at", "at")).create(conn)
    events.create(conn)


def _v3_token_revocations(conn: Connection) -> None:
    token_revocations.create(conn)


def _v2_incidents(conn: Connection) -> None:
    incidents.create(conn)
    conn.execute(text("ALTER TABLE usage_searches ADD COLUMN incident_id INTEGER"))
    next(index for index in searches.indexes if index.name == "ix_usage_searches_incident").create(conn)


# (version, name, what it does): append only.
MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "searches and events", _v1_tables),
    (2, "incidents", _v2_incidents),
    (3, "token revocations", _v3_token_revocations),
]

LATEST = MIGRATIONS[-1][0]
