"""Search speed on large synthetic knowledge bases, against SQLite FTS5 in the same run.

Run: ``python -m bench.search_speed --sizes 1000 10000 50000``. For each size it prints the
full index build time, the time to update one changed snippet, query latency p50/p95/p99
through the API as the panel asks (the real app, through Flask's test client: short queries and
typed prefixes with ``GET /api/v1/search``, pasted customer messages of 20-60 words with
``POST /api/v1/suggest``, which detects their language and matches escalation triggers too),
what the language analysis of a message costs when none of its words was seen before, peak
memory, and the same queries against FTS5. Each size runs in its own process so that peak
memory is that size's alone.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.eval_search import ApiClient
from bench.fts5_baseline import FTS5Baseline
from bench.generate_kb import generate
from kb.content.kbyaml import load_settings
from kb.content.loader import load_kb
from kb.language import analysis
from kb.language.analysis import words
from kb.search.indexing import index_kb

QUERIES = 300


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(share: float) -> float:
        return ordered[min(int(share * len(ordered)), len(ordered) - 1)] * 1000

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "mean": statistics.fmean(ordered) * 1000}


def make_queries(kb, rng: random.Random) -> dict[str, list[tuple[str, str]]]:
    snippets = list(kb.snippets.values())
    short, messages, prefixes = [], [], []
    for _ in range(QUERIES):
        snippet = rng.choice(snippets)
        lang = rng.choice(list(snippet.texts))
        text = snippet.texts[lang]
        title_words = [w for w in words(text.title + " " + " ".join(text.keywords)) if len(w) > 3]
        short.append((" ".join(rng.sample(title_words, min(len(title_words), rng.randint(1, 3)))), lang))
        body_words = words(" ".join(t.body for t in rng.choice(snippets).texts.values() if t.lang == lang) or text.body)
        body_words += words(text.body)
        length = rng.randint(20, 60)
        messages.append((" ".join(rng.choice(body_words) for _ in range(length)), lang))
        word = rng.choice(title_words or ["lasku"])
        prefixes.append((word[: rng.randint(3, max(3, min(len(word) - 1, 6)))], lang))
    return {"short": short, "message": messages, "prefix": prefixes}


def cold_analysis_ms(messages: list[str], languages: tuple[str, ...]) -> dict[str, float]:
    """Milliseconds to analyse one message in every language when no word of it is in the caches
    (a new word costs Voikko and Vabamorf look-ups; a known one is a cache hit)."""
    samples = []
    for text in messages:
        analysis.clear_caches()
        t0 = time.perf_counter()
        for lang in languages:
            analysis.tokens(text, lang)
        samples.append(time.perf_counter() - t0)
    return percentiles(samples)


def run_size(size: int, workdir: Path, seed: int) -> dict:
    responses = workdir / f"kb-{size}"
    if not (responses / "kb.yaml").exists():
        generate(responses, size, seed=seed)
    index_dir = workdir / f"index-{size}"
    settings = load_settings(responses)
    started = time.perf_counter()
    kb = load_kb(responses, settings)
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    index_kb(responses, index_dir, full=True)
    build_seconds = time.perf_counter() - started

    victim = sorted(responses.rglob("*.yaml"))[1]
    original = victim.read_text(encoding="utf-8")
    victim.write_text(original.replace("title: ", "title: Muutettu ", 1), encoding="utf-8")
    started = time.perf_counter()
    report = index_kb(responses, index_dir)
    update_seconds = time.perf_counter() - started
    victim.write_text(original, encoding="utf-8")
    assert not report.full and report.changed == 1, report

    rng = random.Random(seed)
    queries = make_queries(kb, rng)
    api = ApiClient(responses, index_dir, workdir)  # the real app, as a gunicorn worker runs it
    warm = make_queries(kb, random.Random(seed + 1))  # other queries: /search caches answers
    for text, lang in warm["short"][:20] + warm["message"][:5]:  # warm the searcher and caches, as a live worker is
        api.client.get("/api/v1/search", query_string={"q": text, "lang": lang})
    ours = {}
    for kind, items in queries.items():
        samples = []
        for text, lang in items:
            t0 = time.perf_counter()
            if kind == "message":
                response = api.client.post("/api/v1/suggest", json={"message": text, "lang": lang, "limit": 10})
            else:
                response = api.client.get("/api/v1/search", query_string={"q": text, "lang": lang, "limit": 10})
            samples.append(time.perf_counter() - t0)
            assert response.status_code == 200, response.get_data(as_text=True)
        ours[kind] = percentiles(samples)
    analysis_ms = cold_analysis_ms([text for text, _lang in queries["message"]], settings.languages)

    started = time.perf_counter()
    fts = FTS5Baseline()
    fts.add(kb.snippets.values())
    fts_build = time.perf_counter() - started
    theirs = {}
    for kind, items in queries.items():
        samples = []
        for text, _lang in items:
            t0 = time.perf_counter()
            fts.search(text, 10)
            samples.append(time.perf_counter() - t0)
        theirs[kind] = percentiles(samples)
    return {
        "snippets": len(kb.snippets),
        "texts": sum(len(s.texts) for s in kb.snippets.values()),
        "load_lint_s": load_seconds,
        "build_s": build_seconds,
        "update_one_s": update_seconds,
        "ours": ours,
        "fts5": theirs,
        "fts5_build_s": fts_build,
        "cold_analysis_ms": analysis_ms,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        # The largest of the build's worker processes (a parallel full build), measured apart.
        "peak_build_worker_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def print_report(result: dict) -> None:
    print(f"\n== {result['snippets']:,} snippets ({result['texts']:,} texts)")
    print(f"load+validate {result['load_lint_s']:.2f} s | full build {result['build_s']:.1f} s "
          f"(FTS5 {result['fts5_build_s']:.1f} s) | update one snippet {result['update_one_s']:.2f} s | "
          f"peak RSS {result['peak_rss_mb']:.0f} MB (build workers {result.get('peak_build_worker_rss_mb', 0):.0f} MB)")
    print(f"{'queries':<10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}   {'FTS5 p50':>9}{'p95':>8}{'p99':>8}   ratio p99")
    for kind in result["ours"]:
        o, t = result["ours"][kind], result["fts5"][kind]
        print(f"{kind:<10}{o['p50']:>9.2f}{o['p95']:>9.2f}{o['p99']:>9.2f}   {t['p50']:>9.2f}{t['p95']:>8.2f}"
              f"{t['p99']:>8.2f}   {o['p99'] / max(t['p99'], 1e-6):>8.1f}x")
    cold = result["cold_analysis_ms"]
    print(f"analysis of a message in every language, no word cached: p50 {cold['p50']:.2f} ms, "
          f"p99 {cold['p99']:.2f} ms (included above only for words a worker has not met yet)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "vastaus-bench")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.one:
        print(json.dumps(run_size(args.one, args.workdir, args.seed)))
        return 0
    for size in args.sizes:
        out = subprocess.run([sys.executable, "-m", "bench.search_speed", "--one", str(size), "--workdir",
                              str(args.workdir), "--seed", str(args.seed)], capture_output=True, text=True)
        if out.returncode:
            print(out.stderr, file=sys.stderr)
            return out.returncode
        print_report(json.loads(out.stdout.strip().splitlines()[-1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
