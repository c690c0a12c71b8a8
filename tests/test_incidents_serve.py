"""Outage mode through a real ``kb serve`` (gunicorn, two workers): an incident declared with
``kb incident start`` in another process shows in both workers' suggestions within seconds,
on SQLite and on PostgreSQL, and ``kb incident end`` switches them to the resolved reply."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import pytest
from conftest import REPO, SAMPLE
from support.api_support import http, live_server
from support.postgres import postgres_server

from kb.search.indexing import index_kb

pytestmark = pytest.mark.live_server

MESSAGE = "Netti ei toimi taas Tampereella, mikä on?"
SEEN_WITHIN = 10.0  # seconds: each worker reads the incidents every 2 s
REQUESTS = 30


@pytest.fixture(scope="module")
def postgres_url():
    with postgres_server() as url:
        yield url


def kb_incident(index, url: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "kb.cli", "incident", *args, "--format", "json",
                           "--responses", str(SAMPLE), "--index", str(index), "--database-url", url],
                          capture_output=True, text=True, cwd=REPO, check=True)
    return json.loads(done.stdout)


def suggest(base: str) -> dict:
    status, _headers, body = http("POST", base + "/api/v1/suggest", {"message": MESSAGE, "limit": 3})
    assert status == 200, body
    return json.loads(body)


def until(base: str, wanted, started: float) -> float:
    """Seconds from *started* until REQUESTS suggestions in a row satisfy *wanted*."""
    in_a_row = 0
    while in_a_row < REQUESTS:
        assert time.monotonic() - started < SEEN_WITHIN, "the workers did not all show the change in time"
        in_a_row = in_a_row + 1 if wanted(suggest(base)) else 0
    return time.monotonic() - started


def served_by(log: str) -> set[str]:
    return set(re.findall(r"\[(\d+)\] \[INFO\] kb\.access: POST /api/v1/suggest 200", log))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_an_incident_from_the_command_line_shows_in_every_worker(request, tmp_path, backend):
    url = "" if backend == "sqlite" else request.getfixturevalue("postgres_url")
    index = tmp_path / "index"
    index_kb(SAMPLE, index)
    with live_server(tmp_path, SAMPLE, index, "--workers", "2", "--watch-seconds", "0", "--rate-limit", "0",
                     env={"KB_DATABASE_URL": url}) as base:
        for _ in range(6):  # keep-alive is off: the requests spread over both workers
            assert "incident" not in suggest(base)
        declared = time.monotonic()
        incident = kb_incident(index, url, "start", "--area", "Tampere", "--next-update", "14:30")
        command = time.monotonic() - declared

        def pinned(answer: dict) -> bool:
            return (answer.get("incident", {}).get("id") == incident["id"]
                    and answer["results"][0]["id"] == "outage/acknowledge" and answer["results"][0]["pinned"])

        seen = until(base, pinned, declared)
        ended = time.monotonic()
        kb_incident(index, url, "end", str(incident["id"]))
        resolved = until(base, lambda answer: answer.get("incident", {}).get("state") == "winding_down"
                         and answer["results"][0]["id"] == "outage/resolved", ended)
    log = "".join(path.read_text() for path in tmp_path.glob("serve-*.log"))
    assert len(served_by(log)) == 2, log[-3000:]
    print(f"{backend}: kb incident start took {command:.2f} s; from its start to {REQUESTS} pinned in a row "
          f"{seen:.2f} s; from kb incident end's start to {REQUESTS} resolved in a row {resolved:.2f} s")
