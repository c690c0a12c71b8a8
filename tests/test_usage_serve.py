"""Usage insights through a real ``kb serve`` (gunicorn, two workers) on PostgreSQL and on SQLite,
read back with ``kb usage report``; and a database that is down never stops the searching."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest
from conftest import REPO
from support.api_support import http, live_server
from support.postgres import postgres_server

pytest_plugins = ("support.apikit",)
pytestmark = pytest.mark.live_server


@pytest.fixture(scope="module")
def postgres_url():
    with postgres_server() as url:
        yield url


def report(api_kb, index_dir, database_url: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "kb.cli", "usage", "report", "--format", "json", "--since", "1d",
                           "--responses", str(api_kb), "--index", str(index_dir), "--database-url", database_url],
                          capture_output=True, text=True, cwd=REPO, check=True)
    return json.loads(done.stdout)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_searches_and_inserts_through_kb_serve_reach_the_report(request, tmp_path, api_kb, index_dir, backend):
    url = "" if backend == "sqlite" else request.getfixturevalue("postgres_url")
    with live_server(tmp_path, api_kb, index_dir, "--workers", "2", env={"KB_DATABASE_URL": url}) as base:
        ids = []
        for _ in range(6):  # keep-alive is off here: the requests spread over both workers
            status, _headers, body = http("GET", base + "/api/v1/search?q=kuukausimaksu%2055123&lang=fi")
            found = json.loads(body)
            assert status == 200 and found["results"][0]["id"] == "billing/invoice"
            status, _headers, body = http("POST", base + "/api/v1/events", {"events": [
                {"type": "copy", "search_id": found["search_id"], "snippet_id": "billing/invoice", "channel": "chat"}]})
            assert status == 201, body
            ids.append(found["search_id"])
        status, _headers, body = http("POST", base + "/api/v1/events", {"events": [
            {"type": "copy", "search_id": ids[0][:-4] + "0000", "snippet_id": "billing/invoice"}]})
        assert status == 404 and json.loads(body)["error"]["code"] == "unknown_search"
        status, _headers, body = http("GET", base + "/api/v1/insights?since=1d")
        assert status == 200 and json.loads(body)["totals"]["copies"] == 6
    data = report(api_kb, index_dir, url)
    assert data["most_used"] == [{"snippet_id": "billing/invoice", "lang": "fi", "channel": "chat", "uses": 6}]
    assert data["totals"]["searches"] == 6
    if not url:
        assert (index_dir.parent / (index_dir.name + ".usage.sqlite")).is_file()


def test_a_database_that_is_down_does_not_stop_searching(tmp_path, api_kb, index_dir):
    # The port stays bound (never listening) for the whole test: connecting is refused, and
    # kb serve cannot be handed the same port for itself (it was, once: the "database" was then
    # kb serve's own socket, which never answers PostgreSQL's greeting).
    with socket.socket() as reserved:
        reserved.bind(("127.0.0.1", 0))
        down = f"postgresql://kb@127.0.0.1:{reserved.getsockname()[1]}/nothing"
        search_while_the_database_is_down(tmp_path, api_kb, index_dir, down)
    log = "".join(path.read_text() for path in tmp_path.glob("serve-*.log"))
    assert "cannot open the usage database postgresql+psycopg://kb@127.0.0.1" in log


def test_a_database_that_never_answers_does_not_hold_the_start(tmp_path, api_kb, index_dir):
    with socket.socket() as silent:  # accepts connections (the backlog) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        down = f"postgresql://kb@127.0.0.1:{silent.getsockname()[1]}/nothing"
        search_while_the_database_is_down(tmp_path, api_kb, index_dir, down)
    log = "".join(path.read_text() for path in tmp_path.glob("serve-*.log"))
    assert "cannot open the usage database postgresql+psycopg://kb@127.0.0.1" in log


def search_while_the_database_is_down(tmp_path, api_kb, index_dir, down: str) -> None:
    with live_server(tmp_path, api_kb, index_dir, env={"KB_DATABASE_URL": down}) as base:
        status, _headers, body = http("GET", base + "/api/v1/search?q=lasku&lang=fi")
        found = json.loads(body)
        assert status == 200 and found["results"] and found["search_id"]
        status, headers, body = http("POST", base + "/api/v1/events", {"events": [
            {"type": "copy", "search_id": found["search_id"], "snippet_id": found["results"][0]["id"]}]})
        assert status == 503 and json.loads(body)["error"]["code"] == "usage_unavailable"
        assert headers["Retry-After"] == "30"
