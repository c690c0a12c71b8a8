"""API tokens revoked for every replica at once, in the shared database.

A tokens file lives on each machine: revoking a leaked token there is as fast as one's
configuration management. ``kb tokens revoke NAME`` writes the name here instead, and every
worker of every replica reads the list every ``kb.api.tokens.REVOCATION_SECONDS`` (in the
background, never in a request) and refuses the token from then on. ``kb tokens restore NAME``
takes it off the list. Only names are stored, never a secret.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from kb.usage import schema
from kb.usage.db import now

MAX_NAME = 200
MAX_NOTE = 500


def revoke(engine: Engine, name: str, note: str | None = None) -> bool:
    """Put *name* on the list; False when it was there already (nothing changes)."""
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise ValueError(f"a token name has 1 to {MAX_NAME} characters")
    try:
        with engine.begin() as conn:
            conn.execute(schema.token_revocations.insert().values(
                name=name, revoked_at=now(), note=(note or None) and note[:MAX_NOTE]))
    except IntegrityError:
        return False
    return True


def restore(engine: Engine, name: str) -> bool:
    """Take *name* off the list; False when it was not on it."""
    with engine.begin() as conn:
        return conn.execute(delete(schema.token_revocations)
                            .where(schema.token_revocations.c.name == name.strip())).rowcount > 0


def revoked(engine: Engine) -> set[str]:
    """The names on the list."""
    with engine.connect() as conn:
        return set(conn.execute(select(schema.token_revocations.c.name)).scalars())


def listing(engine: Engine) -> list[dict]:
    """The list for people and scripts: name, when (ISO, UTC) and the note, oldest first."""
    table = schema.token_revocations
    with engine.connect() as conn:
        rows = conn.execute(select(table).order_by(table.c.revoked_at, table.c.name)).all()
    return [{"name": row.name, "revoked_at": row.revoked_at.isoformat(timespec="seconds") + "Z", "note": row.note}
            for row in rows]
