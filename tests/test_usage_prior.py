"""The usage prior (kb/usage/prior.py): bounded, decaying, per language and word, switchable."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from conftest import write_reply
from support.api_support import write_kb

from kb.usage import db, prior, schema

pytest_plugins = ("support.apikit",)


@pytest.fixture
def api_kb(tmp_path: Path) -> Path:
    """The API tests' knowledge base and two replies that "laskusta sähköpostiin" finds equally well."""
    root = write_kb(tmp_path / "responses")
    write_reply(root, "billing/reminder", "Maksumuistutus laskusta", "Lähetämme muistutuksen laskusta sähköpostiin.")
    write_reply(root, "billing/copy", "Kopio laskusta", "Lähetämme kopion laskusta sähköpostiin.")
    return root


def result(snippet_id: str, score: float) -> dict:
    return {"id": snippet_id, "score": score}


def test_it_only_reorders_and_never_lifts_more_than_its_bound():
    results = [result("a", 10.0), result("b", 9.0), result("c", 7.0)]
    learned = {"lasku": {"c": 1.0}, "maksu": {"b": 1.0}}
    # c is used after "lasku" every time, but 7 x 1.2 = 8.4 < 9: it passes neither a nor b.
    assert prior.rerank(results, learned, "lasku", "fi", 0.2) == results
    # b at 9 x 1.2 = 10.8 passes a; the same dicts, in another order.
    moved = prior.rerank(results, learned, "maksu", "fi", 0.2)
    assert [r["id"] for r in moved] == ["b", "a", "c"] and all(r in results for r in moved)
    # Beyond the bound the strength is the bound: 0.9 is 0.2.
    assert prior.rerank(results, learned, "lasku", "fi", 0.9) == results
    assert prior.bounded(0.9) == prior.MAX_STRENGTH and prior.bounded(-1) == 0.0


def test_off_unknown_words_or_no_scores_change_nothing():
    results = [result("a", 10.0), result("b", 9.9)]
    learned = {"maksu": {"b": 1.0}}
    assert prior.rerank(results, learned, "maksu", "fi", 0.0) is results
    assert prior.rerank(results, learned, "juna", "fi", 0.2) is results
    assert prior.rerank([result("a", None), result("b", 1.0)], learned, "maksu", "fi", 0.2)[0]["id"] == "a"


def add_use(engine, search_id: str, query: str, snippet_id: str, days_ago: float, lang: str = "fi") -> None:
    at = db.now() - datetime.timedelta(days=days_ago)
    with engine.begin() as conn:
        conn.execute(schema.searches.insert().values(id=search_id, at=at, kind="search", query=query, lang=lang,
                                                     result_ids=snippet_id, result_count=1, latency_ms=1.0))
        conn.execute(schema.events.insert().values(at=at, type="insert", search_id=search_id, snippet_id=snippet_id,
                                                   rank=1, lang=lang))


def test_weights_decay_and_are_per_language_and_stem(tmp_path: Path):
    engine = db.open_engine("sqlite:///" + str(tmp_path / "u.sqlite"))
    add_use(engine, "1" * 32, "laskun eräpäivä", "billing/due", 0)
    add_use(engine, "2" * 32, "lasku", "billing/invoice", 14)  # one half-life ago: counts half
    add_use(engine, "3" * 32, "lasku", "billing/old", 200)  # beyond the window
    add_use(engine, "4" * 32, "arve", "billing/invoice", 0, lang="et")
    learned = prior.weights(engine)
    lasku = learned["fi"][prior.stems("lasku", "fi").pop()]
    assert lasku == pytest.approx({"billing/due": 2 / 3, "billing/invoice": 1 / 3})
    assert set(learned) == {"fi", "et"} and "billing/old" not in str(learned)


def test_the_api_applies_it_to_typed_searches_when_switched_on(make_app):
    app = make_app(LOOPBACK=True)
    client = app.test_client()
    query = {"q": "laskusta sähköpostiin", "lang": "fi"}
    plain = client.get("/api/v1/search", query_string=query).get_json()
    first, second = plain["results"][0], plain["results"][1]
    assert second["score"] * (1 + prior.MAX_STRENGTH) > first["score"], "the test needs two close results"
    for _ in range(3):  # agents keep choosing the second
        found = client.get("/api/v1/search", query_string=query).get_json()
        assert client.post("/api/v1/events", json={"events": [
            {"type": "insert", "search_id": found["search_id"], "snippet_id": second["id"]}]}).status_code == 201
    assert client.get("/api/v1/search", query_string=query).get_json()["results"][0]["id"] == first["id"]  # off
    boosted = make_app(LOOPBACK=True, USAGE_PRIOR=0.2).test_client()  # a worker starting with the prior on
    answer = boosted.get("/api/v1/search", query_string=query).get_json()
    assert [r["id"] for r in answer["results"][:2]] == [second["id"], first["id"]]
    # One of the stems agents typed is enough: billing/invoice (3.18) is passed by 3.01 x 1.2.
    words = {"q": "laskusta", "lang": "fi"}
    assert client.get("/api/v1/search", query_string=words).get_json()["results"][0]["id"] == "billing/invoice"
    assert boosted.get("/api/v1/search", query_string=words).get_json()["results"][0]["id"] == second["id"]
    estonian = {"q": "laskusta sähköpostiin", "lang": "et"}  # another language learned nothing
    assert boosted.get("/api/v1/search", query_string=estonian).get_json()["results"] == \
        client.get("/api/v1/search", query_string=estonian).get_json()["results"]
