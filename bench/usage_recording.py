"""What recording usage costs a search: the same requests with recording on and off, in process.

    python -m bench.usage_recording                      # the sample knowledge base
    python -m bench.usage_recording --requests 4000 --database-url postgresql://...

It builds the index of ``--responses`` in a temporary folder and makes one app on it (Flask's
test client, as ``bench.eval_search`` does) recording into a fresh database (SQLite beside the
index unless ``--database-url``). It sends typed queries and pasted messages, switching the
recording on and off every 50 requests, so that both halves see the same app, caches and
machine load, and prints p50/p99 latency of each half, the rows written, and the cost of the
recording hook alone. A benchmark, not a test: it reports, it does not judge. It measures
the request path inside one worker, without gunicorn and the network, which ``bench.load``
adds (and whose run-to-run noise on a shared machine is larger than the difference).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from bench.load import GLUE, WORDS
from kb.search.indexing import index_kb

BLOCK = 50


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)

    def at(share: float) -> float:
        return ordered[min(int(share * len(ordered)), len(ordered) - 1)] * 1000

    return f"p50 {at(0.5):6.2f} ms, p99 {at(0.99):6.2f} ms, mean {statistics.fmean(ordered) * 1000:6.2f} ms"


def requests(count: int, rng: random.Random) -> list[tuple[str, dict]]:
    made = []
    for _ in range(count):
        lang = rng.choice(sorted(WORDS))
        if rng.random() < 0.7:
            q = " ".join(rng.sample(WORDS[lang], rng.randint(1, 3)))
            if rng.random() < 0.2:
                q += f" {rng.randint(1000, 99999)}"  # a ticket number: masked before it is stored
            made.append(("search", {"q": q, "lang": lang}))
        else:
            words = [rng.choice(WORDS[lang] if rng.random() < 0.6 else GLUE[lang]) for _ in range(rng.randint(20, 60))]
            made.append(("suggest", {"message": " ".join(words).capitalize() + "?", "limit": 5}))
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=Path, default=Path("responses"))
    parser.add_argument("--requests", type=int, default=3000, help="requests to each app (default 3000)")
    parser.add_argument("--database-url", default="", help="usage database (default: SQLite beside the index)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    from kb.api import create_app
    from kb.usage.recorder import SearchRecord, new_search_id

    with tempfile.TemporaryDirectory(prefix="kb-bench-usage-") as tmp:
        index = Path(tmp) / "index"
        index_kb(args.responses, index)
        app = create_app({"RESPONSES": str(args.responses), "INDEX": str(index), "RATE_LIMIT": 0, "TOKENS_FILE": None,
                          "TOKENS_ENV": "", "CORS_ORIGINS": "", "LOOPBACK": True, "DATABASE_URL": args.database_url})
        client = app.test_client()
        usage = app.extensions["vastaus_usage"]
        work = requests(args.requests, random.Random(args.seed))
        for kind, body in requests(50, random.Random(args.seed + 1)):  # warm up: index readers, catalogs, database
            _send(client, kind, body)
        times: dict[bool, list[float]] = {True: [], False: []}
        for number, start in enumerate(range(0, len(work), BLOCK)):
            usage.record_searches = number % 2 == 0  # the same app, its recording switched per block
            for kind, body in work[start:start + BLOCK]:
                began = time.perf_counter()
                _send(client, kind, body)
                times[usage.record_searches].append(time.perf_counter() - began)
        usage.close()
        print(f"{len(work)} requests ({sum(k == 'search' for k, _ in work)} searches, the rest suggest) to one app, "
              f"recording on and off in alternate blocks of {BLOCK}; "
              f"database {usage.engine().url.render_as_string(hide_password=True)}")
        for recording, samples in times.items():
            print(f"  recording {'on ' if recording else 'off'}  {len(samples):5d} requests  {percentiles(samples)}")
        recorder = usage._recorder
        print(f"  rows written {recorder.written}, dropped {recorder.dropped}")
        record = SearchRecord(new_search_id(), "search", "lasku 12345", "fi", None, None, ("a/b",) * 10, 1.0)
        began = time.perf_counter()
        for _ in range(10_000):
            new_search_id()
            recorder._queue.put_nowait((record, 0.0))
            recorder._queue.get_nowait()
        print(f"  the hook alone (search id + queue): {(time.perf_counter() - began) / 10_000 * 1e6:.1f} µs a request")
    return 0


def _send(client, kind: str, body: dict) -> None:
    response = (client.get("/api/v1/search", query_string=body) if kind == "search"
                else client.post("/api/v1/suggest", json=body))
    if response.status_code != 200:
        raise SystemExit(f"{kind} answered {response.status_code}: {response.data[:200]!r}")


if __name__ == "__main__":
    raise SystemExit(main())
