"""Fixtures for the usage database: a PostgreSQL server for the module, and an empty database
of each kind (SQLite, PostgreSQL) for each test. Used as a pytest plugin (``pytest_plugins``)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from kb.usage import db
from support.postgres import postgres_server


@pytest.fixture(scope="module")
def postgres_url():
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path: Path) -> str:
    """An empty database of each kind: a SQLite file, or a new database on the test server."""
    if request.param == "sqlite":
        return "sqlite:///" + str(tmp_path / "usage.sqlite")
    server = request.getfixturevalue("postgres_url")
    name = "t" + uuid.uuid4().hex[:12]
    admin = create_engine(db.resolve_url(server, "."), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server.rsplit("/", 1)[0] + "/" + name
