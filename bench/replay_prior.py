"""The usage prior (kb/usage/prior.py) evaluated by replaying recorded events.

    python -m bench.replay_prior --cases ../shared/eval/dev-queries.yaml bench/queries.yaml
    python -m bench.replay_prior --searches 4000 --strengths 0.1 0.2 0.3

There is no real usage history in the repository, so it first records one through the real
API: agents search for the typed cases of a random half of the case files' cases (the
"popular" half; the other half is never used), the popular ones more often than others (Zipf),
and insert the expected reply whenever the search showed it. The recorded times are spread over
the last 60 days. Then:

1. **Replay**: the prior's weights as they were 15 days ago (from the events before then) are
   applied to every search recorded after that, asked again; the MRR of the reply the agent
   inserted, with the prior off and at each strength.
2. **The benchmark sets**: ``bench.eval_search`` on every case (the popular half and the
   never-used half) with the prior off and at each strength, reading the recorded history:
   hit@1, hit@3 and MRR per set, and whether any went down.

A benchmark, not a test: it reports, it does not judge. The history is simulated from the cases
themselves, so the replay says what the prior can gain when agents keep needing the same replies,
and the second part whether it costs the queries whose reply agents did not use.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import tempfile
from pathlib import Path

from sqlalchemy import bindparam, select

from bench.eval_search import DEFAULT_SETS, DEPTH, Case, evaluate, load_cases, rank_of
from kb.search.indexing import index_kb
from kb.usage import prior, schema
from kb.usage.db import now, open_engine

HISTORY_DAYS = 60
SPLIT_DAYS = 15


def app_on(responses: Path, index: Path, database_url: str, strength: float = 0.0):
    from kb.api import create_app

    return create_app({"RESPONSES": str(responses), "INDEX": str(index), "RATE_LIMIT": 0, "TOKENS_FILE": None,
                       "TOKENS_ENV": "", "CORS_ORIGINS": "", "LOOPBACK": True, "DATABASE_URL": database_url,
                       "USAGE_PRIOR": strength})


def shown(client, case: Case) -> tuple[str, list[str]]:
    """The search_id and the ids shown for a typed case."""
    body = client.get("/api/v1/search", query_string={"q": case.q, "lang": case.lang, "limit": DEPTH}).get_json()
    return body["search_id"], [r["id"] for r in body["results"]]


def record_history(client, popular: list[Case], searches: int, rng: random.Random) -> int:
    """Searches of the popular cases, Zipf-weighted, and an insert whenever the reply was shown."""
    weights = [1 / rank for rank in range(1, len(popular) + 1)]
    inserts = 0
    for case in rng.choices(popular, weights, k=searches):
        search_id, ids = shown(client, case)
        chosen = next((i for i in ids if i in case.expect), None)
        if chosen is not None:
            answer = client.post("/api/v1/events", json={"events": [
                {"type": "insert", "search_id": search_id, "snippet_id": chosen, "helpdesk": "replay"}]})
            assert answer.status_code == 201, answer.get_json()
            inserts += 1
    return inserts


def spread_over_days(engine, rng: random.Random) -> None:
    """Give the recorded searches times over the last HISTORY_DAYS days; each event follows its search."""
    end = now()
    with engine.begin() as conn:
        ids = conn.execute(select(schema.searches.c.id)).scalars().all()
        times = {i: end - datetime.timedelta(seconds=rng.uniform(0, HISTORY_DAYS * 86400)) for i in ids}
        conn.execute(schema.searches.update().where(schema.searches.c.id == bindparam("sid"))
                     .values(at=bindparam("when")), [{"sid": i, "when": t} for i, t in times.items()])
        events = conn.execute(select(schema.events.c.id, schema.events.c.search_id)).all()
        if events:
            conn.execute(schema.events.update().where(schema.events.c.id == bindparam("eid"))
                         .values(at=bindparam("when")),
                         [{"eid": e.id, "when": times[e.search_id] + datetime.timedelta(seconds=10)} for e in events])


def replay(client, engine, strengths: list[float]) -> dict[float, tuple[int, float]]:
    """MRR of the inserted reply over the searches after the split, by strength (0: the prior off)."""
    split = now() - datetime.timedelta(days=SPLIT_DAYS)
    learned = prior.weights(engine, at=split)
    s, e = schema.searches, schema.events
    with engine.connect() as conn:
        later = conn.execute(select(s.c.query, s.c.lang, e.c.snippet_id).join(e, e.c.search_id == s.c.id)
                             .where(s.c.at >= split, s.c.kind == "search")).all()
    totals = {strength: 0.0 for strength in [0.0, *strengths]}
    for query, lang, snippet_id in later:
        body = client.get("/api/v1/search", query_string={"q": query, "lang": lang, "limit": DEPTH}).get_json()
        for strength in totals:
            ids = [r["id"] for r in prior.rerank(body["results"], learned.get(lang, {}), query, lang, strength)]
            rank = rank_of(ids, [snippet_id])
            totals[strength] += 1 / rank if rank else 0.0
    return {strength: (len(later), total / max(len(later), 1)) for strength, total in totals.items()}


def benchmark_sets(responses: Path, cases: list[Case], database_url: str, strengths: list[float]) -> dict:
    """``bench.eval_search`` per set with the prior off and at each strength, on the recorded history."""
    found: dict[float, dict[str, tuple]] = {}
    saved = {name: os.environ.get(name) for name in ("KB_DATABASE_URL", "KB_USAGE_PRIOR")}
    try:
        os.environ["KB_DATABASE_URL"] = database_url  # eval_search's app reads the other settings from here
        for strength in [0.0, *strengths]:
            os.environ["KB_USAGE_PRIOR"] = str(strength)
            found[strength] = {}
            for source in dict.fromkeys(case.source for case in cases):
                ours, _fts5, _misses = evaluate(responses, [c for c in cases if c.source == source])
                found[strength][source] = ours.row(("all", "all"))
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=Path, default=Path("responses"))
    parser.add_argument("--cases", type=Path, nargs="+", default=DEFAULT_SETS)
    parser.add_argument("--searches", type=int, default=3000, help="searches in the recorded history")
    parser.add_argument("--strengths", type=float, nargs="+", default=[0.1, 0.2])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    cases = load_cases(args.cases)
    typed = [case for case in cases if case.route == "search"]
    if not typed:
        raise SystemExit("no typed cases in " + ", ".join(map(str, args.cases)))
    rng.shuffle(typed)
    popular = typed[: len(typed) // 2]
    with tempfile.TemporaryDirectory(prefix="kb-bench-prior-") as tmp:
        index = Path(tmp) / "index"
        index_kb(args.responses, index)
        url = "sqlite:///" + str(Path(tmp) / "history.sqlite")
        app = app_on(args.responses, index, url)
        client = app.test_client()
        inserts = record_history(client, popular, args.searches, rng)
        app.extensions["vastaus_usage"].close()
        engine = open_engine(url)
        spread_over_days(engine, rng)
        print(f"history: {args.searches} searches of {len(popular)} of the {len(typed)} typed cases, {inserts} inserts, "
              f"over {HISTORY_DAYS} days; the prior learned until {SPLIT_DAYS} days ago")
        print("\nReplay of the searches after that (MRR of the reply the agent inserted):")
        for strength, (n, mrr) in replay(client, engine, args.strengths).items():
            print(f"  strength {strength:.2f}  {n} searches  MRR {mrr:.3f}")
        print("\nThe benchmark sets (hit@1 / hit@3 / MRR), the prior reading the whole history:")
        sets = benchmark_sets(args.responses, cases, url, args.strengths)
        lowered = []
        for strength, rows in sets.items():
            for source, (n, hit1, hit3, mrr) in rows.items():
                off = sets[0.0][source]
                worse = strength and (hit1 < off[1] or hit3 < off[2] or mrr < off[3] - 1e-9)
                if worse:
                    lowered.append(f"{source} at {strength}")
                print(f"  strength {strength:.2f}  {source:24s} n={n:3d}  {hit1:.3f} / {hit3:.3f} / {mrr:.3f}"
                      + ("  LOWER" if worse else ""))
        print("\nlowered: " + (", ".join(lowered) if lowered else "none"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
