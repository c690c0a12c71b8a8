"""What a worker keeps in memory between requests stays bounded, whatever the traffic.

A worker's memory is measured by ``python -m bench.load`` (docs/operators/memory.rst); a test of a
process's PSS would depend on what else the machine runs. These tests check the causes instead:
each cache the engine keeps has a bound, and only the escalations are kept parsed.
"""

from __future__ import annotations

from pathlib import Path

from kb.engine import Engine, build, reader
from tests.test_engine_contract import FI, LANGUAGES, clauses, doc, source


def _engine(tmp_path: Path, docs: list) -> Engine:
    build(tmp_path / "index", LANGUAGES, [source(*docs)], {"origin": "test"})
    return Engine(tmp_path / "index")


def test_postings_cache_keeps_to_its_byte_budget(tmp_path: Path, monkeypatch) -> None:
    engine = _engine(tmp_path, [doc(f"d{n}", " ".join(f"sana{w}" for w in range(n % 7, 60))) for n in range(40)])
    monkeypatch.setattr(reader, "POSTINGS_CACHE_BYTES", 2000)
    for word in range(60):
        engine.search(clauses(FI, f"sana{word}"), 5)
    view = engine._current()
    assert 0 < view._postings_bytes <= 2000
    assert view._postings_bytes == sum(docs.nbytes + scores.nbytes for docs, scores in view._postings.values())
    assert len(view._postings) < 60  # the oldest were dropped...
    assert [hit.id for hit in engine.search(clauses(FI, "sana0"), 1)] == ["d0"]  # ...and are read again when asked


def test_stored_cache_keeps_the_documents_shown_last(tmp_path: Path, monkeypatch) -> None:
    engine = _engine(tmp_path, [doc(f"d{n}", f"yhteinen oma{n}") for n in range(30)])
    monkeypatch.setattr(reader, "STORED_CACHE", 8)
    for n in range(30):
        assert [hit.id for hit in engine.search(clauses(FI, f"oma{n}"), 1)] == [f"d{n}"]
    assert len(engine._current()._stored) == 8


def test_escalations_are_found_without_reading_the_replies(tmp_path: Path) -> None:
    engine = _engine(tmp_path, [doc("r1", "lasku"), doc("e1", "lakimies", kind="escalation"), doc("r2", "paketti")])
    assert engine.all_data("escalation") == [doc("e1", "lakimies", kind="escalation").data]
    assert (engine.count("reply"), engine.count("escalation")) == (2, 1)
    assert len(engine.all_data("reply", limit=1)) == 1
