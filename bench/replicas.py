"""Replicas benchmark: search throughput of one ``kb serve`` directly and of two behind haproxy,
and what the rate limiter costs a request with ``memory://`` and with Redis. Loopback only,
bounded in time and requests; it starts and stops its own servers (Debian's ``redis-server``
and ``haproxy``, through the test suite's helpers, with the operators' haproxy.cfg).

    python -m bench.replicas --seconds 10
    python -m bench.generate_kb --snippets 10000 --out /tmp/kb10k && python -m bench.replicas --responses /tmp/kb10k

The index is built once and served by every replica (each ``--workers 2``, watcher off).
Every client has its own API token, as every helpdesk integration should, so the limiter counts
one key per client as in production, at ``--rate-limit 1000`` (never reached: the numbers are
the limiter's cost, not its refusals). Phases of ``--seconds`` each, 16 keep-alive clients on
search (1–3 word queries):

1. one replica, limits off;            2. one replica, ``memory://``;
3. one replica, ``redis://``;           4. two replicas behind haproxy, ``redis://``.

Then the limiter alone, in this process: microseconds per ``hit`` with each storage. On one
machine the replicas share its cores, so phase 4 shows what haproxy and a second replica cost,
not what a second machine adds: requests per second *per core* is the number to carry over.
A benchmark, not a test: it reports, it does not judge.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from bench.load import HOST, Stats, call, free_port, percentile, run_clients, search_request

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the suite's server helpers
from support.haproxy import haproxy  # noqa: E402
from support.redis import redis_server  # noqa: E402

RATE = 1000  # per token and second: far above what one client sends here


def token(number: int) -> str:
    return f"bench-client-{number:04d}-0123456789abcdef"


def tokens_file(path: Path, clients: int) -> Path:
    lines = []
    for number in range(clients):
        lines += [f"- name: client{number}", f"  sha256: {hashlib.sha256(token(number).encode()).hexdigest()}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(port: int, seconds: float, clients: int) -> Stats:
    """Searches from *clients* keep-alive clients, each with its own token (bench.load's clients)."""
    return run_clients(port, search_request, seconds, clients, secret=token)


def report(name: str, stats: Stats, seconds: float) -> float:
    count = len(stats.latencies)
    rate = count / seconds
    print(f"{name:<44} {rate:7.1f} req/s ({rate / (os.cpu_count() or 1):6.1f} per core), "
          f"p50 {percentile(stats.latencies, 0.5) * 1000:5.1f} ms, p99 {percentile(stats.latencies, 0.99) * 1000:6.1f} ms, "
          f"errors {len(stats.errors)}", flush=True)
    for error in stats.errors[:3]:
        print(f"    {error}")
    return rate


class Replica:
    def __init__(self, root: Path, index: Path, tokens: Path, storage: str, rate: float, log: Path):
        self.port = free_port()
        command = [sys.executable, "-m", "kb.cli", "serve", "--host", HOST, "--port", str(self.port),
                   "--responses", str(root), "--index", str(index), "--workers", "2", "--watch-seconds", "0",
                   "--tokens-file", str(tokens), "--rate-limit", str(rate), "--rate-burst", str(int(rate) or 1),
                   "--rate-limit-storage", storage, "--no-usage-recording"]
        with log.open("wb") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"kb serve exited with {self.process.returncode}; see {log}")
            try:
                if call(self.port, "GET", "/api/v1/health", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit("kb serve did not start in time")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def limiter_cost(redis_url: str, calls: int) -> None:
    """Microseconds per limiter hit, in this process, one key per simulated client."""
    from limits import parse
    from limits.storage import storage_from_string
    from limits.strategies import MovingWindowRateLimiter

    from kb.api.ratelimit import KEY_PREFIX, storage_options, window

    item = parse(window(RATE, RATE))
    for uri in ("memory://", redis_url):
        limiter = MovingWindowRateLimiter(storage_from_string(uri, **storage_options(uri)))
        started = time.perf_counter()
        for number in range(calls):
            limiter.hit(item, KEY_PREFIX, f"token:client{number % 16}", "api")
        micros = (time.perf_counter() - started) / calls * 1e6
        print(f"limiter hit, {uri.split(':')[0]:<6} {micros:8.1f} µs per request ({calls} hits, 16 keys)", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.replicas", description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", default="responses", help="knowledge base to serve")
    parser.add_argument("--seconds", type=float, default=10, help="length of each phase (at most 60)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent keep-alive clients (at most 64)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    seconds, clients = min(args.seconds, 60), min(args.clients, 64)
    with tempfile.TemporaryDirectory(prefix="kb-replicas-") as tmp, ExitStack() as stack:
        tmp_path = Path(tmp)
        root = tmp_path / "responses"
        shutil.copytree(args.responses, root, ignore=shutil.ignore_patterns(".git"))
        index = tmp_path / "index"
        subprocess.run([sys.executable, "-m", "kb.cli", "index", "--responses", str(root), "--index", str(index)],
                       check=True, capture_output=True)
        tokens = tokens_file(tmp_path / "tokens.yaml", clients)
        redis_url = stack.enter_context(redis_server())
        print(f"{args.responses}: 2 workers per replica, {clients} clients, {seconds:.0f} s a phase; "
              f"cpus {os.cpu_count()}, load average {os.getloadavg()[0]:.1f} (other work shares the cores)", flush=True)
        phases = [("one replica, limits off", [("memory://", 0)]),
                  ("one replica, memory:// limits", [("memory://", RATE)]),
                  ("one replica, redis:// limits", [(redis_url, RATE)]),
                  ("two replicas behind haproxy, redis:// limits", [(redis_url, RATE), (redis_url, RATE)])]
        for name, specs in phases:
            replicas = [Replica(root, index, tokens, storage, rate, tmp_path / f"serve-{n}.log")
                        for n, (storage, rate) in enumerate(specs)]
            try:
                with ExitStack() as front:
                    port = replicas[0].port
                    if len(replicas) > 1:
                        lb = front.enter_context(haproxy([f"{HOST}:{r.port}" for r in replicas]))
                        lb.wait_for({f"replica{n + 1}": "UP" for n in range(len(replicas))})
                        port = int(lb.url.rsplit(":", 1)[1])
                    run(port, 2, clients)  # warm-up: every worker opens its index
                    report(name, run(port, seconds, clients), seconds)
            finally:
                for replica in replicas:
                    replica.stop()
        limiter_cost(redis_url, 20_000)
        print(f"load average {os.getloadavg()[0]:.1f} at the end", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
