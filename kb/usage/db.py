"""Opening the usage database and bringing its schema up to date.

``KB_DATABASE_URL`` chooses it. Empty (the default) is SQLite in WAL mode in a file beside
the index, made on first use, so a single server needs nothing set up; ``postgresql://...``
(psycopg 3) is for several servers sharing one database. Both go through SQLAlchemy Core.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from kb.i18n import gettext
from kb.usage import schema

SQLITE_SUFFIX = ".usage.sqlite"
SQLITE_BUSY_SECONDS = 10  # another worker writing: wait this long for the lock
CONNECT_SECONDS = 5  # a PostgreSQL server that does not answer: give up after this long, never hang
MIGRATION_LOCK = 726_571_013  # PostgreSQL advisory lock held while migrating (any constant of ours)


class DatabaseError(Exception):
    """The usage database cannot be opened or migrated; the message says which and why."""


def default_url(index_dir: Path | str) -> str:
    """SQLite beside the index: ``.kb-index`` gets ``.kb-index.usage.sqlite``."""
    index_dir = Path(index_dir).absolute()
    return "sqlite:///" + str(index_dir.with_name(index_dir.name + SQLITE_SUFFIX))


def resolve_url(url: str, index_dir: Path | str) -> str:
    """The SQLAlchemy URL for setting *url*: the default when empty, psycopg 3 for PostgreSQL."""
    url = url.strip()
    if not url:
        return default_url(index_dir)
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def now() -> datetime.datetime:
    """The current time as stored: naive UTC, to the microsecond."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def _sqlite_engine(url: str) -> Engine:
    path = url.removeprefix("sqlite:///")
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS, "check_same_thread": False})

    # SQLite's Python driver starts transactions late and on its own; let SQLAlchemy say BEGIN,
    # so that a migration can take the write lock first (BEGIN IMMEDIATE) and two workers
    # starting at once do not both migrate.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers (reports) never block the writer
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("immediate") else "BEGIN")

    return engine


def _postgres_engine(url: str) -> Engine:
    # Without a timeout, a host that accepts the connection and never answers (a firewall, or
    # another service on that port) would hold a worker's start-up, and so the whole service.
    return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": CONNECT_SECONDS})


def open_engine(url: str, index_dir: Path | str = ".kb-index", migrate_now: bool = True) -> Engine:
    """An engine for setting *url* (see :func:`resolve_url`), its schema brought up to date."""
    resolved = resolve_url(url, index_dir)
    try:
        engine = _sqlite_engine(resolved) if resolved.startswith("sqlite") else _postgres_engine(resolved)
        if migrate_now:
            migrate(engine)
    except (SQLAlchemyError, OSError, ValueError, ImportError) as exc:
        raise DatabaseError(gettext("cannot open the usage database %(url)s: %(reason)s")
                            % {"url": safe_url(resolved), "reason": exc}) from exc
    return engine


def safe_url(url: str) -> str:
    """*url* with any password hidden, for messages and logs."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL: show nothing of it that could be a secret
        return "<database url>"


def schema_version(conn: Connection) -> int:
    """The highest migration applied, 0 for a new database."""
    schema.schema_versions.create(conn, checkfirst=True)
    return conn.execute(select(schema.schema_versions.c.version).order_by(
        schema.schema_versions.c.version.desc()).limit(1)).scalar() or 0


def migrate(engine: Engine) -> int:
    """Apply the migrations not applied yet, each in its own transaction; the version reached."""
    for version, name, apply in schema.MIGRATIONS:
        with engine.connect().execution_options(immediate=True) as conn, conn.begin():
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            if schema_version(conn) >= version:
                continue
            apply(conn)
            conn.execute(schema.schema_versions.insert().values(version=version, name=name, applied_at=now()))
    with engine.connect() as conn:
        return schema_version(conn)
