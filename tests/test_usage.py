"""Usage insights (kb/usage, /api/v1/events, /api/v1/insights): recorded, checked, reported, purged.

The storage tests run twice: on SQLite (the default, a file beside the index) and on a real
PostgreSQL server that this module starts itself in a temporary folder (support/postgres.py).
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from sqlalchemy import select, text
from support.api_support import ADMIN_SECRET, AGENT_SECRET, bearer

from kb.usage import db, schema
from kb.usage.masking import mask
from kb.usage.recorder import Recorder, SearchRecord, new_search_id, search_id_age
from kb.usage.reports import REPORT_KEYS
from kb.usage.store import purge

pytest_plugins = ("support.apikit", "support.databases")

MESSAGE = "Hei, olen Maija Meikäläinen ja laskuni 123456 on väärin, soita 040 123 4567 tai maija@example.fi"


def all_text(engine) -> str:
    """Every value of every usage table, as one string: what a leak would show up in."""
    found = []
    with engine.connect() as conn:
        for table in (schema.searches, schema.events):
            found += [json.dumps([str(value) for value in row]) for row in conn.execute(select(table))]
    return "\n".join(found)


# -- masking -----------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, stored", [
    ("lasku 123456", "lasku [number]"),
    ("maija.meikalainen+kb@example.co.uk palautus", "[email] palautus"),
    ("soita 040 123 4567", "soita [phone]"),
    ("+372 5123 4567 arve", "[phone] arve"),
    ("tilaus 12 ja 345", "tilaus [number] ja [number]"),
    ("(09) 1234-5678", "[phone]"),
    ("paketti myöhässä", "paketti myöhässä"),
])
def test_typed_queries_are_masked(typed: str, stored: str):
    assert mask(typed) == stored


# -- storage -----------------------------------------------------------------------------------

def test_a_new_database_gets_every_migration_once(database_url: str):
    engine = db.open_engine(database_url)
    assert db.migrate(engine) == schema.LATEST  # again: nothing to do
    with engine.connect() as conn:
        versions = conn.execute(select(schema.schema_versions.c.version)).scalars().all()
    assert versions == [version for version, _name, _apply in schema.MIGRATIONS]
    engine.dispose()


def test_the_default_is_sqlite_in_wal_mode_beside_the_index(tmp_path: Path):
    engine = db.open_engine("", tmp_path / "my-index")
    assert (tmp_path / "my-index.usage.sqlite").is_file()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert db.resolve_url("postgresql://u:p@h/kb", ".") == "postgresql+psycopg://u:p@h/kb"
    assert "p@" not in db.safe_url("postgresql+psycopg://u:secret@h/kb")


def test_a_database_that_cannot_be_opened_is_a_clear_error(tmp_path: Path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    with pytest.raises(db.DatabaseError, match="cannot open the usage database"):
        db.open_engine("sqlite:///" + str(blocked / "usage.sqlite"))


def test_the_recorder_writes_in_batches_off_the_callers_thread(database_url: str):
    engine = db.open_engine(database_url)
    recorder = Recorder(engine, interval=0.05)
    ids = [new_search_id() for _ in range(30)]
    for search_id in ids:
        recorder.record(SearchRecord(search_id, "search", "lasku 4412 maija@example.fi", "fi", None, "chat",
                                     ("billing/invoice",), 3.2))
    recorder.close()  # stops the thread; what it had not written yet is written now
    assert recorder.written == 30 and recorder.dropped == 0
    with engine.connect() as conn:
        rows = conn.execute(select(schema.searches)).all()
    assert sorted(row.id for row in rows) == sorted(ids)
    assert {row.query for row in rows} == {"lasku [number] [email]"}
    assert all(search_id_age(search_id) is not None and search_id_age(search_id) < 60 for search_id in ids)
    engine.dispose()


def test_a_database_that_fails_drops_records_and_never_raises(tmp_path: Path):
    engine = db.open_engine("sqlite:///" + str(tmp_path / "u.sqlite"))
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE usage_events"))
        conn.execute(text("DROP TABLE usage_searches"))
    recorder = Recorder(engine, interval=0.05)
    recorder.record(SearchRecord(new_search_id(), "search", "x", "fi", None, None, (), 1.0))
    recorder.close()
    assert (recorder.written, recorder.dropped) == (0, 1)


def test_purge_removes_what_is_older_than_the_retention(database_url: str):
    engine = db.open_engine(database_url)
    now = db.now()
    old, new = now - datetime.timedelta(days=91), now - datetime.timedelta(days=1)
    row = {"kind": "search", "query": "q", "lang": "fi", "detected_lang": None, "channel": None,
           "result_ids": "billing/invoice", "result_count": 1, "latency_ms": 1.0}
    event = {"type": "insert", "snippet_id": "billing/invoice", "rank": 1, "lang": "fi", "channel": None,
             "helpdesk": None}
    with engine.begin() as conn:
        conn.execute(schema.searches.insert(), [{**row, "id": "a" * 32, "at": old}, {**row, "id": "b" * 32, "at": new}])
        conn.execute(schema.events.insert(), [{**event, "search_id": "a" * 32, "at": new},
                                              {**event, "search_id": "b" * 32, "at": new}])
    assert purge(engine, 90) == {"searches": 1, "events": 1, "incidents": 0}
    with engine.connect() as conn:
        assert conn.execute(select(schema.searches.c.id)).scalars().all() == ["b" * 32]
        assert conn.execute(select(schema.events.c.search_id)).scalars().all() == ["b" * 32]
    with pytest.raises(ValueError):
        purge(engine, 0)
    engine.dispose()


def test_the_recorder_purges_past_the_retention_by_itself(tmp_path: Path):
    import time

    engine = db.open_engine("sqlite:///" + str(tmp_path / "u.sqlite"))
    with engine.begin() as conn:
        conn.execute(schema.searches.insert().values(
            id="a" * 32, at=db.now() - datetime.timedelta(days=31), kind="search", query="q", lang="fi",
            result_ids="", result_count=0, latency_ms=1.0))
    recorder = Recorder(engine, interval=0.02, retention_days=30)
    fresh = new_search_id()
    recorder.record(SearchRecord(fresh, "search", "x", "fi", None, None, (), 1.0))
    deadline = time.monotonic() + 10
    while True:  # the thread writes the new search and, in the same round, purges the old one
        with engine.connect() as conn:
            ids = conn.execute(select(schema.searches.c.id)).scalars().all()
        if ids == [fresh]:
            break
        assert time.monotonic() < deadline, ids
        time.sleep(0.02)
    recorder.close()


# -- the API -----------------------------------------------------------------------------------

@pytest.fixture
def usage_app(make_app, database_url: str):
    return make_app(DATABASE_URL=database_url, LOOPBACK=True)


def searched(client, q: str = "lasku", lang: str = "fi", **params) -> dict:
    response = client.get("/api/v1/search", query_string={"q": q, "lang": lang, **params})
    assert response.status_code == 200
    return response.get_json()


def events(client, *items: dict, headers: dict | None = None):
    return client.post("/api/v1/events", json={"events": list(items)}, headers=headers or {})


def engine_of(app):
    return app.extensions["vastaus_usage"].engine()


def test_answers_carry_a_search_id_and_the_search_is_recorded(usage_app):
    client = usage_app.test_client()
    first = searched(client, "lasku 991 maija@example.fi", channel="chat")
    again = searched(client, "lasku 991 maija@example.fi", channel="chat")  # from the cache: its own id
    assert first["search_id"] != again["search_id"] and len(first["search_id"]) == 32
    usage_app.extensions["vastaus_usage"].flush()
    with engine_of(usage_app).connect() as conn:
        row = conn.execute(select(schema.searches).where(schema.searches.c.id == first["search_id"])).one()
    assert (row.kind, row.query, row.lang, row.channel) == ("search", "lasku [number] [email]", "fi", "chat")
    assert row.result_ids.split("\n") == [result["id"] for result in first["results"]]
    assert row.result_count == len(first["results"]) > 0 and row.latency_ms > 0


def test_a_customers_message_is_never_stored(usage_app):
    client = usage_app.test_client()
    answer = client.post("/api/v1/suggest", json={"message": MESSAGE}).get_json()
    usage_app.extensions["vastaus_usage"].flush()
    shown = [item["id"] for item in answer["escalations"]] + [item["id"] for item in answer["results"]]
    with engine_of(usage_app).connect() as conn:
        row = conn.execute(select(schema.searches).where(schema.searches.c.id == answer["search_id"])).one()
    assert (row.kind, row.query, row.detected_lang) == ("suggest", None, "fi")
    assert row.result_ids.split("\n") == shown
    stored = all_text(engine_of(usage_app))
    for word in ("Maija", "Meikäläinen", "laskuni", "123456", "4567", "example", "väärin"):
        assert word not in stored


def test_events_are_stored_and_reported(usage_app):
    client = usage_app.test_client()
    found = searched(client, "lasku")
    chosen = found["results"][0]["id"]
    response = events(client, {"type": "insert", "search_id": found["search_id"], "snippet_id": chosen,
                               "helpdesk": "zendesk"},
                      {"type": "copy", "search_id": found["search_id"], "snippet_id": chosen, "lang": "en"})
    assert response.status_code == 201 and response.get_json() == {"stored": 2}
    report = client.get("/api/v1/insights?since=1d").get_json()
    assert tuple(report) == REPORT_KEYS
    assert report["totals"]["inserts"] == 1 and report["totals"]["copies"] == 1
    assert {(item["snippet_id"], item["lang"], item["uses"]) for item in report["most_used"]} == {
        (chosen, "fi", 1), (chosen, "en", 1)}
    assert chosen not in report["unused"] and "outage/known" in report["unused"]
    assert "escalation/legal" not in report["unused"]  # replies only
    assert report["translations"]["en"] == {"uses": 1, "translated": 1, "snippets": 1}
    assert report["translations"]["fi"] == {"uses": 1, "translated": 0, "snippets": 1}
    assert {row["lang"] for row in report["daily"]} == {"fi", "en"}


@pytest.mark.parametrize("change, status, code", [
    ({"search_id": "0" * 32}, 404, "unknown_search"),
    ({"search_id": "not-one-of-ours"}, 404, "unknown_search"),
    ({"snippet_id": "no/such-snippet"}, 404, "unknown_snippet"),
    ({"snippet_id": "escalation/legal"}, 409, "not_shown"),
    ({"type": "love"}, 422, "invalid"),
    ({"rank": 0}, 422, "invalid"),
    ({"lang": "sv"}, 422, "invalid"),
    ({"colour": "red"}, 422, "invalid"),
])
def test_a_bad_event_is_refused_and_nothing_is_stored(usage_app, change: dict, status: int, code: str):
    client = usage_app.test_client()
    found = searched(client, "lasku")
    good = {"type": "insert", "search_id": found["search_id"], "snippet_id": found["results"][0]["id"]}
    response = events(client, good, {**good, **change})  # the good one is not stored either
    assert response.status_code == status and response.get_json()["error"]["code"] == code
    assert response.get_json()["error"]["event"] == 2
    with engine_of(usage_app).connect() as conn:
        assert conn.execute(select(schema.events)).all() == []


@pytest.mark.parametrize("body, status", [
    ({"events": "insert"}, 400), ({"events": []}, 422), ({}, 400), ({"events": [1]}, 400),
    ({"events": [{"type": "insert"}]}, 400),
])
def test_malformed_event_requests(usage_app, body: dict, status: int):
    response = usage_app.test_client().post("/api/v1/events", json=body)
    assert response.status_code == status


def test_low_rank_picks_and_zero_results_per_language(usage_app):
    client = usage_app.test_client()
    found = searched(client, "lasku häiriö paketti", limit=10)
    ids = [result["id"] for result in found["results"]]
    assert len(ids) >= 3
    response = events(client, {"type": "insert", "search_id": found["search_id"], "snippet_id": ids[2], "rank": 5})
    assert response.status_code == 201
    for q, lang in (("zzqx", "fi"), ("zzqx", "fi"), ("qqzz 5512", "et")):
        assert searched(client, q, lang)["results"] == []
    report = client.get("/api/v1/insights").get_json()
    assert report["low_rank_picks"] == [{"snippet_id": ids[2], "lang": "fi", "query": "lasku häiriö paketti",
                                         "rank": 5, "count": 1}]
    assert report["zero_results"] == {"et": {"searches": 1, "queries": [{"query": "qqzz [number]", "count": 1}]},
                                      "fi": {"searches": 2, "queries": [{"query": "zzqx", "count": 2}]}}
    only_et = client.get("/api/v1/insights?lang=et").get_json()
    assert list(only_et["zero_results"]) == ["et"] and only_et["totals"]["searches"] == 1


def test_insights_need_an_admin_token_and_events_a_token(make_app, tmp_path: Path):
    from support.api_support import write_tokens_file

    app = make_app(TOKENS_FILE=str(write_tokens_file(tmp_path / "tokens.yaml")), LOOPBACK=False)
    client = app.test_client()
    assert client.get("/api/v1/insights").status_code == 401
    assert client.get("/api/v1/insights", headers=bearer(AGENT_SECRET)).status_code == 403
    assert client.get("/api/v1/insights", headers=bearer(ADMIN_SECRET)).status_code == 200
    assert client.get("/api/v1/insights?since=soon", headers=bearer(ADMIN_SECRET)).status_code == 422
    assert client.get("/api/v1/insights?since=2026-11-01", headers=bearer(ADMIN_SECRET)).status_code == 422  # CLI only
    assert client.get("/api/v1/insights?since=2w", headers=bearer(ADMIN_SECRET)).status_code == 200
    assert client.get("/api/v1/insights?since=", headers=bearer(ADMIN_SECRET)).status_code == 422
    assert client.get("/api/v1/insights?lang=", headers=bearer(ADMIN_SECRET)).status_code == 422
    assert events(client, {"type": "insert", "search_id": "0" * 32, "snippet_id": "x"}).status_code == 401
    found = client.get("/api/v1/search?q=lasku", headers=bearer(AGENT_SECRET)).get_json()
    ok = events(client, {"type": "copy", "search_id": found["search_id"], "snippet_id": found["results"][0]["id"]},
                headers=bearer(AGENT_SECRET))
    assert ok.status_code == 201


def test_without_tokens_beyond_loopback_insights_are_refused(make_app):
    assert make_app(LOOPBACK=False).test_client().get("/api/v1/insights").status_code == 403


def test_recording_can_be_switched_off(make_app):
    app = make_app(RECORD_USAGE=False)
    found = searched(app.test_client(), "lasku")
    app.extensions["vastaus_usage"].flush()
    assert found["search_id"] and all_text(engine_of(app)) == ""


def test_the_openapi_document_describes_events_and_insights(client):
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    assert "search_id" in document["components"]["schemas"]["SearchResponse"]["required"]
    assert set(document["paths"]["/api/v1/events"]["post"]["responses"]) >= {"201", "400", "404", "409", "422", "503"}
    assert "403" in document["paths"]["/api/v1/insights"]["get"]["responses"]


# -- the Insights page (in Chromium: tests/test_insights_browser.py) -------------------------------

def test_the_page_asks_for_an_admin_token_when_tokens_are_configured(make_app, tmp_path: Path):
    from support.api_support import write_tokens_file

    app = make_app(TOKENS_FILE=str(write_tokens_file(tmp_path / "tokens.yaml")), LOOPBACK=False)
    client = app.test_client()
    client.get("/api/v1/search", query_string={"q": "<script>alert(1)</script>", "lang": "fi"},
               headers=bearer(AGENT_SECRET))
    asked = client.get("/insights")
    assert asked.status_code == 200 and b'name="token"' in asked.data and b'method="post"' in asked.data
    assert b"<script>" not in asked.data
    refused = client.post("/insights", data={"token": AGENT_SECRET, "since": "7d"})
    assert refused.status_code == 403 and b"section" not in refused.data
    shown = client.post("/insights", data={"token": ADMIN_SECRET, "since": "7d"})
    assert shown.status_code == 200 and b'id="zero-results"' in shown.data
    assert b"&lt;script&gt;alert([number])&lt;/script&gt;" in shown.data and b"<script>" not in shown.data
    assert "frame-ancestors" in shown.headers["Content-Security-Policy"]
    assert client.get("/insights/insights.css").mimetype == "text/css"


def test_the_page_opens_without_a_token_on_loopback_only(make_app):
    assert make_app(LOOPBACK=True).test_client().get("/insights").status_code == 200
    assert make_app(LOOPBACK=False).test_client().get("/insights").status_code == 403


def test_a_database_that_comes_back_is_used_again(tmp_path: Path, monkeypatch):
    import time

    from kb.api import usage as api_usage

    monkeypatch.setattr(api_usage, "RETRY_SECONDS", 0.0)
    blocked = tmp_path / "db"
    blocked.write_text("a file where the database's folder should be")
    usage = api_usage.Usage("sqlite:///" + str(blocked / "u.sqlite"), str(tmp_path / "index"), True)
    assert usage.engine() is None
    blocked.unlink()
    blocked.mkdir()
    lost = SearchRecord(new_search_id(), "search", "lost", "fi", None, None, (), 1.0)
    usage.record(lost)  # not recorded, but the database is opened again in the background
    deadline = time.monotonic() + 10
    while usage._recorder is None:
        assert time.monotonic() < deadline, "the database was not opened again"
        time.sleep(0.02)
    kept = SearchRecord(new_search_id(), "search", "kept", "fi", None, None, (), 1.0)
    usage.record(kept)
    usage.close()
    with usage.engine().connect() as conn:
        assert conn.execute(select(schema.searches.c.query)).scalars().all() == ["kept"]
