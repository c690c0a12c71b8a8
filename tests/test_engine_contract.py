"""The engine's contract, through its public API only (:mod:`kb.engine`): hand-made documents,
no knowledge base, no :mod:`kb.search`, no language analysis. Replacing Whoosh means rewriting
``kb/engine/``; a replacement must pass this module unchanged.

What the package promises (its docstrings): :func:`build` writes a complete index and swaps it
in atomically, a refused or failed build leaves the previous one serving; :func:`update`
replaces and removes documents in the build in service; an :class:`Engine` reads the current
build and reopens it when it is swapped or updated, looking at the disk at most every
``check_interval`` seconds; a search matches exact terms per field, ranks best first (equal
scores in document order), honours its limit and the channel and kind filters.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

from kb.engine import (
    META_FILE,
    VOCABULARY_FILE,
    Clause,
    Engine,
    Hit,
    IndexDoc,
    build,
    current_build,
    field_name,
    read_meta,
    stored_fingerprints,
    update,
)

LANGUAGES = ("fi", "en")
FI = field_name("fi", "text")
EN = field_name("en", "text")
FI_PARTS = field_name("fi", "parts")


def doc(snippet_id: str, fi: str = "", en: str = "", *, kind: str = "reply", channels: tuple[str, ...] = ("chat",),
        weights: dict[str, float] | None = None, fingerprint: str | None = None) -> IndexDoc:
    """A document whose Finnish and English text fields hold the given words (weight 1 unless
    *weights* says otherwise); its data is JSON naming it, as a caller's would."""
    weights = weights or {}
    terms = {FI: [(word, weights.get(word, 1.0)) for word in fi.split()],
             EN: [(word, weights.get(word, 1.0)) for word in en.split()]}
    data = json.dumps({"id": snippet_id, "kind": kind, "fi": fi, "en": en}, ensure_ascii=False)
    return IndexDoc(snippet_id, kind, channels, fingerprint or f"fp-{snippet_id}", data, terms)


def _generate(docs: tuple[IndexDoc, ...], summary, fail_after: int | None):
    for n, item in enumerate(docs):
        if fail_after is not None and n == fail_after:
            raise RuntimeError("the source broke")
        yield item
    return summary


def source(*docs: IndexDoc, summary=None, fail_after: int | None = None):
    """A DocSource: a picklable callable returning a generator of the docs that returns *summary*."""
    return functools.partial(_generate, docs, summary, fail_after)


def clauses(field: str, words: str, boost: float = 1.0) -> list[Clause]:
    return [Clause(field, word, boost) for word in words.split()]


def ids(hits: list[Hit]) -> list[str]:
    return [hit.id for hit in hits]


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    return tmp_path / "index"


@pytest.fixture
def engine(index_dir: Path):
    reader = Engine(index_dir)
    yield reader
    reader.close()


def builds_on_disk(index_dir: Path) -> list[Path]:
    return sorted((index_dir / "builds").iterdir())  # the layout kb.engine's docstring describes


# -- building -------------------------------------------------------------------------------------

def test_build_swaps_in_a_current_build_with_its_meta(index_dir: Path) -> None:
    assert current_build(index_dir) is None and read_meta(index_dir) is None
    assert stored_fingerprints(index_dir) == {}
    built = build(index_dir, LANGUAGES, [source(doc("a", "lasku"), doc("b", "paketti"))], {"origin": "test"})
    assert current_build(index_dir) == built.resolve()
    assert (built / META_FILE).is_file()
    meta = read_meta(index_dir)
    assert meta["origin"] == "test"
    assert meta["built_at"] <= meta["updated_at"]
    assert stored_fingerprints(index_dir) == {"a": "fp-a", "b": "fp-b"}


def test_accept_gets_every_source_summary_in_order_and_may_add_meta(index_dir: Path) -> None:
    seen = []

    def accept(summaries):
        seen.append(list(summaries))
        return {"sources": len(summaries)}

    build(index_dir, LANGUAGES, [source(doc("a", "lasku"), summary="first"), source(doc("b", "lasku"), summary="second")],
          {"origin": "test"}, accept=accept)
    assert seen == [["first", "second"]]
    assert read_meta(index_dir)["sources"] == 2 and read_meta(index_dir)["origin"] == "test"


def test_a_refused_build_leaves_the_previous_one_serving(index_dir: Path, engine: Engine) -> None:
    first = build(index_dir, LANGUAGES, [source(doc("a", "lasku"))], {"n": 1})
    assert ids(engine.search(clauses(FI, "lasku"), 10)) == ["a"]
    generation = engine.generation

    def refuse(summaries):
        raise ValueError("content has errors")

    with pytest.raises(ValueError, match="content has errors"):
        build(index_dir, LANGUAGES, [source(doc("b", "lasku"))], {"n": 2}, accept=refuse)
    assert current_build(index_dir) == first.resolve() and read_meta(index_dir)["n"] == 1
    assert builds_on_disk(index_dir) == [first]  # the abandoned build's folder is gone
    assert ids(engine.search(clauses(FI, "lasku"), 10)) == ["a"]
    assert engine.generation == generation


def test_a_failing_source_leaves_the_previous_one_serving(index_dir: Path, engine: Engine) -> None:
    first = build(index_dir, LANGUAGES, [source(doc("a", "lasku"))], {"n": 1})
    with pytest.raises(RuntimeError, match="the source broke"):
        build(index_dir, LANGUAGES, [source(doc("b", "lasku"), doc("c", "lasku"), fail_after=1)], {"n": 2})
    assert current_build(index_dir) == first.resolve()
    assert builds_on_disk(index_dir) == [first]
    assert ids(engine.search(clauses(FI, "lasku"), 10)) == ["a"]


def test_old_builds_do_not_pile_up(index_dir: Path) -> None:
    made = [build(index_dir, LANGUAGES, [source(doc("a", f"sana{n}"))], {"n": n}) for n in range(4)]
    on_disk = builds_on_disk(index_dir)
    assert made[-1] in on_disk and len(on_disk) <= 2, on_disk


def test_sources_written_in_parallel_search_like_one_process(tmp_path: Path) -> None:
    docs = [doc(f"d{n:02}", "lasku " * (n % 3 + 1) + ("paketti" if n % 2 else "netti"), channels=("email",) if n % 2 else ("chat",))
            for n in range(12)]
    query = clauses(FI, "lasku paketti netti")

    def run(jobs: int) -> tuple[list, list[Hit], list[str]]:
        seen = []
        folder = tmp_path / f"jobs{jobs}"
        build(folder, LANGUAGES, [source(*docs[:6], summary="one"), source(*docs[6:], summary="two")], {},
              accept=lambda summaries: seen.append(list(summaries)) or {}, jobs=jobs)
        reader = Engine(folder)
        try:
            assert reader.doc_count() == 12
            return seen, reader.search(query, 20), ids(reader.search(query, 20, channel="email"))
        finally:
            reader.close()

    seen, one_process, email = run(1)
    seen_parallel, parallel, email_parallel = run(2)
    assert seen == seen_parallel == [["one", "two"]]
    assert len(one_process) == 12 and len(email) == 6
    assert sorted(ids(parallel)) == sorted(ids(one_process))
    by_id = {hit.id: hit.score for hit in one_process}
    assert [hit.score for hit in parallel] == pytest.approx([by_id[hit.id] for hit in parallel])
    assert sorted(email_parallel) == sorted(email)


# -- searching ------------------------------------------------------------------------------------

CORPUS = [
    doc("one", "lasku"),
    doc("two", "lasku paketti"),
    doc("three", "lasku paketti netti"),
    doc("none", "juna", "train"),
]


def test_hits_are_ranked_by_score_best_first(index_dir: Path, engine: Engine) -> None:
    build(index_dir, LANGUAGES, [source(*CORPUS)], {})
    hits = engine.search(clauses(FI, "lasku paketti netti"), 10)
    assert ids(hits) == ["three", "two", "one"]  # more of the query's terms, better
    assert hits[0].score > hits[1].score > hits[2].score > 0
    assert all(isinstance(hit.score, float) for hit in hits)
    by_id = {item.id: item.data for item in CORPUS}
    assert [hit.data for hit in hits] == [by_id[hit.id] for hit in hits]  # data comes back as stored


def test_a_term_s_weight_counts_as_its_frequency(index_dir: Path, engine: Engine) -> None:
    build(index_dir, LANGUAGES, [source(doc("body", "lasku ohje"), doc("keyword", "lasku ohje", weights={"lasku": 3.0}))],
          {})
    hits = engine.search(clauses(FI, "lasku"), 10)
    assert ids(hits) == ["keyword", "body"] and hits[0].score > hits[1].score
    # Occurrences add up: two of weight 1.5 count as one of 3 in a field of the same length.
    build(index_dir, LANGUAGES, [source(doc("twice", "lasku lasku", weights={"lasku": 1.5}),
                                        doc("once", "lasku ohje", weights={"lasku": 3.0}), doc("plain", "lasku ohje"))], {})
    scores = {hit.id: hit.score for hit in engine.search(clauses(FI, "lasku"), 10)}
    assert scores["twice"] == pytest.approx(scores["once"]) and scores["once"] > scores["plain"] > 0


def test_a_clause_s_boost_weighs_its_term(index_dir: Path, engine: Engine) -> None:
    build(index_dir, LANGUAGES, [source(doc("invoice", "lasku"), doc("parcel", "paketti"), doc("other", "juna"))], {})
    plain = [Clause(FI, "lasku"), Clause(FI, "paketti")]
    assert engine.search(plain, 10)[0].score == pytest.approx(engine.search(plain, 10)[1].score)  # a tie to break
    assert ids(engine.search([Clause(FI, "lasku"), Clause(FI, "paketti", 2.0)], 10)) == ["parcel", "invoice"]
    assert ids(engine.search([Clause(FI, "lasku", 2.0), Clause(FI, "paketti")], 10)) == ["invoice", "parcel"]


def test_only_exact_terms_of_the_clause_s_field_match(index_dir: Path, engine: Engine) -> None:
    build(index_dir, LANGUAGES, [source(doc("fi", "laskutus"), doc("en", "", "invoice"))], {})
    assert ids(engine.search([Clause(FI, "laskutus")], 10)) == ["fi"]
    assert engine.search([Clause(FI, "lasku")], 10) == []  # no prefixes: the planner expands
    assert engine.search([Clause(FI, "laskutukset")], 10) == []
    assert engine.search([Clause(EN, "laskutus")], 10) == []  # another field
    assert engine.search([Clause(FI_PARTS, "laskutus")], 10) == []  # another kind of the same language
    assert ids(engine.search([Clause(EN, "invoice")], 10)) == ["en"]


def test_no_clauses_and_unknown_terms_find_nothing(index_dir: Path, engine: Engine) -> None:
    build(index_dir, LANGUAGES, [source(*CORPUS)], {})
    assert engine.search([], 10) == []
    assert engine.search(clauses(FI, "seepra kirahvi"), 10) == []
    assert sorted(ids(engine.search(clauses(FI, "seepra lasku"), 10))) == ["one", "three", "two"]


def test_limit_is_respected_and_keeps_the_best(index_dir: Path, engine: Engine) -> None:
    docs = [doc(f"d{n}", " ".join(["lasku"] * n + ["täyte"] * (6 - n))) for n in range(1, 7)]
    build(index_dir, LANGUAGES, [source(*docs)], {})
    everything = engine.search(clauses(FI, "lasku"), 100)
    assert ids(everything) == ["d6", "d5", "d4", "d3", "d2", "d1"]
    for limit in (1, 2, 5, 6):
        assert ids(engine.search(clauses(FI, "lasku"), limit)) == ids(everything)[:limit]


def test_equal_scores_come_in_document_order(index_dir: Path, engine: Engine) -> None:
    docs = [doc(f"d{n:02}", "lasku") for n in range(12)]
    build(index_dir, LANGUAGES, [source(*docs[:6]), source(*docs[6:])], {})
    hits = engine.search(clauses(FI, "lasku"), 100)
    assert len({hit.score for hit in hits}) == 1
    assert ids(hits) == [item.id for item in docs]


def test_a_smaller_limit_keeps_the_first_of_equal_scores(index_dir: Path, engine: Engine) -> None:
    docs = [doc(f"d{n:03}", "lasku" if n % 7 else "lasku lasku") for n in range(200)]
    build(index_dir, LANGUAGES, [source(*docs)], {})
    everything = ids(engine.search(clauses(FI, "lasku"), 1000))
    assert len(everything) == 200
    for limit in (10, 40, 100):
        assert ids(engine.search(clauses(FI, "lasku"), limit)) == everything[:limit]


def test_channel_and_kind_filters(index_dir: Path, engine: Engine) -> None:
    build(index_dir, LANGUAGES, [source(
        doc("chat", "lasku", channels=("chat",)),
        doc("email", "lasku", channels=("email",)),
        doc("social", "lasku", channels=("chat", "twitter")),
        doc("legal", "lasku", kind="escalation", channels=("twitter",)),
    )], {})
    query = clauses(FI, "lasku")
    assert sorted(ids(engine.search(query, 10))) == ["chat", "email", "legal", "social"]
    assert sorted(ids(engine.search(query, 10, channel="chat"))) == ["chat", "social"]
    assert sorted(ids(engine.search(query, 10, channel="twitter"))) == ["legal", "social"]
    assert engine.search(query, 10, channel="phone") == []
    assert ids(engine.search(query, 10, kinds=("escalation",))) == ["legal"]
    assert sorted(ids(engine.search(query, 10, kinds=("reply", "escalation")))) == ["chat", "email", "legal", "social"]
    assert ids(engine.search(query, 10, channel="twitter", kinds=("reply",))) == ["social"]
    assert sorted(ids(engine.search(query, 10, channel=None, kinds=None))) == ["chat", "email", "legal", "social"]
    # A filter only removes: scores of the documents it keeps do not change.
    scores = {hit.id: hit.score for hit in engine.search(query, 10)}
    assert all(hit.score == pytest.approx(scores[hit.id]) for hit in engine.search(query, 10, channel="chat"))


# -- reading stored data --------------------------------------------------------------------------

def test_get_all_data_doc_count_and_vocabulary(index_dir: Path, engine: Engine) -> None:
    build(index_dir, LANGUAGES, [source(*CORPUS), source(doc("again", "lasku lasku"))], {})
    by_id = {item.id: item.data for item in CORPUS}
    assert engine.get("two") == by_id["two"]
    assert engine.get("missing") is None
    assert sorted(engine.all_data()) == sorted([*by_id.values(), doc("again", "lasku lasku").data])
    assert engine.doc_count() == 5
    # Document frequencies: a term repeated in one document counts once.
    assert engine.vocabulary(FI) == {"lasku": 4, "paketti": 2, "netti": 1, "juna": 1}
    assert engine.vocabulary(EN) == {"train": 1}
    assert engine.vocabulary(FI_PARTS) == {}
    assert engine.vocabulary(field_name("sv", "text")) == {}  # not a language of the build


def test_a_build_without_its_vocabulary_file_answers_the_same(index_dir: Path) -> None:
    built = build(index_dir, LANGUAGES, [source(*CORPUS), source(doc("again", "lasku lasku", "train"))], {})
    query = [*clauses(FI, "lasku paketti netti"), Clause(EN, "train")]

    def answers() -> tuple[dict, list[str], list[float]]:
        reader = Engine(index_dir)
        try:
            hits = reader.search(query, 10)
            return {field: reader.vocabulary(field) for field in (FI, EN, FI_PARTS)}, ids(hits), [hit.score for hit in hits]
        finally:
            reader.close()

    vocabulary, found, scores = answers()
    assert vocabulary[FI]["lasku"] == 4 and vocabulary[EN] == {"train": 2} and len(found) == 5
    (built / VOCABULARY_FILE).unlink()
    vocabulary_read, found_read, scores_read = answers()
    assert vocabulary_read == vocabulary and found_read == found
    assert scores_read == pytest.approx(scores)


# -- updating and reopening -----------------------------------------------------------------------

def test_update_replaces_adds_and_removes(index_dir: Path, engine: Engine) -> None:
    build(index_dir, LANGUAGES, [source(*CORPUS)], {"origin": "build", "files": 4})
    assert ids(engine.search(clauses(FI, "netti"), 10)) == ["three"]  # opened before the update
    built_at = read_meta(index_dir)["built_at"]
    updated_at = read_meta(index_dir)["updated_at"]
    changed = update(index_dir, [doc("three", "seepra", fingerprint="fp-new"), doc("four", "kirahvi")],
                     ["one", "never-there"], {"files": 5})
    assert changed == 3  # one replaced, one added, one removed
    assert engine.search(clauses(FI, "netti"), 10) == []  # the old text of "three" is gone
    assert ids(engine.search(clauses(FI, "seepra"), 10)) == ["three"]
    assert ids(engine.search(clauses(FI, "kirahvi"), 10)) == ["four"]
    assert ids(engine.search(clauses(FI, "lasku"), 10)) == ["two"]  # "one" removed, "three" no longer says it
    assert engine.get("one") is None and json.loads(engine.get("three"))["fi"] == "seepra"
    assert sorted(json.loads(data)["id"] for data in engine.all_data()) == ["four", "none", "three", "two"]
    assert engine.doc_count() == 4
    assert stored_fingerprints(index_dir) == {"two": "fp-two", "three": "fp-new", "none": "fp-none", "four": "fp-four"}
    assert "seepra" in engine.vocabulary(FI) and "kirahvi" in engine.vocabulary(FI)  # the planner can expand to them
    meta = read_meta(index_dir)
    assert meta["origin"] == "build" and meta["files"] == 5
    assert meta["built_at"] == built_at and meta["updated_at"] > updated_at
    assert engine.meta["files"] == 5


def test_update_needs_a_build(index_dir: Path) -> None:
    with pytest.raises(FileNotFoundError):
        update(index_dir, [doc("a", "lasku")], [], {})
    assert current_build(index_dir) is None


def test_an_engine_before_any_build_says_there_is_no_index(index_dir: Path, engine: Engine) -> None:
    with pytest.raises(FileNotFoundError):
        engine.search(clauses(FI, "lasku"), 10)
    build(index_dir, LANGUAGES, [source(*CORPUS)], {})
    assert ids(engine.search(clauses(FI, "netti"), 10)) == ["three"]  # the same reader, once there is one


def test_a_reader_sees_each_new_build_and_update(index_dir: Path, engine: Engine) -> None:
    build(index_dir, LANGUAGES, [source(doc("a", "lasku"))], {"n": 1})
    assert ids(engine.search(clauses(FI, "lasku"), 10)) == ["a"]
    first = engine.generation
    assert engine.meta["n"] == 1
    engine.search(clauses(FI, "lasku"), 10)
    engine.refresh()
    assert engine.generation == first  # nothing changed on disk: nothing reopened
    build(index_dir, LANGUAGES, [source(doc("b", "lasku"))], {"n": 2})
    assert ids(engine.search(clauses(FI, "lasku"), 10)) == ["b"]
    assert engine.generation > first and engine.meta["n"] == 2
    second = engine.generation
    update(index_dir, [doc("c", "lasku lasku")], [], {"n": 3})
    assert sorted(ids(engine.search(clauses(FI, "lasku"), 10))) == ["b", "c"]
    assert engine.generation > second and engine.meta["n"] == 3


# An interval longer than any machine's uptime: time.monotonic() counts from boot.
NEVER = 1e9


def test_check_interval_defers_looking_at_the_disk(index_dir: Path) -> None:
    build(index_dir, LANGUAGES, [source(doc("a", "lasku"))], {})
    reader = Engine(index_dir, check_interval=NEVER)
    try:
        assert ids(reader.search(clauses(FI, "lasku"), 10)) == ["a"]
        generation = reader.generation
        build(index_dir, LANGUAGES, [source(doc("b", "lasku"))], {})
        assert ids(reader.search(clauses(FI, "lasku"), 10)) == ["a"]  # within the interval: the build it has
        assert reader.generation == generation
    finally:
        reader.close()


def test_check_now_makes_the_next_call_look(index_dir: Path) -> None:
    build(index_dir, LANGUAGES, [source(doc("a", "lasku"))], {})
    reader = Engine(index_dir, check_interval=NEVER)
    try:
        assert ids(reader.search(clauses(FI, "lasku"), 10)) == ["a"]
        build(index_dir, LANGUAGES, [source(doc("b", "lasku"))], {})
        reader.check_now()
        assert ids(reader.search(clauses(FI, "lasku"), 10)) == ["b"]
    finally:
        reader.close()


def test_a_replaced_build_is_let_go_once_no_request_can_use_it(index_dir: Path, engine: Engine, monkeypatch) -> None:
    """The view of the build before a swap answers requests already in flight, then is closed
    with its caches after RETIRED_SECONDS, not kept (with its vocabulary) until the next swap."""
    from kb.engine import reader

    build(index_dir, LANGUAGES, [source(doc("a", "lasku"))], {})
    assert ids(engine.search(clauses(FI, "lasku"), 10)) == ["a"]
    old = engine._current()
    build(index_dir, LANGUAGES, [source(doc("b", "lasku"))], {})
    assert ids(engine.search(clauses(FI, "lasku"), 10)) == ["b"]
    assert ids(old.search(clauses(FI, "lasku"), 10, None, None)) == ["a"]  # a request that began before the swap
    monkeypatch.setattr(reader, "RETIRED_SECONDS", 0.0)
    assert ids(engine.search(clauses(FI, "lasku"), 10)) == ["b"]
    assert engine._retired is None
    assert old._saved_vocabulary is None and not old._postings and not old._stored


def test_looked_up_only_fields_answer_counts_like_a_dict() -> None:
    """The pairs and truncated stems are kept as hashed arrays (kb.engine.compact): every term's
    count as before, nothing for a term the build lacks, and no Python object per term."""
    from kb.engine.compact import TermCounts, compact

    counts = {f"term{n}+other{n % 7}": n % 13 + 1 for n in range(5000)}
    table = TermCounts(counts)
    assert len(table) == len(counts)
    assert all(table.get(term) == count and term in table and table[term] == count for term, count in counts.items())
    assert table.get("absent+term") is None and table.get("absent+term", 0) == 0 and "absent+term" not in table
    assert 3 not in table and table.nbytes == 12 * len(counts)
    with pytest.raises(KeyError):
        table["absent+term"]
    vocabulary = compact({"fi_pairs": {"a+b": 2}, "fi_trunc": {"lask": 3}, "fi_text": {"lasku": 4}})
    assert isinstance(vocabulary["fi_pairs"], TermCounts) and isinstance(vocabulary["fi_trunc"], TermCounts)
    assert vocabulary["fi_text"] == {"lasku": 4}  # listed by the planner's lexicon: stays a dict
