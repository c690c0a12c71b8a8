"""``kb serve`` as a real process: gunicorn workers, metrics across them, the watcher, refusals."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from conftest import REPO, write_reply
from support.api_support import ADMIN_SECRET, AGENT_SECRET, bearer, http, live_server, serve_command, write_kb, write_tokens_file

from kb.api.services import INDEX_CHECK_SECONDS


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """One server for the module: two workers, the watcher polling twice a second, no index yet."""
    workdir = tmp_path_factory.mktemp("serve")
    responses = write_kb(workdir / "responses")
    with live_server(workdir, responses, workdir / "index", "--workers", "2", "--watch-seconds", "0.5",
                     "--rate-limit", "0") as base:
        yield base, responses


def get_json(url: str, **kwargs) -> tuple[int, dict]:
    status, _headers, body = http("GET", url, **kwargs)
    return status, json.loads(body)


@pytest.mark.live_server
def test_search_works_and_the_index_was_built_at_start(served):
    base, _ = served
    status, data = get_json(base + "/api/v1/search?q=paketti&lang=en")
    assert status == 200 and data["results"][0]["id"] == "delivery/tracking"
    assert data["results"][0]["title"] == "Parcel tracking"
    status, data = get_json(base + "/api/v1/version")
    assert data["snippets"]["total"] == 4


@pytest.mark.live_server
def test_metrics_add_up_every_worker(served):
    base, _ = served
    for _ in range(20):
        http("GET", base + "/api/v1/search?q=lasku")
    http("GET", base + "/api/v1/search?q=lasku&limit=0")
    status, headers, body = http("GET", base + "/metrics")
    text = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    ok = [line for line in text.splitlines() if line.startswith('kb_http_requests_total{endpoint="search.search"')
          and 'status="200"' in line]
    assert ok and float(ok[0].rsplit(" ", 1)[1]) >= 20
    assert 'status="422"' in text and "kb_http_request_duration_seconds_bucket" in text


@pytest.mark.live_server
def test_suggest_and_render_over_http(served):
    base, _ = served
    status, _, body = http("POST", base + "/api/v1/suggest", {"message": "My lawyer will call you about the parcel"})
    data = json.loads(body)
    assert status == 200 and data["detected_lang"] == "en" and data["escalations"][0]["matched"] == ["lawyer"]
    status, _, body = http("POST", base + "/api/v1/render", {"id": "delivery/tracking", "lang": "fi", "variables": {}})
    assert status == 200 and "{{order.id}}" in json.loads(body)["text"]


@pytest.mark.live_server
def test_the_watcher_reindexes_a_changed_file(served):
    base, responses = served
    write_reply(responses, "billing/invoice", "Laskun selitys", "Nyt laskussa puhutaan myös kirahveista.")
    deadline = time.monotonic() + 30  # polls every 0.5 s; the niced reindex may wait for a busy CPU
    while time.monotonic() < deadline:
        results = get_json(base + "/api/v1/search?q=kirahveista")[1]["results"]
        if results:
            break
        time.sleep(0.2)
    assert results and results[0]["id"] == "billing/invoice"
    time.sleep(INDEX_CHECK_SECONDS * 2)  # a worker looks at the disk at most this often
    for _ in range(4):  # every worker sees it, not just the one that answered first
        assert get_json(base + "/api/v1/search?q=kirahveista")[1]["results"][0]["id"] == "billing/invoice"


@pytest.mark.live_server
def test_the_watcher_keeps_the_old_index_when_content_breaks(served):
    base, responses = served
    path = responses / "outage" / "known.yaml"
    good = path.read_text()
    path.write_text("id: outage/known\ntexts: [broken\n")
    try:
        time.sleep(1.5)  # three polls
        assert get_json(base + "/api/v1/search?q=h%C3%A4iri%C3%B6")[1]["results"][0]["id"] == "outage/known"
    finally:
        path.write_text(good)


def run_serve(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(serve_command(*args), capture_output=True, text=True, timeout=60, cwd=cwd,
                          env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})})


def test_refuses_a_public_address_without_tokens(tmp_path):
    done = run_serve("--host", "0.0.0.0", "--responses", str(write_kb(tmp_path / "responses")), cwd=tmp_path)
    assert done.returncode == 2
    assert "refusing to listen on 0.0.0.0 without API tokens" in done.stderr and "--insecure-no-auth" in done.stderr


@pytest.mark.parametrize("args,env,message", [
    (["--tokens-file", "missing.yaml"], {}, "cannot read the tokens file"),
    ([], {"KB_TOKENS": "ops:short"}, "shorter than 16"),
    (["--cors-origins", "https://*.com"], {}, "too broad"),
    (["--workers", "0"], {}, "--workers"),
])
def test_refuses_bad_security_settings(tmp_path, args, env, message):
    done = run_serve("--responses", str(tmp_path), *args, env=env, cwd=tmp_path)
    assert done.returncode == 2 and message in done.stderr


def test_refuses_broken_content_without_an_index(tmp_path):
    responses = write_kb(tmp_path / "responses")
    (responses / "billing" / "invoice.yaml").write_text("id: billing/invoice\ntexts: [broken\n")
    done = run_serve("--responses", str(responses), "--index", str(tmp_path / "index"), cwd=tmp_path)
    assert done.returncode == 1 and "KB001" in done.stderr and "no index to serve" in done.stderr


@pytest.mark.live_server
def test_tokens_and_reload_over_http(tmp_path):
    responses = write_kb(tmp_path / "responses")
    tokens = write_tokens_file(tmp_path / "tokens.yaml")
    with live_server(tmp_path, responses, tmp_path / "index", "--workers", "1", "--watch-seconds", "0",
                     "--tokens-file", str(tokens)) as base:
        assert http("GET", base + "/api/v1/search?q=lasku")[0] == 401
        assert http("GET", base + "/api/v1/search?q=lasku", headers=bearer(AGENT_SECRET))[0] == 200
        write_reply(responses, "billing/new", "Uusi vastaus seepralle")
        assert http("POST", base + "/api/v1/reload", headers=bearer(AGENT_SECRET))[0] == 403
        status, _, body = http("POST", base + "/api/v1/reload", headers=bearer(ADMIN_SECRET))
        assert status == 200 and json.loads(body)["changed"] == 1
        found = get_json(base + "/api/v1/search?q=seepralle", headers=bearer(AGENT_SECRET))[1]["results"]
        assert found[0]["id"] == "billing/new"


def test_security_check_allows_public_addresses_with_tokens_or_when_told(monkeypatch):
    from kb.api.server import ServeError, check_security
    from kb.config import SERVE_SETTINGS, values

    base = values(None, SERVE_SETTINGS)
    with pytest.raises(ServeError, match="refusing"):
        check_security({**base, "host": "::"})
    assert not check_security({**base, "host": "0.0.0.0", "insecure_no_auth": True}).required
    assert check_security({**base, "host": "10.1.2.3", "tokens": "plugin:0123456789abcdefgh"}).required
    for host in ("127.0.0.1", "127.8.9.1", "::1", "[::1]", "localhost"):
        assert not check_security({**base, "host": host}).required
    monkeypatch.setenv("KB_INSECURE_NO_AUTH", "yes")
    assert values(None, ("insecure_no_auth",)) == {"insecure_no_auth": True}
    monkeypatch.setenv("KB_INSECURE_NO_AUTH", "maybe")
    with pytest.raises(ValueError, match="yes/no"):
        values(None, ("insecure_no_auth",))


def test_serve_flags_come_from_the_settings(monkeypatch, capsys):
    from kb.cli.main import build_parser

    monkeypatch.setenv("KB_PORT", "9123")
    monkeypatch.setenv("KB_TOKENS", "plugin:0123456789abcdefgh")
    args = build_parser().parse_args(["serve", "--insecure-no-auth", "--workers", "3"])
    assert (args.port, args.workers, args.insecure_no_auth, args.host) == (9123, 3, True, "127.0.0.1")
    assert not hasattr(args, "tokens")  # secrets are never flags
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--help"])
    help_text = capsys.readouterr().out
    assert "--tokens-file" in help_text and "KB_TOKENS" in help_text and "--tokens " not in help_text


def test_a_worker_warms_up_before_it_serves(tmp_path):
    """What a first request would wait for (the trigger matcher, the detector's models) is
    loaded by gunicorn's post_worker_init hook, and the master preloads the detector."""
    import logging
    from types import SimpleNamespace

    from kb.api.server import gunicorn_options
    from kb.api.services import Services
    from kb.language import detect
    from kb.search.indexing import index_kb

    responses = write_kb(tmp_path / "responses")
    index_kb(responses, tmp_path / "index")
    services = Services(responses, tmp_path / "index")
    assert services._matcher is None
    options = gunicorn_options({"responses": str(responses), "index": str(tmp_path / "index"), "watch_seconds": 0,
                                "host": "127.0.0.1", "port": 8000, "workers": 1}, [])
    worker = SimpleNamespace(wsgi=SimpleNamespace(extensions={"vastaus": services}), log=logging.getLogger("test"))
    options["post_worker_init"](worker)
    assert services._matcher is not None
    detect._detectors.clear()  # as in a fresh master process
    detect.preload(services.settings.languages)
    assert detect._detectors[tuple(services.settings.languages)] is not None
