"""Retrieval evaluation: hit@1, hit@3 and MRR per case set, language and kind, Vastaus against FTS5.

Run: ``python -m bench.eval_search``. It reads ../shared/eval/dev-queries.yaml and
../shared/eval/colloquial-dev.yaml (when present) and bench/queries.yaml; each case is
``{q, lang, kind, expect: [ids]}``. Vastaus is asked through its real HTTP API, in process
(``kb.api.create_app`` and Flask's test client), the way the panel asks: a pasted customer
message (``kind: message``) with ``POST /api/v1/suggest`` (the escalations it calls for first,
then the results), anything typed with ``GET /api/v1/search``. Only results shown in the
language asked for (or marked as a fallback) count. FTS5 gets every case on the same texts.

A case is a hit at k when any expected id is among the first k; MRR counts the first 10.
Each set gets its own table and there is one for all sets together, first on the sample
knowledge base alone and then with 3,000 generated distractor snippets beside it
(``--distractors N``, ``--no-distractors``). Last come the targets of the search issue and
whether each holds. The exit code is 0 whatever the numbers: this is a benchmark.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bench.fts5_baseline import FTS5Baseline
from bench.generate_kb import generate
from kb.content.loader import load_kb
from kb.search.indexing import index_kb

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "eval"
DEV_QUERIES = SHARED / "dev-queries.yaml"
COLLOQUIAL = SHARED / "colloquial-dev.yaml"
PROJECT_QUERIES = REPO / "bench" / "queries.yaml"
PROJECT_COLLOQUIAL = REPO / "bench" / "colloquial.yaml"  # held out: written from the reply list only
DEFAULT_SETS = [DEV_QUERIES, COLLOQUIAL, PROJECT_QUERIES, PROJECT_COLLOQUIAL]
# The cases tests/test_search_quality.py gates on (its targets are stated for these).
DEFAULT_CASES = [DEV_QUERIES, PROJECT_QUERIES]
DEPTH = 10
DISTRACTORS = 3000
DISTRACTOR_SEED = 1
DISTRACTOR_FOLDER = "distractors"  # the generated snippets' ids become distractors/<category>/<name>
ALL_SETS = "all sets"


@dataclass
class Case:
    q: str
    lang: str
    expect: list[str]
    kind: str
    source: str

    @property
    def route(self) -> str:
        """How the panel asks: a pasted message is suggested for, anything typed is searched."""
        return "suggest" if self.kind == "message" else "search"


def load_cases(paths: list[Path]) -> list[Case]:
    """The cases of every file in *paths* that exists, each marked with its file's name."""
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
        """``(n, hit@1, hit@3, MRR)`` of a group: ``("all", "all")``, ``("lang", "fi")``, ``("kind", "typo")``."""
        ranks = self.ranks[key]
        n = len(ranks)
        if not n:
            return 0, 0.0, 0.0, 0.0
        hit1 = sum(1 for r in ranks if r == 1) / n
        hit3 = sum(1 for r in ranks if r is not None and r <= 3) / n
        mrr = sum(1 / r for r in ranks if r is not None) / n
        return n, hit1, hit3, mrr

    def groups(self) -> list[tuple[str, str]]:
        return sorted(self.ranks, key=lambda k: ({"all": 0, "lang": 1, "kind": 2}[k[0]], k[1]))


@dataclass
class Outcome:
    """One case's answer from Vastaus (through the API) and from FTS5."""

    case: Case
    ids: list[str]
    rank: int | None
    fts5_ids: list[str]
    fts5_rank: int | None
    error: str | None = None  # the API did not answer 200 (counted as a miss)


@dataclass
class Run:
    """Every case on one knowledge base: the sample alone, or with *distractors* beside it."""

    distractors: int
    snippets: int
    outcomes: list[Outcome]
    seconds: dict[str, float] = field(default_factory=dict)

    def scores(self, source: str | None = None) -> tuple[Scores, Scores]:
        """Vastaus's and FTS5's scores over one case set (a file name), or all of them."""
        ours, base = Scores(), Scores()
        for outcome in self.outcomes:
            if source is None or outcome.case.source == source:
                ours.add(outcome.case, outcome.rank)
                base.add(outcome.case, outcome.fts5_rank)
        return ours, base

    def sources(self) -> list[str]:
        return list(dict.fromkeys(o.case.source for o in self.outcomes))

    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.rank is None or o.rank > 3]


class ApiClient:
    """The real app on a knowledge base and its index, asked through Flask's test client."""

    def __init__(self, responses: Path, index_dir: Path, workdir: Path):
        from kb.api import create_app

        self.app = create_app({
            "RESPONSES": str(responses), "INDEX": str(index_dir), "RATE_LIMIT": 0, "TOKENS_FILE": None,
            "TOKENS_ENV": "", "REVOKED_TOKENS": "", "CORS_ORIGINS": "", "LOOPBACK": True, "TESTING": True,
            "PLUGIN_DIR": str(workdir / "no-plugin"),
        })
        self.client = self.app.test_client()
        self.app.extensions["vastaus"].warm()  # as kb serve warms each worker before it serves

    def ranked(self, case: Case) -> tuple[list[str], str | None]:
        """The ids the panel would show for *case*, best first, and an error when not 200."""
        if case.route == "suggest":
            response = self.client.post("/api/v1/suggest", json={"message": case.q, "lang": case.lang, "limit": DEPTH})
        else:
            response = self.client.get("/api/v1/search", query_string={"q": case.q, "lang": case.lang, "limit": DEPTH})
        body = response.get_json(silent=True) or {}
        if response.status_code != 200:
            return [], f"{case.route} answered {response.status_code}: {body.get('error') or response.data[:200]!r}"
        ids = [item["id"] for item in body.get("escalations", [])]
        ids += [r["id"] for r in body["results"] if r["lang"] == case.lang or r["fallback"]]
        return list(dict.fromkeys(ids))[:DEPTH], None

    def close(self) -> None:
        self.app.extensions["vastaus"].close()


def add_distractors(root: Path, count: int, seed: int, workdir: Path) -> None:
    """Write *count* generated reply snippets under ``root/distractors/``.

    ``bench.generate_kb`` names its category folders after customer-service topics (billing,
    outage, ...), as the sample does; under their own folder, with the ids moved there too,
    they can never replace or shadow a sample snippet. Its kb.yaml is not used: the sample's is.
    """
    target = root / DISTRACTOR_FOLDER
    if target.exists():
        raise FileExistsError(f"{target} already exists in the knowledge base; distractors need that folder")
    generated = generate(workdir / f"generated-{count}-{seed}", count, seed=seed)
    for path in sorted(generated.rglob("*.yaml")):
        relative = path.relative_to(generated)
        if len(relative.parts) < 2:  # kb.yaml
            continue
        snippet_id = relative.with_suffix("").as_posix()
        first, rest = path.read_text(encoding="utf-8").split("\n", 1)
        if first != f"id: {snippet_id}":
            raise ValueError(f"{path}: expected 'id: {snippet_id}' on the first line, found {first!r}")
        out = target / relative
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(f"id: {DISTRACTOR_FOLDER}/{snippet_id}\n{rest}", encoding="utf-8", newline="\n")


def run_cases(responses: Path, cases: list[Case], distractors: int = 0, seed: int = DISTRACTOR_SEED,
              workdir: Path | None = None) -> Run:
    """Every case through the API and FTS5, on *responses* plus *distractors* generated snippets."""
    with _workdir(workdir) as work:
        seconds: dict[str, float] = {}
        started = time.perf_counter()
        root = Path(responses)
        if distractors:
            root = work / f"kb-{distractors}"
            if root.exists():
                shutil.rmtree(root)
            shutil.copytree(responses, root)
            add_distractors(root, distractors, seed, work)
            seconds["generate"] = time.perf_counter() - started
        index_dir = work / f"index-{distractors}"
        if index_dir.exists():
            shutil.rmtree(index_dir)
        mark = time.perf_counter()
        report = index_kb(root, index_dir, full=True)
        seconds["index"] = time.perf_counter() - mark
        mark = time.perf_counter()
        snippets = load_kb(root).snippets
        if distractors and len(snippets) != len(load_kb(responses).snippets) + distractors:
            raise RuntimeError(f"{root}: {len(snippets)} snippets, not the sample's and {distractors} more")
        baseline = FTS5Baseline()
        baseline.add(snippets.values())
        seconds["fts5 build"] = time.perf_counter() - mark
        api = ApiClient(root, index_dir, work)
        outcomes = []
        timing = {"suggest": 0.0, "search": 0.0, "fts5": 0.0}
        try:
            for case in cases:
                mark = time.perf_counter()
                ids, error = api.ranked(case)
                timing[case.route] += time.perf_counter() - mark
                mark = time.perf_counter()
                fts5_ids = baseline.search(case.q, DEPTH)
                timing["fts5"] += time.perf_counter() - mark
                outcomes.append(Outcome(case, ids, rank_of(ids, case.expect), fts5_ids,
                                        rank_of(fts5_ids, case.expect), error))
        finally:
            api.close()
        seconds.update(timing)
        seconds["total"] = time.perf_counter() - started
        return Run(distractors, report.snippets, outcomes, seconds)


@contextmanager
def _workdir(workdir: Path | None) -> Iterator[Path]:
    if workdir is not None:
        yield Path(workdir)
        return
    with tempfile.TemporaryDirectory(prefix="vastaus-eval-") as tmp:
        yield Path(tmp)


def evaluate(responses: Path, cases: list[Case], distractors: int = 0,
             seed: int = DISTRACTOR_SEED) -> tuple[Scores, Scores, list[tuple[Case, list[str]]]]:
    """Vastaus's and FTS5's scores over all *cases*, and the cases outside Vastaus's top 3
    with what it showed first."""
    run = run_cases(responses, cases, distractors, seed)
    ours, base = run.scores()
    return ours, base, [(o.case, o.ids[:3]) for o in run.misses()]


# --- targets of the search issue


@dataclass(frozen=True)
class Target:
    source: str | None  # a case file's name; None: all sets together
    metric: str  # "hit@1" or "hit@3"
    threshold: float
    distractors: bool = False  # measured on the run with distractors
    per_language: bool = False  # every language must reach it

    def label(self, distractors: int) -> str:
        where = f"{distractors:,} distractors, {ALL_SETS}" if self.distractors else self.source
        what = f"every language {self.metric}" if self.per_language else self.metric
        return f"{where}: {what} >= {self.threshold:.2f}"


TARGETS = [
    Target(COLLOQUIAL.name, "hit@1", 0.85),
    Target(COLLOQUIAL.name, "hit@3", 0.95),
    Target(COLLOQUIAL.name, "hit@3", 0.90, per_language=True),
    Target(DEV_QUERIES.name, "hit@1", 0.90),
    Target(DEV_QUERIES.name, "hit@3", 0.98),
    Target(None, "hit@1", 0.85, distractors=True),
    Target(None, "hit@3", 0.95, distractors=True),
]


def check_targets(plain: Run, with_distractors: Run | None) -> list[dict]:
    """Each target with its measured value(s) and whether it holds (None: not measured)."""
    column = {"hit@1": 1, "hit@3": 2}
    checked = []
    for target in TARGETS:
        run = with_distractors if target.distractors else plain
        entry: dict = {"target": target.label(with_distractors.distractors if with_distractors else DISTRACTORS),
                       "threshold": target.threshold, "values": {}, "holds": None}
        if run is not None and (target.source is None or target.source in run.sources()):
            ours, _base = run.scores(target.source)
            keys = [k for k in ours.groups() if k[0] == "lang"] if target.per_language else [("all", "all")]
            values = {("all" if k[0] == "all" else k[1]): ours.row(k)[column[target.metric]] for k in keys}
            entry["values"] = {name: round(value, 4) for name, value in values.items()}
            entry["holds"] = all(value >= target.threshold for value in values.values())
        checked.append(entry)
    return checked


# --- output


def table(ours: Scores, base: Scores) -> str:
    lines = [f"{'group':<16}{'n':>5}  {'hit@1':>6} {'hit@3':>6} {'MRR':>6}   {'FTS5 hit@1':>10} {'hit@3':>6} {'MRR':>6}"]
    for key in ours.groups():
        n, h1, h3, mrr = ours.row(key)
        _, b1, b3, bmrr = base.row(key)
        name = "overall" if key[0] == "all" else f"{key[0]}={key[1]}"
        lines.append(f"{name:<16}{n:>5}  {h1:>6.3f} {h3:>6.3f} {mrr:>6.3f}   {b1:>10.3f} {b3:>6.3f} {bmrr:>6.3f}")
    return "\n".join(lines)


def _run_title(run: Run) -> str:
    extra = f" + {run.distractors:,} distractors" if run.distractors else " alone"
    return f"{run.snippets:,} snippets (the sample{extra})"


def report_text(runs: list[Run], targets: list[dict], show_misses: bool) -> str:
    out = []
    for run in runs:
        out.append(f"=== {_run_title(run)} ===")
        sets = run.sources()
        for source in [*sets, *([None] if len(sets) > 1 else [])]:
            ours, base = run.scores(source)
            cases = [o.case for o in run.outcomes if source is None or o.case.source == source]
            suggested = sum(1 for c in cases if c.route == "suggest")
            out.append(f"\n{source or ALL_SETS}: {len(cases)} cases ({suggested} pasted messages via "
                       f"POST /api/v1/suggest, {len(cases) - suggested} typed via GET /api/v1/search)")
            out.append(table(ours, base))
        errors = [o for o in run.outcomes if o.error]
        if errors:
            out.append(f"\nWARNING: {len(errors)} requests did not answer 200 (counted as misses), e.g. {errors[0].error}")
        if show_misses:
            misses = run.misses()
            out.append(f"\nCases outside the top 3 ({len(misses)}):")
            for o in misses:
                c = o.case
                got = o.error or o.ids[:3]
                out.append(f"MISS [{c.source} {c.lang}/{c.kind}] {c.q!r} expected {c.expect} "
                           f"rank {o.rank or '-'} got {got} (FTS5 rank {o.fts5_rank or '-'})")
        s = run.seconds
        phases = [f"{name} {s[name]:.1f} s" for name in ("generate", "index", "fts5 build", "suggest", "search", "fts5")
                  if name in s]
        out.append(f"\ntime: {', '.join(phases)}; {s['total']:.1f} s in all\n")
    out.append("=== Targets ===")
    width = max(len(t["target"]) for t in targets)
    for t in targets:
        values = " ".join(f"{k} {v:.3f}" if k != "all" else f"{v:.3f}" for k, v in t["values"].items())
        verdict = {True: "holds", False: "MISSES", None: "not measured"}[t["holds"]]
        out.append(f"{t['target']:<{width}}  {values or '-':<26} {verdict}")
    return "\n".join(out)


def _rows(scores: Scores) -> dict:
    out = {}
    for key in scores.groups():
        n, h1, h3, mrr = scores.row(key)
        out["overall" if key[0] == "all" else f"{key[0]}={key[1]}"] = {
            "n": n, "hit@1": round(h1, 4), "hit@3": round(h3, 4), "mrr": round(mrr, 4)}
    return out


def report_json(runs: list[Run], targets: list[dict], show_misses: bool) -> dict:
    data: dict = {"runs": [], "targets": targets}
    for run in runs:
        sets = {}
        for source in [*run.sources(), None]:
            ours, base = run.scores(source)
            sets[source or ALL_SETS] = {"vastaus": _rows(ours), "fts5": _rows(base)}
        entry = {"distractors": run.distractors, "snippets": run.snippets, "sets": sets,
                 "errors": [o.error for o in run.outcomes if o.error],
                 "seconds": {k: round(v, 2) for k, v in run.seconds.items()}}
        if show_misses:
            entry["misses"] = [{"set": o.case.source, "q": o.case.q, "lang": o.case.lang, "kind": o.case.kind,
                                "expect": o.case.expect, "rank": o.rank, "top": o.ids[:3], "fts5_rank": o.fts5_rank,
                                "error": o.error} for o in run.misses()]
        data["runs"].append(entry)
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=Path, default=REPO / "responses", help="the knowledge base (default: responses/)")
    parser.add_argument("--cases", type=Path, nargs="+", default=DEFAULT_SETS,
                        help="case files, each reported as its own set (default: the two shared development sets "
                             "and bench/queries.yaml)")
    distract = parser.add_mutually_exclusive_group()
    distract.add_argument("--distractors", type=int, default=DISTRACTORS, metavar="N",
                          help=f"also evaluate with N generated snippets beside the sample (default {DISTRACTORS:,})")
    distract.add_argument("--no-distractors", action="store_const", const=0, dest="distractors",
                          help="only the sample knowledge base")
    parser.add_argument("--seed", type=int, default=DISTRACTOR_SEED, help="seed of the generated distractors")
    parser.add_argument("--misses", action="store_true", help="list the cases not in the top 3, with what came first")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args(argv)
    for path in args.cases:
        if not path.is_file():
            print(f"note: {path} not found; skipped", file=sys.stderr)
    cases = load_cases(args.cases)
    if not cases:
        print("no evaluation cases found", file=sys.stderr)
        return 0
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="vastaus-eval-") as tmp:
        runs = [run_cases(args.responses, cases, 0, workdir=Path(tmp))]
        if args.distractors > 0:
            runs.append(run_cases(args.responses, cases, args.distractors, args.seed, workdir=Path(tmp)))
    targets = check_targets(runs[0], runs[1] if len(runs) > 1 else None)
    if args.json:
        data = report_json(runs, targets, args.misses)
        data["seconds"] = round(time.perf_counter() - started, 2)
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(report_text(runs, targets, args.misses))
        print(f"\n{len(cases)} cases, {time.perf_counter() - started:.1f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
