"""Faults against a real ``kb serve`` (issue 21): slow clients, gunicorn's own refusals, a busy
port, a held index lock, broken kb.yaml under load. Each counts what it sent and what came back.
"""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
from support.api_support import http, live_server, serve_command, write_kb

pytestmark = [pytest.mark.live_server, pytest.mark.slow]

SLOW_CLIENTS = 200


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("faults")
    responses = write_kb(workdir / "responses")
    with live_server(workdir, responses, workdir / "index", "--workers", "2", "--watch-seconds", "0.5",
                     "--rate-limit", "0") as base:
        yield base, responses, workdir / "index"


def _port(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


def _open_slow(port: int, count: int) -> list[socket.socket]:
    """*count* connections that each send part of a request's headers and then nothing;
    every third one sends nothing at all, every third announces a body it never sends."""
    sockets = []
    for number in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        kind = number % 3
        if kind == 0:
            sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        elif kind == 1:
            sock.sendall(b"POST /api/v1/suggest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 1000\r\n\r\n{\"message\": \"")
        sockets.append(sock)
    return sockets


def test_two_hundred_slow_clients_do_not_lock_anyone_out(server):
    base, _, _ = server
    slow = _open_slow(_port(base), SLOW_CLIENTS)
    try:
        time.sleep(0.5)  # let every worker take its share of them
        timings, statuses = [], []
        for _ in range(20):
            started = time.perf_counter()
            status, _, body = http("GET", base + "/api/v1/health", timeout=5)
            timings.append(time.perf_counter() - started)
            statuses.append(status)
            status, _, body = http("GET", base + "/api/v1/search?q=lasku", timeout=5)
            statuses.append(status)
        print(f"\n{SLOW_CLIENTS} slow connections open: /health answered 20/20, slowest "
              f"{max(timings) * 1000:.0f} ms, median {sorted(timings)[10] * 1000:.0f} ms")
        assert statuses == [200] * 40
        assert max(timings) < 1.0
    finally:
        for sock in slow:
            sock.close()


def test_a_client_that_stops_sending_is_dropped(server):
    base, _, _ = server
    sock = socket.create_connection(("127.0.0.1", _port(base)), timeout=30)
    try:
        sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")  # never the blank line
        started = time.monotonic()
        assert sock.recv(100) == b""  # closed by the server, not by us
        assert time.monotonic() - started < 25
    finally:
        sock.close()


def _raw(base: str, data: bytes) -> tuple[int, dict, bytes]:
    with socket.create_connection(("127.0.0.1", _port(base)), timeout=10) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


@pytest.mark.parametrize("request_bytes,status", [
    (b"GET /api/v1/search?q=" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    (b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: v\r\n" % n for n in range(200)) + b"\r\n", 431),
    (b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nBad Header: v\r\n\r\n", 400),
    (b"GARBAGE\r\n\r\n", 400),
])
def test_gunicorns_own_refusals_are_in_the_api_error_shape(server, request_bytes, status):
    base, _, _ = server
    got, headers, body = _raw(base, request_bytes)
    assert got == status
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body)["error"]["code"]


def test_a_redirect_is_in_the_api_error_shape(server):
    base, _, _ = server
    got, headers, body = _raw(base, b"GET /plugin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert got == 308 and headers["Location"].endswith("/plugin/")
    assert headers["Content-Type"] == "application/json" and json.loads(body)["error"]["code"] == "redirect"


def test_a_busy_port_is_named_with_how_to_choose_another(tmp_path):
    import subprocess

    responses = write_kb(tmp_path / "responses")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(serve_command("--responses", str(responses), "--index", str(tmp_path / "index"),
                                            "--port", str(port)), capture_output=True, text=True, timeout=60,
                              cwd=tmp_path)
    assert done.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use" in done.stderr and "--port" in done.stderr
    assert "serving" not in done.stderr and done.stderr.count("\n") <= 3, done.stderr


def test_broken_kb_yaml_under_load_loses_no_request_and_gives_no_5xx(server):
    base, responses, _ = server
    path = responses / "kb.yaml"
    good = path.read_text(encoding="utf-8")
    counts: dict[int, int] = {}
    stop = threading.Event()

    def load() -> None:
        while not stop.is_set():
            for url in ("/api/v1/search?q=lasku", "/api/v1/health", "/api/v1/version"):
                try:
                    status = http("GET", base + url, timeout=10)[0]
                except OSError:
                    status = 0  # lost
                counts[status] = counts.get(status, 0) + 1

    threads = [threading.Thread(target=load) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1)
        path.write_text("languages: [fi, et\n", encoding="utf-8")
        time.sleep(3)
        status, _, body = http("GET", base + "/api/v1/health")
        assert status == 200 and json.loads(body)["status"] == "degraded"
        path.write_text(good, encoding="utf-8")
        deadline = time.monotonic() + 20
        while json.loads(http("GET", base + "/api/v1/health")[2])["status"] != "ok":
            assert time.monotonic() < deadline, http("GET", base + "/api/v1/health")[2]
            time.sleep(0.2)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    total = sum(counts.values())
    print(f"\nbroken kb.yaml under load: {total} requests, statuses {counts}")
    assert set(counts) == {200}, counts


class Load:
    """Bounded load from a few threads until stopped: every request's status counted, 0 = lost."""

    URLS = ("/api/v1/search?q=lasku", "/api/v1/health", "/api/v1/search?q=paketti&lang=en")

    def __init__(self, base: str, threads: int = 4):
        self.base, self.counts, self.stop = base, {}, threading.Event()
        self._lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run) for _ in range(threads)]

    def _run(self) -> None:
        while not self.stop.is_set():
            for url in self.URLS:
                try:
                    status = http("GET", self.base + url, timeout=10)[0]
                except OSError:
                    status = 0
                with self._lock:
                    self.counts[status] = self.counts.get(status, 0) + 1

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()


def test_a_held_index_lock_under_load_answers_409_and_the_edit_is_served_after(server):
    from conftest import write_reply

    from kb.search.guard import index_lock

    base, responses, index = server
    with Load(base) as load:
        with index_lock(index):
            write_reply(responses, "billing/invoice", "Laskun selitys", "Nyt laskussa puhutaan seepraraidoista.")
            status, headers, body = http("POST", base + "/api/v1/reload", timeout=30)
            assert status == 409 and json.loads(body)["error"]["code"] == "reindex_busy" and headers["Retry-After"]
            time.sleep(1.5)  # the watcher polls and finds the index busy too
        deadline = time.monotonic() + 30
        while not json.loads(http("GET", base + "/api/v1/search?q=seepraraidoista")[2])["results"]:
            assert time.monotonic() < deadline, "the edit made while the index was busy was never served"
            time.sleep(0.2)
    total = sum(load.counts.values())
    print(f"\nheld index lock under load: {total} requests, statuses {load.counts}, reload 409")
    assert set(load.counts) == {200}, load.counts


def test_slow_clients_under_load_lose_no_request(server):
    base, _, _ = server
    slow = _open_slow(_port(base), SLOW_CLIENTS)
    try:
        with Load(base) as load:
            time.sleep(5)
    finally:
        for sock in slow:
            sock.close()
    total = sum(load.counts.values())
    print(f"\n{SLOW_CLIENTS} slow clients and bounded load for 5 s: {total} requests, statuses {load.counts}")
    assert set(load.counts) == {200} and total > 50, load.counts
