"""``kb usage report | keywords | purge`` on a database filled through the API, as agents would."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from kb.cli.main import main
from kb.usage import db, schema
from kb.usage.reports import REPORT_KEYS, parse_since

pytest_plugins = ("support.apikit",)


@pytest.fixture
def used(make_app, api_kb: Path, index_dir: Path):
    """Searches and inserts through the API into the default database beside the index."""
    app = make_app(LOOPBACK=True)
    client = app.test_client()
    for q in ("kuukausimaksu 4411", "kuukausimaksu väärin", "lasku kuukausimaksu"):
        found = client.get("/api/v1/search", query_string={"q": q, "lang": "fi"}).get_json()
        assert found["results"][0]["id"] == "billing/invoice", q
        response = client.post("/api/v1/events", json={"events": [
            {"type": "insert", "search_id": found["search_id"], "snippet_id": "billing/invoice"}]})
        assert response.status_code == 201
    assert client.get("/api/v1/search?q=zzqx&lang=et").get_json()["results"] == []
    app.extensions["vastaus_usage"].flush()
    return ["--responses", str(api_kb), "--index", str(index_dir)]


def test_report_as_json_has_its_documented_keys(used, capsys):
    assert main(["usage", "report", "--format", "json", *used]) == 0
    report = json.loads(capsys.readouterr().out)
    assert tuple(report) == REPORT_KEYS
    assert report["most_used"] == [{"snippet_id": "billing/invoice", "lang": "fi", "channel": None, "uses": 3}]
    assert report["zero_results"]["et"]["queries"] == [{"query": "zzqx", "count": 1}]
    assert report["unused"] == ["delivery/tracking", "outage/known"]


def test_report_as_text(used, capsys):
    assert main(["usage", "report", "--since", "1d", "--lang", "fi", *used]) == 0
    out = capsys.readouterr().out
    assert "3 searches" in out and "3 inserted" in out
    assert "billing/invoice" in out and "zzqx" not in out  # --lang fi leaves out the Estonian search


@pytest.mark.parametrize("args, message", [(["--since", "soon"], "is not a period"),
                                            (["--lang", "sv"], "Unknown language")])
def test_report_refuses_bad_options(used, capsys, args, message):
    assert main(["usage", "report", *args, *used]) == 2
    assert message in capsys.readouterr().err


def test_keywords_are_proposed_from_words_typed_before_inserts(used, capsys):
    assert main(["usage", "keywords", "--format", "json", *used]) == 0
    proposals = json.loads(capsys.readouterr().out)
    # "kuukausimaksu" was typed before all three inserts; "lasku" shares its stem with the title
    # (Laskun selitys), "väärin" was typed once, and the masked number is never a keyword.
    assert proposals == {"billing/invoice": {"fi": [{"keyword": "kuukausimaksu", "count": 3}]}}


def test_purge_keeps_the_retention(used, capsys, index_dir: Path):
    engine = db.open_engine("", index_dir)
    with engine.begin() as conn:
        conn.execute(schema.searches.update().values(at=db.now() - datetime.timedelta(days=40)))
    assert main(["usage", "purge", *used]) == 0  # default: 90 days
    assert "Removed 0 searches and 0 events" in capsys.readouterr().out
    assert main(["usage", "purge", "--usage-retention-days", "30", *used]) == 0
    assert "Removed 4 searches and 3 events older than 30 days" in capsys.readouterr().out


def test_periods():
    at = datetime.datetime(2026, 12, 1, 12, 0)
    assert parse_since("30d", at) == datetime.datetime(2026, 11, 1, 12, 0)
    assert parse_since("12h", at) == datetime.datetime(2026, 12, 1, 0, 0)
    assert parse_since("2w", at) == datetime.datetime(2026, 11, 17, 12, 0)
    assert parse_since("2026-11-05", at) == datetime.datetime(2026, 11, 5)
    with pytest.raises(ValueError):
        parse_since("yesterday", at)
