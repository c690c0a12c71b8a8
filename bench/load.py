"""Load benchmark of ``kb serve``: throughput and latency of search and suggest, and hot reloads
under load. Loopback only, bounded in time and requests; it starts and stops its own server.

    python -m bench.load --responses responses --seconds 10
    python -m bench.generate_kb --snippets 10000 --out /tmp/kb10k && python -m bench.load --responses /tmp/kb10k
    python -m bench.load --sizes 1000 10000 50000 --reloads 0     # generated knowledge bases, kept and reused

It copies the knowledge base to a temporary folder (reloads write a probe snippet there),
starts ``kb serve --workers 2``, waits until every worker has warmed up, then runs 16
keep-alive clients (on one asyncio event loop) for ``--seconds`` on search (1–3 word queries)
and on suggest (20–60 word messages), and finally 10 reloads (a changed probe snippet, then
``POST /api/v1/reload``) while the clients keep searching. It prints requests per second,
p50/p99 latency, errors, the server's CPU time per request (throughput per core), and the
memory of the master and of each worker (PSS and RSS, see :mod:`bench.procmem`) when warmed
up, after the load and after the reloads. Targets: search ≥ 300 req/s with p99 ≤ 50 ms; no
failed request during reloads; at most 150 MB PSS per worker at 10k snippets. A benchmark,
not a test: it reports, it does not judge.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench import procmem
from bench.generate_kb import generate
from kb.content.kbyaml import load_settings
from kb.engine.reader import RETIRED_SECONDS
from kb.search.indexing import index_is_current, index_kb

HOST = "127.0.0.1"  # never anything else: this sends traffic only to this machine
MAX_REQUESTS_PER_CLIENT = 200_000
REQUEST_TIMEOUT = 10  # seconds; a request slower than this counts as failed
# Clients connect one after another, this many seconds apart, as agents' panels do. A keep-alive
# connection stays with the worker that accepted it; sixteen connections opened in the same
# millisecond are split between idle workers by chance (12/4 was seen), and the busier
# worker then sets the latency. Connections that arrive under load go to the idler worker.
RAMP_UP_SECONDS = 0.01
RELOAD_TIMEOUT = 900  # a reload of a large knowledge base yields the CPU to searches: it can take minutes
WARM_TIMEOUT = 300  # seconds to wait for every worker's "warmed up" (kb/api/server.py) in the server's log

WORDS = {
    "fi": "lasku laskun maksu eräpäivä hyvitys palautus paketti toimitus seuranta myöhässä rikki netti yhteys "
          "häiriö katkos puhelin liittymä tilaus peruutus lehti jakelu juna bussi matka lippu varaus korvaus "
          "asiakaspalvelu chat aukioloajat henkilötiedot salasana kortti tunnistautuminen valitus palaute kiitos "
          "odotusaika vastaus osoite muutos veloitus kahdesti virhe".split(),
    "et": "arve makse maksetähtaeg tagasimakse pakk saadetis jälgimine hilineb katki internet ühendus rike "
          "katkestus telefon leping tellimus tühistamine ajaleht kohaletoimetamine rong buss reis pilet broneering "
          "hüvitis klienditeenindus vestlus lahtiolekuajad isikuandmed parool kaart tuvastamine kaebus tagasiside "
          "aitäh ootamine vastus aadress muudatus kaks korda viga".split(),
    "en": "invoice bill payment due date refund return parcel delivery tracking late damaged internet connection "
          "outage down phone contract subscription cancel newspaper train bus trip ticket booking compensation "
          "customer service chat opening hours personal data password card verification complaint feedback thanks "
          "waiting answer address change charged twice error".split(),
}
GLUE = {
    "fi": "minun on ei ja että se oli taas nyt miksi missä milloin kun jo vielä".split(),
    "et": "minu on ei ja et see oli jälle nüüd miks kus millal kui juba veel".split(),
    "en": "my is not and that it was again now why where when if already still".split(),
}


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    client_cores: float = 0.0  # CPU this load client itself used, in cores (the server shares them)
    server_cpu: float = 0.0  # CPU seconds the server's processes used meanwhile (set by the caller)

    def merge(self, other: Stats) -> None:
        self.latencies.extend(other.latencies)
        self.errors.extend(other.errors)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(share * len(ordered)), len(ordered) - 1)] if ordered else float("nan")


def search_request(rng: random.Random) -> tuple[str, str, bytes | None]:
    lang = rng.choice(list(WORDS))
    query = " ".join(rng.sample(WORDS[lang], rng.randint(1, 3)))
    return "GET", "/api/v1/search?" + urllib.parse.urlencode({"q": query, "lang": lang, "limit": 10}), None


def suggest_request(rng: random.Random) -> tuple[str, str, bytes | None]:
    lang = rng.choice(list(WORDS))
    words = [rng.choice(WORDS[lang] if rng.random() < 0.6 else GLUE[lang]) for _ in range(rng.randint(20, 60))]
    body = json.dumps({"message": " ".join(words).capitalize() + "?", "limit": 5}).encode()
    return "POST", "/api/v1/suggest", body


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, method: str, path: str,
                    body: bytes | None, secret: str | None = None) -> tuple[int, bool]:
    """One HTTP/1.1 request on a kept-alive connection (with *secret* as its bearer token):
    (status, whether the server keeps it open)."""
    head = f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\n"
    if secret is not None:
        head += f"Authorization: Bearer {secret}\r\n"
    if body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    writer.write((head + "\r\n").encode() + (body or b""))
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed by the server")
    status = int(status_line.split()[1])
    length, keep = 0, True
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
        elif name.lower() == "connection" and value.strip().lower() == "close":
            keep = False
    await reader.readexactly(length)
    return status, keep


async def client_loop(port: int, make, deadline: float, stop: threading.Event, seed: int, out: Stats,
                      secret: str | None = None) -> None:
    """One keep-alive client sending requests back to back until the deadline (with *secret*
    as its API token, if given)."""
    rng = random.Random(seed)
    reader = writer = None
    await asyncio.sleep(seed * RAMP_UP_SECONDS)
    for _ in range(MAX_REQUESTS_PER_CLIENT):
        if time.monotonic() >= deadline or stop.is_set():
            break
        method, path, body = make(rng)
        started = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(HOST, port)
            status, keep = await asyncio.wait_for(_exchange(reader, writer, method, path, body, secret),
                                                  REQUEST_TIMEOUT)
            if status != 200:
                out.errors.append(f"{method} {path[:60]}: {status}")
            if not keep:
                writer.close()
                reader = writer = None
        except (TimeoutError, OSError, ValueError, IndexError, asyncio.IncompleteReadError) as exc:
            out.errors.append(f"{method} {path[:60]}: {exc!r}")
            if writer is not None:
                writer.close()
            reader = writer = None
            continue
        out.latencies.append(time.perf_counter() - started)
    if writer is not None:
        writer.close()


def run_clients(port: int, make, seconds: float, clients: int, stop: threading.Event | None = None,
                secret: Callable[[int], str] | None = None) -> Stats:
    """*clients* concurrent keep-alive connections on one asyncio loop in this thread; client *n*
    sends ``secret(n)`` as its API token when *secret* is given.

    One event loop rather than a thread per client: threads of one Python process queue for
    its interpreter lock, and that wait (up to the 5 ms switch interval) would be counted as
    the server's latency."""
    stop = stop or threading.Event()
    cpu_before, wall_before = time.thread_time(), time.monotonic()
    deadline = time.monotonic() + seconds
    results = [Stats() for _ in range(clients)]

    async def everyone() -> None:
        await asyncio.gather(*(client_loop(port, make, deadline, stop, n, results[n], secret(n) if secret else None)
                               for n in range(clients)))

    asyncio.run(everyone())
    total = Stats()
    for stats in results:
        total.merge(stats)
    total.client_cores = (time.thread_time() - cpu_before) / max(time.monotonic() - wall_before, 1e-9)
    return total


def report(name: str, stats: Stats, seconds: float, clients: int) -> None:
    count = len(stats.latencies)
    print(f"{name:<8} {clients} clients, {seconds:.0f} s: {count} ok, {count / seconds:7.1f} req/s, "
          f"p50 {percentile(stats.latencies, 0.50) * 1000:6.1f} ms, p99 {percentile(stats.latencies, 0.99) * 1000:6.1f} ms, "
          f"max {max(stats.latencies, default=0) * 1000:6.1f} ms, errors {len(stats.errors)}; "
          f"client CPU {stats.client_cores:.2f} cores", flush=True)
    if stats.server_cpu:
        print(f"         server CPU {stats.server_cpu / seconds:.2f} cores: {count / stats.server_cpu:.0f} requests "
              f"per CPU-second (throughput per core)", flush=True)
    for error in stats.errors[:5]:
        print(f"         {error}")


def call(port: int, method: str, path: str, body: dict | None = None, timeout: float = 120) -> tuple[int, dict]:
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        data = None if body is None else json.dumps(body).encode()
        connection.request(method, path, body=data, headers={"Content-Type": "application/json"} if data else {})
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        connection.close()


def cache_hits(port: int) -> tuple[float, float]:
    """Search cache hits and misses so far, from /metrics (summed over the workers)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        connection.request("GET", "/metrics")
        text = connection.getresponse().read().decode()
    finally:
        connection.close()
    counts = {"hit": 0.0, "miss": 0.0}
    for line in text.splitlines():
        if line.startswith("kb_search_cache_total{"):
            for result in counts:
                if f'result="{result}"' in line:
                    counts[result] += float(line.rsplit(" ", 1)[1])
    return counts["hit"], counts["miss"]


def probe_snippet(root: Path, n: int) -> None:
    """A valid reply in every language, different each time: each reload has a real change."""
    settings = load_settings(root)
    lines = ["id: bench/reload-probe", "kind: reply", "version: 1", "texts:"]
    for lang in settings.languages:
        lines.append(f"  {lang}:")
        if lang != settings.source_lang:
            lines.append("    source_version: 1")
        lines += [f"    title: Reload probe {n}", f"    body: Probe text number {n} for the load benchmark."]
    path = root / "bench" / "reload-probe.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(root: Path, index: Path, workers: int, log_path: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    command = [sys.executable, "-m", "kb.cli", "serve", "--host", HOST, "--port", str(port), "--responses", str(root),
               "--index", str(index), "--workers", str(workers), "--rate-limit", "0", "--watch-seconds", "0"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 900  # a first build of a large knowledge base takes a while
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"kb serve exited with {process.returncode}; see {log_path}")
        try:
            if call(port, "GET", "/api/v1/health", timeout=2)[0] == 200:
                return process, port
        except OSError:
            pass
        time.sleep(0.2)
    process.terminate()
    raise SystemExit("kb serve did not start in time")


def reloads_under_load(port: int, root: Path, count: int, clients: int) -> None:
    stop = threading.Event()
    box: dict[str, Stats] = {}

    def mixed(rng: random.Random):
        return search_request(rng) if rng.random() < 0.8 else suggest_request(rng)

    load = threading.Thread(target=lambda: box.setdefault("stats", run_clients(port, mixed, 3600, clients, stop)))
    load.start()
    started = time.monotonic()
    failed, seconds = [], []
    try:
        time.sleep(0.5)
        for n in range(count):
            probe_snippet(root, n)
            began = time.perf_counter()
            try:
                status, data = call(port, "POST", "/api/v1/reload", timeout=RELOAD_TIMEOUT)
            except (OSError, http.client.HTTPException) as exc:
                status, data = 0, repr(exc)
            seconds.append(time.perf_counter() - began)
            if status != 200:
                failed.append(f"reload {n}: {status} {data}")
            time.sleep(0.3)
    finally:
        stop.set()
        load.join()
    elapsed = time.monotonic() - started
    stats = box["stats"]
    report("reloads", stats, elapsed, clients)
    print(f"         {count} reloads, {count - len(failed)} ok, reload p50 {percentile(seconds, 0.5) * 1000:.0f} ms, "
          f"max {max(seconds, default=0) * 1000:.0f} ms; failed requests during reloads: {len(stats.errors) + len(failed)}")
    for line in failed[:5]:
        print("        ", line)


def wait_warm(log_path: Path, workers: int, process: subprocess.Popen) -> None:
    """Wait until every worker has said "warmed up" in the server's log (kb/api/server.py)."""
    deadline = time.monotonic() + WARM_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        if log_path.read_text(encoding="utf-8", errors="replace").count("warmed up in") >= workers:
            return
        time.sleep(0.2)
    print(f"         (not every worker said it warmed up within {WARM_TIMEOUT} s)", flush=True)


def measured(master: int, run: Callable[[], Stats]) -> Stats:
    """*run*'s results, with the CPU time the server's processes used meanwhile."""
    pids = [master, *procmem.children(master)]
    before = procmem.cpu_seconds(pids)
    stats = run()
    stats.server_cpu = procmem.cpu_seconds(pids) - before
    return stats


def generated(size: int, workdir: Path, seed: int) -> tuple[Path, Path]:
    """A generated knowledge base of *size* snippets and the folder of its index, kept in *workdir*
    and reused (as bench.search_speed keeps them); the index is built by ``kb serve`` when stale."""
    responses = workdir / f"kb-{size}"
    if not (responses / "kb.yaml").exists():
        generate(responses, size, seed=seed)
    return responses, workdir / f"index-{size}"


def run_server(args: argparse.Namespace, responses: Path, kept_index: Path | None) -> None:
    """Start ``kb serve`` on a copy of *responses* (on the knowledge base itself when no reload
    changes it), load it, reload it, and print what it answered and what it cost."""
    seconds, clients, reloads = min(args.seconds, 120), min(args.clients, 64), min(args.reloads, 50)
    with tempfile.TemporaryDirectory(prefix="kb-load-") as tmp:
        root = responses
        if reloads:
            root = Path(tmp) / "responses"
            shutil.copytree(responses, root, ignore=shutil.ignore_patterns(".git"))  # mtimes kept: the index stays current
        index = Path(tmp) / "index"
        started = time.perf_counter()
        if kept_index is not None:  # built once (minutes at 50k), copied: usage data and reloads stay in tmp
            if not index_is_current(responses, kept_index):
                index_kb(responses, kept_index)
            shutil.copytree(kept_index, index, symlinks=True, ignore=shutil.ignore_patterns("*.lock"))
        log_path = Path(tmp) / "serve.log"
        process, port = start_server(root, index, args.workers, log_path)
        try:
            wait_warm(log_path, args.workers, process)
            workers = procmem.children(process.pid)
            version = call(port, "GET", "/api/v1/version")[1]
            print(f"\n== kb serve --workers {args.workers} on {responses}: {version['snippets']['total']} snippets, "
                  f"ready and warmed up in {time.perf_counter() - started:.1f} s; cpus {os.cpu_count()}", flush=True)
            procmem.print_table("warmed up, before any search", process.pid, workers)
            run_clients(port, suggest_request, 3, clients)  # warm-up: every worker loads its models
            run_clients(port, search_request, 2, clients)
            hits, misses = cache_hits(port)
            report("search", measured(process.pid, lambda: run_clients(port, search_request, seconds, clients)),
                   seconds, clients)
            hits, misses = (now - before for now, before in zip(cache_hits(port), (hits, misses), strict=True))
            print(f"         answered from the per-worker search cache: {hits / max(hits + misses, 1):.0%}")
            report("suggest", measured(process.pid, lambda: run_clients(port, suggest_request, seconds, clients)),
                   seconds, clients)
            procmem.print_table(f"after {5 + 2 * seconds:.0f} s of searches and suggestions", process.pid, workers)
            if reloads:
                reloads_under_load(port, root, reloads, clients)
                procmem.print_table(f"after {reloads} reloads", process.pid, procmem.children(process.pid))
                # A worker lets go of the build it replaced RETIRED_SECONDS after the swap, at its next
                # request: eight clients (so that every worker gets some) keep asking that long.
                settle = RETIRED_SECONDS + 5
                run_clients(port, search_request, settle, 8)
                procmem.print_table(f"{settle:.0f} s after the last reload (8 clients searching)", process.pid,
                                    procmem.children(process.pid))
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", default="responses", help="knowledge base to serve (copied first)")
    parser.add_argument("--sizes", type=int, nargs="+", metavar="N",
                        help="instead of --responses: generated knowledge bases of N snippets, one after another")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "vastaus-bench",
                        help="where --sizes keeps the generated knowledge bases and their indexes")
    parser.add_argument("--seed", type=int, default=1, help="of the generated knowledge bases")
    parser.add_argument("--seconds", type=float, default=10, help="length of each load phase (at most 120)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent keep-alive clients (at most 64)")
    parser.add_argument("--workers", type=int, default=2, help="kb serve workers")
    parser.add_argument("--reloads", type=int, default=10, help="hot reloads under load (at most 50; 0: none)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the server on the way out
    if not args.sizes:
        run_server(args, Path(args.responses), None)
        return 0
    args.workdir.mkdir(parents=True, exist_ok=True)
    for size in args.sizes:
        run_server(args, *generated(size, args.workdir, args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
