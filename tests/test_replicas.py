"""Two replicas behind a real haproxy, sharing one PostgreSQL and one Redis (issue 18).

Each replica is a real ``kb serve`` with two gunicorn workers over the same index, built once;
haproxy runs with the operators' own configuration (docs/operators/deploy/haproxy.cfg). The
tests show what the deployment recipe promises:

* a replica stopped (SIGTERM, gunicorn's graceful stop) and started again while clients keep
  searching through haproxy loses no request: the requests in flight finish, the ones that
  find it gone are sent to the other replica (``retry-on`` + ``option redispatch``), and it
  gets traffic again only once its health check passes twice;
* one ``kb usage report`` counts every search of both replicas;
* a token allowed N requests gets N across both replicas (Redis), not N per replica;
* an incident declared through one replica is listed by the other within seconds, and ended
  through the other, by the first (PostgreSQL).
"""

from __future__ import annotations

import http.client as httpclient
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import REPO, require_marker
from support.api_support import ADMIN_SECRET, AGENT_SECRET, bearer, http, serve_command, write_tokens_file
from support.haproxy import haproxy
from support.ports import free_port
from support.postgres import postgres_server
from support.redis import redis_server

from kb.api.tokens import REVOCATION_SECONDS

pytest_plugins = ("support.apikit",)
pytestmark = [pytest.mark.live_server, pytest.mark.slow]

SEARCH = "/api/v1/search?q=kuukausimaksu%2055123&lang=fi"
SUGGEST = json.dumps({"message": "Hei, laskussani on outo kuukausimaksu, mistä se tulee?"}).encode()
CLIENTS = 4
START_SECONDS = 60
# haproxy's log line (option httplog): "... replicas/replica1 0/0/0/3/3 200 ... 0/0/0/0/1 0/0 ..."
LOG_LINE = re.compile(r" replicas/(?P<server>\S+) \S+ (?P<status>\d{3}) .* \d+/\d+/\d+/\d+/(?P<retries>\+?\d+) ")


class Replica:
    """One ``kb serve`` on a fixed port, which can be stopped and started again on it."""

    def __init__(self, workdir: Path, args: list[str], env: dict):
        self.port = free_port()
        self.workdir, self.args, self.env = workdir, args, env
        self.process: subprocess.Popen | None = None
        self.log_path = workdir / f"replica-{self.port}.log"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        require_marker("live_server", "a real `kb serve` process")
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(serve_command(*self.args, "--port", str(self.port)), cwd=self.workdir,
                                            stdout=log, stderr=subprocess.STDOUT, env=self.env)

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            assert self.process is not None and self.process.poll() is None, self.log_path.read_text()
            try:
                if http("GET", f"http://{self.address}/api/v1/health", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        pytest.fail(f"replica {self.address} did not answer:\n{self.log_path.read_text()}")

    def stop(self) -> float:
        """SIGTERM (graceful) and wait for the exit; the seconds it took."""
        assert self.process is not None
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail(f"replica {self.address} did not stop in 30 s:\n{self.log_path.read_text()}")
        assert code == 0, self.log_path.read_text()
        return time.monotonic() - started


class Load:
    """A few clients searching (and suggesting) through haproxy on keep-alive connections until told to stop."""

    def __init__(self, base: str, clients: int = CLIENTS):
        self.host, self.port = base.removeprefix("http://").split(":")
        self.statuses: Counter = Counter()
        self.errors: list[str] = []
        self.search_ids: list[str] = []
        self.suggests = 0
        self.latencies: list[float] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._client, daemon=True) for _ in range(clients)]

    def _client(self) -> None:
        connection = httpclient.HTTPConnection(self.host, int(self.port), timeout=15)
        sent = 0
        while not self._stop.is_set():
            started = time.perf_counter()
            sent += 1
            try:
                if sent % 4:  # three typed searches to one pasted message, as agents do
                    connection.request("GET", SEARCH, headers=bearer(AGENT_SECRET))
                else:
                    connection.request("POST", "/api/v1/suggest", body=SUGGEST,
                                       headers={**bearer(AGENT_SECRET), "Content-Type": "application/json"})
                response = connection.getresponse()
                body = response.read()
            except (OSError, httpclient.HTTPException) as error:  # a failed request: counted, never retried here
                with self._lock:
                    self.errors.append(repr(error))
                connection.close()
                connection = httpclient.HTTPConnection(self.host, int(self.port), timeout=15)
                continue
            with self._lock:
                self.latencies.append(time.perf_counter() - started)
                self.statuses[response.status] += 1
                if response.status == 200:
                    self.search_ids.append(json.loads(body)["search_id"])
                    self.suggests += sent % 4 == 0
        connection.close()

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)


@pytest.fixture(scope="module")
def postgres_url():
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="module")
def redis_url():
    with redis_server() as url:
        yield url


def replicas(tmp_path: Path, api_kb: Path, index_dir: Path, postgres_url: str, redis_url: str,
             *extra: str) -> list[Replica]:
    tokens = write_tokens_file(tmp_path / "tokens.yaml")
    args = ["--responses", str(api_kb), "--index", str(index_dir), "--workers", "2", "--watch-seconds", "0",
            "--tokens-file", str(tokens), "--database-url", postgres_url, "--rate-limit-storage", redis_url, *extra]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    pair = [Replica(tmp_path, args, env) for _ in range(2)]
    for replica in pair:
        replica.start()
    for replica in pair:
        replica.wait_healthy()
    return pair


def stop_all(pair: list[Replica]) -> None:
    for replica in pair:
        if replica.process is not None and replica.process.poll() is None:
            replica.stop()


def usage_report(api_kb: Path, index_dir: Path, database_url: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "kb.cli", "usage", "report", "--format", "json", "--since", "1d",
                           "--responses", str(api_kb), "--index", str(index_dir), "--database-url", database_url],
                          capture_output=True, text=True, cwd=REPO, check=True)
    return json.loads(done.stdout)


def served_by(lines: list[str]) -> tuple[Counter, int]:
    """Requests per replica in haproxy's log, and how many were retried (sent again)."""
    servers: Counter = Counter()
    retried = 0
    for line in lines:
        match = LOG_LINE.search(line)
        if match:
            servers[match["server"]] += 1
            retried += match["retries"].lstrip("+") != "0"
    return servers, retried


def test_a_replica_restarted_under_load_loses_no_request(tmp_path, api_kb, index_dir, postgres_url, redis_url):
    # Limits on, counted in Redis, high enough for the load: the shared limiter is in every request.
    pair = replicas(tmp_path, api_kb, index_dir, postgres_url, redis_url, "--rate-limit", "2000", "--rate-burst", "2000")
    try:
        with haproxy([replica.address for replica in pair]) as lb:
            lb.wait_for({"replica1": "UP", "replica2": "UP"})
            with Load(lb.url) as load:
                time.sleep(1.5)
                stopped_in = pair[1].stop()
                down_after = lb.wait_for({"replica2": "DOWN"})
                served_while_down = sum(load.statuses.values())
                restarted_at = pair[1].log_path.stat().st_size
                pair[1].start()
                up_after = lb.wait_for({"replica2": "UP"})
                before = sum(load.statuses.values())
                deadline = time.monotonic() + 10
                while sum(load.statuses.values()) - before < 50 and time.monotonic() < deadline:
                    time.sleep(0.1)  # the restarted replica takes its share again
                time.sleep(1.0)
            servers, retried = served_by(lb.log_lines())
    finally:
        stop_all(pair)
    total = sum(load.statuses.values())
    latencies = sorted(load.latencies)
    with pair[1].log_path.open("rb") as log:
        log.seek(restarted_at)
        answered_after_restart = len(re.findall(rb"(?:GET /api/v1/search|POST /api/v1/suggest) 200 ", log.read()))
    print(f"\n{total} searches through haproxy, {dict(load.statuses)}, {len(load.errors)} failed; per replica "
          f"{dict(servers)} ({answered_after_restart} by replica2 after its restart), {retried} retried by haproxy; "
          f"replica2 stopped in {stopped_in:.2f} s, "
          f"marked DOWN {down_after:.2f} s after, back UP {up_after:.2f} s after its start; "
          f"p50 {latencies[len(latencies) // 2] * 1000:.1f} ms, max {latencies[-1] * 1000:.0f} ms")
    assert load.errors == [] and set(load.statuses) == {200}, (load.errors[:5], load.statuses)
    assert served_while_down > 0 and total > served_while_down
    assert servers["replica1"] > 0 and servers["replica2"] > 0
    assert sum(servers.values()) == total  # every answer the clients got is in haproxy's log
    assert answered_after_restart > 0  # the restarted replica took its share again
    report = usage_report(api_kb, index_dir, postgres_url)
    totals = report["totals"]
    assert totals["searches"] + totals["suggests"] == total == len(set(load.search_ids))  # both replicas', all
    assert totals["suggests"] == load.suggests


def test_a_token_gets_its_rate_across_both_replicas(tmp_path, api_kb, index_dir, postgres_url, redis_url):
    allowed = 12  # a minute
    pair = replicas(tmp_path, api_kb, index_dir, postgres_url, redis_url,
                    "--rate-limit", str(allowed / 60), "--rate-burst", str(allowed))
    try:
        statuses = []
        for number in range(3 * allowed):  # alternately to each replica, each with two workers
            replica = pair[number % 2]
            statuses.append(http("GET", f"http://{replica.address}{SEARCH}", headers=bearer(AGENT_SECRET))[0])
        status, headers, body = http("GET", f"http://{pair[0].address}{SEARCH}", headers=bearer(AGENT_SECRET))
        health = checked_health(pair[1])
        revoked_after = revoke_everywhere(pair, index_dir, postgres_url)
    finally:
        stop_all(pair)
    assert statuses.count(200) == allowed and statuses.count(429) == 2 * allowed, statuses
    assert status == 429 and json.loads(body)["error"]["code"] == "rate_limited"
    assert 1 <= int(headers["Retry-After"]) <= 60
    assert health["rate_limits"]["storage"] == redis_url and health["rate_limits"]["reachable"] is True
    print(f"\nrevoked with kb tokens revoke: refused by every worker of both replicas within {revoked_after:.1f} s")
    assert revoked_after <= REVOCATION_SECONDS + 3


def checked_health(replica: Replica, limit: float = 15.0) -> dict:
    """/health once the answering worker has checked Redis: each worker starts its checks at its
    first /health and says ``reachable: null`` until the first is done (kb/api/dependencies.py),
    and the worker that answers may be one that was never asked before."""
    started = time.monotonic()
    while True:
        health = json.loads(http("GET", f"http://{replica.address}/api/v1/health")[2])
        if health["rate_limits"].get("reachable") is not None or time.monotonic() - started > limit:
            return health
        time.sleep(0.2)


def revoke_everywhere(pair: list[Replica], index_dir: Path, database_url: str) -> float:
    """``kb tokens revoke agent``, then the seconds until both replicas refuse it (three 401s in a
    row from each, on new connections: both workers of each have seen it). Each request comes
    from its own loopback address (127.0.0.2, .3 ...), so that the failed-authentication
    allowance of one address (the auth_failures setting) never answers for the token."""
    subprocess.run([sys.executable, "-m", "kb.cli", "tokens", "revoke", "agent", "--note", "leaked in a test",
                    "--index", str(index_dir), "--database-url", database_url],
                   capture_output=True, text=True, cwd=REPO, check=True)
    started = time.monotonic()
    refusals = {replica.address: 0 for replica in pair}
    sent = 0
    while min(refusals.values()) < 3 and time.monotonic() - started < 30:
        for replica in pair:
            if refusals[replica.address] < 3:
                sent += 1
                connection = httpclient.HTTPConnection("127.0.0.1", replica.port, timeout=10,
                                                       source_address=(f"127.0.{sent // 250}.{2 + sent % 250}", 0))
                try:
                    connection.request("GET", SEARCH, headers=bearer(AGENT_SECRET))
                    response = connection.getresponse()
                    status, body = response.status, response.read()
                finally:
                    connection.close()
                revoked = status == 401 and "revoked" in json.loads(body)["error"]["message"]
                refusals[replica.address] = refusals[replica.address] + 1 if revoked else 0
        time.sleep(0.1)
    assert min(refusals.values()) == 3, refusals
    return time.monotonic() - started


def listed_incidents(replica: Replica) -> list[dict]:
    # The admin token: the test above revokes the agent's in the database this module shares.
    status, _headers, body = http("GET", f"http://{replica.address}/api/v1/incidents", headers=bearer(ADMIN_SECRET))
    assert status == 200, body
    return json.loads(body)["incidents"]


def seconds_until(predicate, limit: float = 15.0) -> float:
    started = time.monotonic()
    while not predicate():
        assert time.monotonic() - started < limit, "not seen in time"
        time.sleep(0.1)
    return time.monotonic() - started


def test_an_incident_declared_through_one_replica_is_seen_by_the_other(tmp_path, api_kb, index_dir, postgres_url,
                                                                    redis_url):
    pair = replicas(tmp_path, api_kb, index_dir, postgres_url, redis_url)
    try:
        status, _headers, body = http("POST", f"http://{pair[0].address}/api/v1/incidents",
                                      {"area": "Tampere", "next_update": "14:30", "replies": ["billing/invoice"]},
                                      headers=bearer(ADMIN_SECRET))
        assert status == 201, body
        declared = json.loads(body)
        # Two looks each (new connections): both workers of the other replica have it.
        seen_after = seconds_until(lambda: all(
            any(item["id"] == declared["id"] and item["area"] == "Tampere" for item in listed_incidents(pair[1]))
            for _ in range(2)))
        status, _headers, body = http("POST", f"http://{pair[1].address}/api/v1/incidents/{declared['id']}/end",
                                      headers=bearer(ADMIN_SECRET))
        assert status == 200, body
        ended_after = seconds_until(lambda: all(
            [item["state"] for item in listed_incidents(pair[0]) if item["id"] == declared["id"]] == ["winding_down"]
            for _ in range(2)))
    finally:
        stop_all(pair)
    print(f"\nincident declared on replica1 listed by replica2 after {seen_after:.1f} s; "
          f"ended on replica2, winding down on replica1 after {ended_after:.1f} s")
