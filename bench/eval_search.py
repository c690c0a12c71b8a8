"""Retrieval evaluation: hit@1, hit@3 and MRR per language and kind, Vastaus against FTS5.

Run: ``python -m bench.eval_search`` (uses ../shared/eval/dev-queries.yaml when present and
bench/queries.yaml). Each case is ``{q, lang, expect: [ids], kind}``; a case is a hit at k
when any expected id is among the first k results, and Vastaus must also show the result
in the language asked for.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from bench.fts5_baseline import FTS5Baseline
from kb.content.kbyaml import load_settings
from kb.content.loader import load_kb
from kb.search.indexing import index_kb
from kb.search.service import SearchService

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CASES = [REPO.parent / "shared" / "eval" / "dev-queries.yaml", REPO / "bench" / "queries.yaml"]
DEPTH = 10


@dataclass
class Case:
    q: str
    lang: str
    expect: list[str]
    kind: str
    source: str


def load_cases(paths: list[Path]) -> list[Case]:
    cases = []
    for path in paths:
        if not path.is_file():
            continue
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            cases.append(Case(str(raw["q"]), raw["lang"], list(raw["expect"]), raw["kind"], path.name))
    return cases


def rank_of(ids: list[str], expect: list[str]) -> int | None:
    for position, snippet_id in enumerate(ids, 1):
        if snippet_id in expect:
            return position
    return None


class Scores:
    def __init__(self) -> None:
        self.ranks: dict[tuple[str, str], list[int | None]] = defaultdict(list)

    def add(self, case: Case, rank: int | None) -> None:
        for key in [("all", "all"), ("lang", case.lang), ("kind", case.kind)]:
            self.ranks[key].append(rank)

    def row(self, key: tuple[str, str]) -> tuple[int, float, float, float]:
        ranks = self.ranks[key]
        n = len(ranks)
        hit1 = sum(1 for r in ranks if r == 1) / n
        hit3 = sum(1 for r in ranks if r is not None and r <= 3) / n
        mrr = sum(1 / r for r in ranks if r is not None) / n
        return n, hit1, hit3, mrr

    def groups(self) -> list[tuple[str, str]]:
        return sorted(self.ranks, key=lambda k: ({"all": 0, "lang": 1, "kind": 2}[k[0]], k[1]))


def evaluate(responses: Path, cases: list[Case]) -> tuple[Scores, Scores, list[tuple[Case, list[str]]]]:
    settings = load_settings(responses)
    kb = load_kb(responses, settings)
    baseline = FTS5Baseline()
    baseline.add(kb.snippets.values())
    ours, base, misses = Scores(), Scores(), []
    with tempfile.TemporaryDirectory() as tmp:
        index_kb(responses, Path(tmp))
        service = SearchService(Path(tmp), settings)
        for case in cases:
            results = service.search(case.q, lang=case.lang, limit=DEPTH)["results"]
            ids = [r["id"] for r in results if r["lang"] == case.lang or r["fallback"]]
            rank = rank_of(ids, case.expect)
            ours.add(case, rank)
            base.add(case, rank_of(baseline.search(case.q, DEPTH), case.expect))
            if rank is None or rank > 3:
                misses.append((case, ids[:3]))
        service.close()
    return ours, base, misses


def table(ours: Scores, base: Scores) -> str:
    lines = [f"{'group':<16}{'n':>5}  {'hit@1':>6} {'hit@3':>6} {'MRR':>6}   {'FTS5 hit@1':>10} {'hit@3':>6} {'MRR':>6}"]
    for key in ours.groups():
        n, h1, h3, mrr = ours.row(key)
        _, b1, b3, bmrr = base.row(key)
        name = "overall" if key[0] == "all" else f"{key[0]}={key[1]}"
        lines.append(f"{name:<16}{n:>5}  {h1:>6.3f} {h3:>6.3f} {mrr:>6.3f}   {b1:>10.3f} {b3:>6.3f} {bmrr:>6.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=Path, default=REPO / "responses")
    parser.add_argument("--cases", type=Path, nargs="*", default=DEFAULT_CASES)
    parser.add_argument("--misses", action="store_true", help="list the cases not in the top 3")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    cases = load_cases(args.cases)
    if not cases:
        print("no evaluation cases found", file=sys.stderr)
        return 2
    ours, base, misses = evaluate(args.responses, cases)
    if args.json:
        print(json.dumps({" ".join(k): {"vastaus": ours.row(k), "fts5": base.row(k)} for k in ours.groups()}, indent=2))
    else:
        print(f"{len(cases)} cases from {', '.join(sorted({c.source for c in cases}))}")
        print(table(ours, base))
    if args.misses:
        for case, top in misses:
            print(f"MISS [{case.lang}/{case.kind}] {case.q!r} expected {case.expect} got {top}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
