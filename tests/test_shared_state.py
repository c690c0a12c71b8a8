"""What a replica does when what it shares with the others is down: Redis (the rate limits) or
the usage database. It keeps searching, ``/health`` says what is down without waiting for it,
and the searches it could not record are held, then written, or dropped and counted.

The servers that are "down" are loopback ports bound and never listened on: connecting is
refused at once, and no other process can be handed the port meanwhile.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from support.api_support import AGENT_SECRET, bearer, write_tokens_file

from kb.api.dependencies import probe
from kb.api.ratelimit import safe_storage_url
from kb.usage import db, schema
from kb.usage.recorder import Recorder, SearchRecord, new_search_id

pytest_plugins = ("support.apikit",)

SEARCH = "/api/v1/search?q=lasku&lang=fi"


@contextmanager
def refused_port() -> Iterator[int]:
    with socket.socket() as reserved:
        reserved.bind(("127.0.0.1", 0))
        yield reserved.getsockname()[1]


def record() -> SearchRecord:
    return SearchRecord(new_search_id(), "search", "lasku", "fi", None, None, ("billing/invoice",), 1.0)


def test_redis_down_the_limits_fall_back_to_each_worker_and_health_says_so(make_app, tmp_path):
    with refused_port() as port:
        app = make_app(RATE_LIMIT=1.0, RATE_BURST=4, RATE_LIMIT_STORAGE=f"redis://127.0.0.1:{port}/0", WORKERS=2,
                       TOKENS_FILE=str(write_tokens_file(tmp_path / "tokens.yaml")))
        client = app.test_client()
        started = time.perf_counter()
        statuses = [client.get(SEARCH, headers=bearer(AGENT_SECRET)).status_code for _ in range(4)]
        seconds = time.perf_counter() - started
        # This worker's share while Redis is away: 2 of the 4 (two workers), then 429.
        assert statuses == [200, 200, 429, 429]
        assert seconds < 2  # refused at once, with the timeouts of kb.api.ratelimit for a Redis that hangs
        probe(app).check_now()
        started = time.perf_counter()
        health = client.get("/api/v1/health")
        assert time.perf_counter() - started < 0.5
    data = health.get_json()
    assert health.status_code == 200 and data["status"] == "degraded"
    assert data["rate_limits"]["storage"] == f"redis://127.0.0.1:{port}/0" and data["rate_limits"]["shared"] is True
    assert data["rate_limits"]["reachable"] is False and data["rate_limits"]["error"]
    assert data["database"]["reachable"] is True  # SQLite beside the index


def test_a_database_that_is_down_is_on_health_and_its_lost_searches_are_counted(make_app, caplog):
    with refused_port() as port:
        app = make_app(DATABASE_URL=f"postgresql://kb:secret@127.0.0.1:{port}/usage")
        client = app.test_client()
        assert all(client.get(SEARCH).status_code == 200 for _ in range(3))
        probe(app).check_now()
        data = client.get("/api/v1/health").get_json()
        metrics = client.get("/metrics").get_data(as_text=True)
    assert data["status"] == "degraded" and data["database"]["reachable"] is False
    assert data["database"]["url"] == f"postgresql+psycopg://kb:***@127.0.0.1:{port}/usage"  # never the password
    assert "secret" not in str(data)
    assert data["usage"]["dropped"] == 3
    assert "kb_usage_records_dropped_total 3.0" in metrics


def test_records_are_held_while_the_database_fails_and_written_when_it_answers(tmp_path: Path, caplog):
    engine = db.open_engine("sqlite:///" + str(tmp_path / "u.sqlite"))
    with engine.begin() as conn:  # the database "fails": its table is gone
        conn.execute(text("DROP TABLE usage_events"))
        conn.execute(text("DROP TABLE usage_searches"))
    recorder = Recorder(engine, interval=3600)  # no thread flushing on its own: this test does
    for _ in range(5):
        recorder.record(record())
    with caplog.at_level(logging.WARNING, logger="kb.usage.recorder"):
        recorder.flush()
        recorder.flush()
    assert (recorder.written, recorder.dropped, recorder.held) == (0, 0, 5)
    assert sum("holding them" in message for message in caplog.messages) == 1  # once per outage, not per try
    with engine.begin() as conn:  # the database is back
        schema.searches.create(conn)
        schema.events.create(conn)
    recorder.record(record())
    recorder.flush()
    assert (recorder.written, recorder.dropped, recorder.held) == (6, 0, 0)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM usage_searches")).scalar() == 6
    recorder.close()
    engine.dispose()


def test_beyond_the_buffer_records_are_dropped_counted_and_warned_once(tmp_path: Path, caplog):
    engine = db.open_engine("sqlite:///" + str(tmp_path / "u.sqlite"))
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE usage_events"))
        conn.execute(text("DROP TABLE usage_searches"))
    counted = []
    recorder = Recorder(engine, interval=3600, max_pending=10, on_drop=counted.append)
    with caplog.at_level(logging.WARNING, logger="kb.usage.recorder"):
        for _ in range(8):
            recorder.record(record())
        recorder.flush()  # fails: 8 held
        for _ in range(7):
            recorder.record(record())  # 2 more fit, 5 do not
    assert (recorder.held, recorder.dropped, sum(counted)) == (10, 5, 5)
    assert sum("dropped" in message for message in caplog.messages) == 1
    recorder.close()  # still down: the 10 held are lost too, and counted
    assert (recorder.dropped, sum(counted)) == (15, 15)
    engine.dispose()


def test_storage_urls_on_health_hide_the_password():
    assert safe_storage_url("redis://:s3cret@cache.internal:6379/0") == "redis://:***@cache.internal:6379/0"
    assert safe_storage_url("redis://kb:s3cret@cache.internal/1") == "redis://kb:***@cache.internal/1"
    assert safe_storage_url("redis://cache.internal:6379/0") == "redis://cache.internal:6379/0"
    assert safe_storage_url("memory://") == "memory://"


def test_a_token_revoked_in_the_database_is_refused_and_restored(make_app, tmp_path, index_dir, capsys):
    from kb.cli.main import main

    url = "sqlite:///" + str(tmp_path / "shared.sqlite")
    app = make_app(TOKENS_FILE=str(write_tokens_file(tmp_path / "tokens.yaml")), DATABASE_URL=url)
    client = app.test_client()
    tokens = app.config["TOKENS"]
    assert client.get(SEARCH, headers=bearer(AGENT_SECRET)).status_code == 200
    assert main(["tokens", "revoke", "agent", "--note", "leaked", "--index", str(index_dir), "--database-url", url]) == 0
    assert "refuse it within 3 s" in capsys.readouterr().out
    tokens._read_revocations()  # what the worker's thread does every REVOCATION_SECONDS
    refused = client.get(SEARCH, headers=bearer(AGENT_SECRET))
    assert refused.status_code == 401 and "revoked" in refused.get_json()["error"]["message"]
    assert main(["tokens", "revoked", "--format", "json", "--index", str(index_dir), "--database-url", url]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(item["name"], item["note"]) for item in listed] == [("agent", "leaked")]
    assert main(["tokens", "revoke", "agent", "--index", str(index_dir), "--database-url", url]) == 0
    assert "revoked already" in capsys.readouterr().out
    assert main(["tokens", "restore", "agent", "--index", str(index_dir), "--database-url", url]) == 0
    tokens._read_revocations()
    assert client.get(SEARCH, headers=bearer(AGENT_SECRET)).status_code == 200
    assert main(["tokens", "restore", "agent", "--index", str(index_dir), "--database-url", url]) == 1


def test_revocations_read_last_stay_in_force_while_the_database_is_down(caplog):
    from kb.api.tokens import TokenStore

    names = [{"agent"}]

    def source() -> set[str]:
        if names[0] is None:
            raise ConnectionError("database down")
        return names[0]

    store = TokenStore(env_tokens=f"agent:{AGENT_SECRET}")
    store.watch_revocations(source)
    assert store.verify(AGENT_SECRET).revoked
    names[0] = None
    with caplog.at_level(logging.WARNING, logger="kb.api.tokens"):
        store._read_revocations()
        store._read_revocations()
    assert store.verify(AGENT_SECRET).revoked  # fail closed: the list read last
    assert sum("not read" in message for message in caplog.messages) == 1


def test_kb_serve_refuses_a_rate_limit_storage_it_cannot_use():
    from kb.api.server import ServeError, check_security
    from kb.config import SERVE_SETTINGS, values

    base = values(None, SERVE_SETTINGS)
    for good in ("memory://", "redis://127.0.0.1:6379/0", "rediss://:pw@cache:6380/1", "redis+unix:///run/redis.sock"):
        check_security({**base, "rate_limit_storage": good})
    for bad in ("memcached://cache:11211", "redis:/cache", "127.0.0.1:6379"):
        with pytest.raises(ServeError, match="--rate-limit-storage must be memory:// or redis://"):
            check_security({**base, "rate_limit_storage": bad})
    with pytest.raises(ServeError) as refused:
        check_security({**base, "rate_limit_storage": "mongodb://kb:s3cret@db/x"})
    assert "s3cret" not in str(refused.value) and "mongodb://kb:***@db/x" in str(refused.value)
