"""Faults and hostile input through the Flask test client (issue 21): the service keeps
serving, refuses clearly and loses nothing. The live-server half is in test_faults_live.py."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, SAMPLE, write_reply
from support.api_support import ADMIN_SECRET, AGENT_SECRET, bearer, write_tokens_file
from support.faults import KILLED_BUILD

from kb.content.kbyaml import SETTINGS_FILE

pytest_plugins = ("support.apikit",)

BROKEN_SETTINGS = "languages: [fi, et\n"


def _touch_later(path, seconds: float = 2.0) -> None:
    """A modification time clearly after the previous one, whatever the file system's resolution."""
    stamp = time.time() + seconds
    os.utime(path, (stamp, stamp))


def break_settings(root) -> str:
    path = root / SETTINGS_FILE
    good = path.read_text(encoding="utf-8")
    path.write_text(BROKEN_SETTINGS, encoding="utf-8")
    _touch_later(path)
    return good


def test_a_broken_kb_yaml_keeps_the_last_good_settings_serving(client, api_kb, caplog):
    assert client.get("/api/v1/health").get_json()["status"] == "ok"
    good = break_settings(api_kb)
    with caplog.at_level(logging.WARNING):
        for _ in range(20):
            assert client.get("/api/v1/search?q=lasku&lang=en").status_code == 200
        health = client.get("/api/v1/health")
        version = client.get("/api/v1/version")
    assert health.status_code == 200
    data = health.get_json()
    assert data["status"] == "degraded" and data["snippets"] == 4
    assert data["problems"][0]["code"] == "KB040" and data["problems"][0]["path"] == "kb.yaml"
    assert data["problems"][0]["line"] == 2
    assert version.status_code == 200 and version.get_json()["problems"][0]["code"] == "KB040"
    assert version.get_json()["languages"] == ["fi", "et", "en"]  # the last good ones
    # Said once, not a traceback per request.
    said = [record for record in caplog.records if "kb.yaml" in record.getMessage()]
    assert len(said) == 1 and said[0].exc_info is None
    (api_kb / SETTINGS_FILE).write_text(good, encoding="utf-8")
    _touch_later(api_kb / SETTINGS_FILE, -1.0)  # another time than the broken file's, and not in the future
    assert client.get("/api/v1/health").get_json()["problems"] == []  # read again at once
    assert client.post("/api/v1/reload").status_code == 200  # as the watcher would, once it is fixed
    data = client.get("/api/v1/health").get_json()
    assert data["status"] == "ok" and data["problems"] == [] and data["stale"] is False


def test_reload_with_a_broken_kb_yaml_answers_422_with_the_problem(client, api_kb):
    break_settings(api_kb)
    response = client.post("/api/v1/reload")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "kb_invalid"
    assert error["problems"][0]["code"] == "KB040" and error["problems"][0]["path"] == "kb.yaml"
    assert client.get("/api/v1/search?q=lasku").status_code == 200


def test_a_worker_starting_while_kb_yaml_is_broken_serves_the_last_good_settings(make_app, api_kb):
    make_app().test_client().get("/api/v1/health")  # a worker that saw the good settings
    break_settings(api_kb)
    fresh = make_app().test_client()  # e.g. a worker restarted by gunicorn
    assert fresh.get("/api/v1/search?q=lasku&lang=et").status_code == 200
    assert fresh.get("/api/v1/health").get_json()["problems"][0]["code"] == "KB040"


def test_metrics_need_a_token_when_tokens_are_configured(secured):
    assert secured.get("/metrics").status_code == 401
    assert secured.get("/metrics", headers=bearer("not-a-token-0123456789")).status_code == 401
    response = secured.get("/metrics", headers=bearer(AGENT_SECRET))
    assert response.status_code == 200 and b"kb_http_requests" in response.data


def test_metrics_stay_open_without_tokens(client):
    assert client.get("/metrics").status_code == 200


def test_failed_authentication_is_rate_limited_per_address(secured):
    statuses = [secured.get("/api/v1/search?q=lasku", headers=bearer(f"guess-{n:04d}-0123456789abcdef")).status_code
                for n in range(40)]
    assert statuses[0] == 401 and 429 in statuses
    limited = secured.get("/api/v1/search?q=lasku", headers=bearer("guess-last-0123456789abcdef"))
    assert limited.status_code == 429 and limited.headers["Retry-After"]
    assert limited.get_json()["error"]["code"] == "rate_limited"
    # A valid token is still served: only failures spend the address's allowance.
    assert secured.get("/api/v1/search?q=lasku", headers=bearer(AGENT_SECRET)).status_code == 200


def test_the_allowance_of_failed_authentication_is_the_auth_failures_setting(make_app, tmp_path):
    app = make_app(TOKENS_FILE=str(write_tokens_file(tmp_path / "tokens.yaml")), LOOPBACK=False, AUTH_FAILURES=3)
    client = app.test_client()
    statuses = [client.get("/api/v1/search?q=lasku", headers=bearer(f"guess-{n:04d}-0123456789abcdef")).status_code
                for n in range(5)]
    assert statuses == [401, 401, 401, 429, 429]


@pytest.mark.parametrize("body", [
    {"message": "paketti \ud800 missä"},
    {"message": "paketti", "lang": "f\udfffi"},
    {"message": "paketti", "channel": "\ud800"},
    {"message": "paketti", "\ud800": 1},
])
def test_lone_surrogates_in_suggest_are_refused_with_400(client, body):

    raw = json.dumps(body)  # json.dumps writes the lone surrogate as \ud800, as a hostile client may
    response = client.post("/api/v1/suggest", data=raw, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request" and "surrogate" in response.get_json()["error"]["message"]


def test_lone_surrogates_in_render_values_are_refused_with_400(client):

    raw = json.dumps({"id": "delivery/tracking", "lang": "fi", "variables": {"order.id": "A\udc00"}})
    response = client.post("/api/v1/render", data=raw, content_type="application/json")
    assert response.status_code == 400


def test_lone_surrogates_in_the_path_and_query_are_refused_or_replaced(client):
    for url in ("/api/v1/search?q=%ED%A0%80", "/api/v1/snippets/%ED%A0%80", "/api/v1/i18n/%ED%A0%80",
                "/api/v1/search?q=lasku&lang=%ED%A0%80"):
        assert client.get(url).status_code < 500, url


def test_deeply_nested_json_is_refused_with_400(client):
    raw = "[" * 30_000 + "]" * 30_000  # under the body limit, over Python's stack
    response = client.post("/api/v1/suggest", data=raw, content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_request"


def test_a_redirect_of_the_api_is_json(client):
    response = client.get("/api/v1/search/?q=lasku")
    assert response.status_code in (308, 404)
    assert response.is_json and response.get_json()["error"]["code"]


def test_reload_needs_admin_and_metrics_accept_admin(secured):
    assert secured.get("/metrics", headers=bearer(ADMIN_SECRET)).status_code == 200


# -- CSV formula injection (OWASP: a cell starting with = + - @ tab or CR is run by spreadsheets) --

FORMULAS = ['=HYPERLINK("http://evil.example","Click")', "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
            "-2+3", "\t=1+1", "\r=1+1"]


def _formula_kb(empty_kb):

    for number, formula in enumerate(FORMULAS):
        path = write_reply(empty_kb, f"formula/f{number}", "Otsikko", "Teksti.")
        text = path.read_text(encoding="utf-8").replace("title: Otsikko", "title: " + json_quote(formula), 1)
        path.write_text(text, encoding="utf-8")
    return empty_kb


def json_quote(text: str) -> str:

    return json.dumps(text)  # a YAML double-quoted scalar


@pytest.mark.parametrize("fmt,column", [("sheet", "title"), ("zammad", "name")])
def test_export_neutralises_formula_cells(empty_kb, fmt, column):

    from kb.transfer import export_kb

    text, _report, count = export_kb(fmt, _formula_kb(empty_kb), lang="fi")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    titles = sorted(row[column] for row in rows if row.get("lang", "fi") == "fi")
    assert count == len(FORMULAS) and titles
    for cell in titles:
        assert cell[0] not in "=+-@\t\r", cell
    assert sorted(titles) == sorted("'" + formula for formula in FORMULAS)


def test_a_sheet_exported_and_imported_again_keeps_the_text(empty_kb, tmp_path):

    from kb.transfer import export_kb, import_file

    text, _, _ = export_kb("sheet", _formula_kb(empty_kb), lang="fi")
    sheet = tmp_path / "round.csv"
    sheet.write_text(text, encoding="utf-8")
    again = tmp_path / "again"
    again.mkdir()
    shutil.copy(empty_kb / "kb.yaml", again / "kb.yaml")
    result = import_file("sheet", sheet, again)
    assert result.count("created") == len(FORMULAS)
    from kb.content.loader import load_kb

    titles = sorted(s.texts["fi"].title for s in load_kb(again).snippets.values())
    assert titles == sorted(f.strip() for f in FORMULAS)  # YAML titles are stripped of tab and CR anyway


def test_import_reports_formula_cells(empty_kb, tmp_path):
    from kb.transfer import import_file

    sheet = tmp_path / "evil.csv"
    sheet.write_text('id,lang,title,body\nf/one,fi,"=HYPERLINK(""http://evil.example"")",Hei! Teksti.\n'
                     "f/two,fi,Otsikko,@SUM(A1)\n", encoding="utf-8")
    result = import_file("sheet", sheet, empty_kb, dry_run=True)
    notes = "\n".join(result.report.notes)
    assert "f/one" in notes and "title" in notes and "formula" in notes
    assert "f/two" in notes and "body" in notes


# -- one writer at a time, and nothing lost when the writer is busy ---------------------------

def test_the_watcher_tries_again_after_the_index_was_busy(api_kb, index_dir):

    from kb.content.kbyaml import load_settings
    from kb.search.guard import index_lock
    from kb.search.service import SearchService
    from kb.search.watcher import Watcher

    watcher = Watcher(api_kb, index_dir, 1)
    watcher.wait = 0.2
    assert watcher.check() is None  # the first poll: the index is current
    write_reply(api_kb, "billing/invoice", "Laskun selitys", "Nyt laskussa puhutaan kirahveista.")
    with index_lock(index_dir):  # another writer (kb index, a reload) holds the index
        assert watcher.check() is None
    report = watcher.check()  # the next poll tries again: the edit is not lost
    assert report is not None and report.changed == 1
    service = SearchService(index_dir, load_settings(api_kb))
    try:
        assert service.search("kirahveista")["results"][0]["id"] == "billing/invoice"
    finally:
        service.close()
    assert watcher.check() is None  # and only once


def test_kb_index_waits_for_the_servers_lock_and_says_so(api_kb, index_dir):


    from kb.search.guard import index_lock

    with index_lock(index_dir):
        done = subprocess.run([sys.executable, "-m", "kb.cli", "index", "--responses", str(api_kb), "--index",
                               str(index_dir), "--full", "--wait", "0.5"], capture_output=True, text=True, timeout=60,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 2, done.stderr
    assert "another process is writing" in done.stderr and "nothing was changed" in done.stderr
    assert "Traceback" not in done.stderr and "LockError" not in done.stderr


def test_reload_while_another_process_writes_answers_409(make_app, index_dir):
    from kb.search.guard import index_lock

    client = make_app(RELOAD_WAIT=0.2).test_client()
    with index_lock(index_dir):
        response = client.post("/api/v1/reload")
    assert response.status_code == 409 and response.headers["Retry-After"]
    assert response.get_json()["error"]["code"] == "reindex_busy"
    assert client.post("/api/v1/reload").status_code == 200


# -- kill -9 during a parallel full build ---------------------------------------------------------

def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie left for init to reap is dead


def test_kill_9_of_a_parallel_build_takes_its_workers_and_loses_no_good_build(api_kb, index_dir, tmp_path):


    from kb.engine.documents import BUILDS
    from kb.search.indexing import index_kb

    good = {path.name for path in (index_dir / BUILDS).iterdir()}
    folder = tmp_path / "workers"
    folder.mkdir()

    script = KILLED_BUILD.format(paths=[str(REPO), str(REPO / "tests")], folder=str(folder), index=str(index_dir))
    parent = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 60
        while len(list(folder.iterdir())) < 2:
            assert parent.poll() is None and time.monotonic() < deadline, "the build's workers did not start"
            time.sleep(0.05)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    workers = [int(path.read_text()) for path in folder.iterdir()]
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    alive = [pid for pid in workers if _alive(pid)]
    for pid in alive:  # do not leave them behind even when the test fails
        os.kill(pid, signal.SIGKILL)
    assert not alive, "the build's workers outlived it"
    partial = {path.name for path in (index_dir / BUILDS).iterdir()} - good
    assert len(partial) == 1  # the killed build's folder
    index_kb(api_kb, index_dir, full=True)
    left = {path.name for path in (index_dir / BUILDS).iterdir()}
    assert good <= left, "the previous good build was deleted"
    assert not partial & left, "the partial build was kept"
    assert len(left) == len(good) + 1


# -- import and export: hostile files, wrong folders, a full disk ----------------------------------

def _kb(*args: str, cwd=None) -> subprocess.CompletedProcess:


    return subprocess.run([sys.executable, "-m", "kb.cli", *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd, env={**os.environ, "PYTHONPATH": str(REPO)})


def test_deeply_nested_json_on_import_is_a_clear_error(empty_kb, tmp_path):
    macros = tmp_path / "macros.json"
    macros.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    done = _kb("import", "zendesk", str(macros), "--responses", str(empty_kb))
    assert done.returncode == 2 and "nested too deeply" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("into", ["../outside", "/etc/vastaus", "billing/../../x", "C:\\kb", "~/kb"])
def test_import_into_outside_the_responses_folder_is_refused(empty_kb, tmp_path, into):
    from kb.transfer import TransferError, import_file

    sheet = tmp_path / "one.csv"
    sheet.write_text("title,body\nNouto,Hei! Paketti odottaa.\n", encoding="utf-8")
    with pytest.raises(TransferError, match="not a category under the responses folder"):
        import_file("sheet", sheet, empty_kb, into=into)
    assert not list(empty_kb.rglob("*.yaml"))[1:]  # only kb.yaml
    assert import_file("sheet", sheet, empty_kb, into="delivery/pickup").count("created") == 1


def test_export_to_a_full_disk_says_so(empty_kb):
    done = _kb("export", "sheet", "--responses", str(empty_kb), "-o", "/dev/full")
    assert done.returncode == 2 and "no space left" in done.stderr and "Traceback" not in done.stderr


def _small_tmpfs_shell(script: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """*script* run by sh with $DISK a 2 MB tmpfs of its own (a private mount namespace:
    nothing to clean up, nothing seen outside), as root or through a user namespace."""


    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("unshare (util-linux) is needed for a small tmpfs")
    disk = tmp_path / "small-disk"
    disk.mkdir()
    body = f'mount -t tmpfs -o size=2m tmpfs "{disk}" && DISK="{disk}" KB="{sys.executable} -m kb.cli" && {script}'
    for prefix in ([unshare, "--mount"], [unshare, "--user", "--map-root-user", "--mount"]):
        done = subprocess.run([*prefix, "sh", "-c", body], capture_output=True, text=True, timeout=180,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
        if "mount" not in done.stderr.split(":", 2)[0] and "Operation not permitted" not in done.stderr[:300]:
            return done
    pytest.skip(f"no permission to mount a tmpfs here: {done.stderr[:200]}")


def test_a_full_disk_during_a_build_keeps_the_index_in_service(api_kb, tmp_path):
    done = _small_tmpfs_shell(
        f'$KB index --responses "{api_kb}" --index "$DISK/index" >/dev/null && '
        '(dd if=/dev/zero of="$DISK/filler" bs=64k 2>/dev/null; true) && '
        f'$KB index --full --responses "{api_kb}" --index "$DISK/index"; echo "exit=$?"; '
        'ls "$DISK/index/builds" | wc -l; '
        f'rm "$DISK/filler"; $KB search paketti --responses "{api_kb}" --index "$DISK/index" --json', tmp_path)
    out, err = done.stdout, done.stderr
    assert "exit=2" in out, out + err
    assert "no space left on the disk" in err and "Traceback" not in err, err
    assert out.split("exit=2", 1)[1].split()[0] == "1"  # the good build, and no partial one
    assert '"delivery/tracking"' in out  # the index in service answers


def test_an_import_onto_a_full_disk_leaves_no_half_file(tmp_path):


    rows = "".join(f"Otsikko {n},{'Hei! Pitkä teksti. ' * 200}\n" for n in range(400))
    sheet = tmp_path / "big.csv"
    sheet.write_text("title,body\n" + rows, encoding="utf-8")
    done = _small_tmpfs_shell(
        f'mkdir "$DISK/responses" && cp "{SAMPLE / "kb.yaml"}" "$DISK/responses/" && '
        f'$KB import sheet "{sheet}" --responses "$DISK/responses"; echo "exit=$?"; '
        '$KB lint --responses "$DISK/responses" >/dev/null; echo "lint=$?"; '
        'ls -a "$DISK/responses/imported" | grep -c "\\.tmp$"', tmp_path)
    assert shutil.which("sh")
    assert "exit=2" in done.stdout and "no space left" in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert "lint=0" in done.stdout, done.stdout  # every file written is whole
    assert done.stdout.strip().splitlines()[-1] == "0"  # and no temporary file was left behind


def test_the_access_log_names_the_token_never_the_secret_or_the_text(secured, caplog):
    with caplog.at_level(logging.INFO, logger="kb.access"):
        secured.get("/api/v1/search?q=salainen+asiakasviesti", headers=bearer(AGENT_SECRET))
        secured.post("/api/v1/suggest", json={"message": "Minun henkilötunnukseni on 010101-123A"},
                     headers=bearer(AGENT_SECRET))
        secured.get("/api/v1/search?q=lasku", headers=bearer("wrong-0123456789abcdef"))
    lines = [record.getMessage() for record in caplog.records if record.name == "kb.access"]
    assert len(lines) == 3
    assert lines[0].startswith("GET /api/v1/search 200 ") and "token=agent" in lines[0]
    assert lines[1].startswith("POST /api/v1/suggest 200 ") and "token=agent" in lines[1]
    assert " 401 " in lines[2] and "token=-" in lines[2]
    text = "\n".join(lines)
    assert AGENT_SECRET not in text and "salainen" not in text and "010101" not in text and "wrong-" not in text


def test_a_refused_watcher_reindex_and_a_stale_index_are_on_health(client, api_kb, index_dir):
    from kb.search.watcher import Watcher

    watcher = Watcher(api_kb, index_dir, 1)
    assert watcher.check() is None
    broken = api_kb / "outage" / "known.yaml"
    broken.write_text("id: outage/known\ntexts: [broken\n", encoding="utf-8")
    _touch_later(broken)
    assert watcher.check() is None  # refused
    data = client.get("/api/v1/health").get_json()
    assert data["status"] == "degraded" and data["stale"] is True and data["problem_count"] == 1
    assert data["problems"][0]["path"] == "outage/known.yaml" and data["problems"][0]["code"].startswith("KB")
    assert client.get("/api/v1/search?q=h%C3%A4iri%C3%B6").get_json()["results"][0]["id"] == "outage/known"


def test_a_notepad_file_with_bom_and_crlf_is_served_with_a_warning_and_fixed_by_lint(api_kb, index_dir, tmp_path):
    from kb.content.loader import load_kb
    from kb.search.indexing import index_kb

    path = write_reply(api_kb, "billing/notepad", "Muistio", "Tallennettu Muistiolla.")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    kb = load_kb(api_kb)
    assert "billing/notepad" in kb.snippets and not kb.errors
    assert {p.code for p in kb.warnings if p.path == path} == {"KB003", "KB004"}
    report = index_kb(api_kb, index_dir)
    assert report.changed == 1 and {p.code for p in report.warnings} >= {"KB003", "KB004"}
    done = _kb("lint", "--responses", str(api_kb))
    assert done.returncode == 0 and "KB003" in done.stdout and "kb lint --fix" in done.stdout
    done = _kb("lint", "--fix", "--responses", str(api_kb))
    assert done.returncode == 0 and "fixed" in done.stderr and "KB003" not in done.stdout, done.stdout
    assert not path.read_bytes().startswith(b"\xef\xbb\xbf") and b"\r" not in path.read_bytes()


def _on_a_terminal(args: list[str]) -> tuple[int, str]:
    """Run ``kb ARGS`` with standard error on a pseudo-terminal (stdout piped); what it showed there."""
    import pty

    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "kb.cli", *args], stdout=subprocess.PIPE, stderr=follower,
                               env={**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "100"})
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    process.communicate(timeout=120)
    os.close(leader)
    return process.returncode, shown.decode("utf-8", "replace")


def test_long_work_shows_progress_on_a_terminal_and_nothing_when_piped(empty_kb, tmp_path):
    for number in range(300):
        write_reply(empty_kb, f"many/reply-{number:03d}", f"Otsikko {number}", "Teksti.")
    args = ["index", "--full", "--responses", str(empty_kb), "--index", str(tmp_path / "index")]
    status, shown = _on_a_terminal(args)
    assert status == 0 and "indexing" in shown and "/300 [" in shown, shown
    done = _kb(*args)
    assert done.returncode == 0 and done.stderr == "" and "indexing" not in done.stdout
    sheet = tmp_path / "many.csv"
    sheet.write_text("title,body\n" + "".join(f"Otsikko {n},Hei! Teksti {n}.\n" for n in range(200)), encoding="utf-8")
    status, shown = _on_a_terminal(["import", "sheet", str(sheet), "--responses", str(empty_kb), "--dry-run"])
    assert status == 0 and "importing" in shown, shown
    done = _kb("import", "sheet", str(sheet), "--responses", str(empty_kb), "--dry-run")
    assert done.returncode == 0 and "importing" not in done.stderr + done.stdout


def _operations(client) -> list[tuple[str, str, bool]]:
    """(path, method, open without a token) of every operation of the OpenAPI document."""
    document = client.get("/api/v1/openapi.json").get_json()
    return [(path.replace("{id}", "delivery/tracking").replace("{lang}", "fi"), method.upper(),
             operation.get("security") == []) for path, methods in document["paths"].items()
            for method, operation in methods.items()]


@pytest.mark.parametrize("secret", [None, "old-secret-0123456789abcdef0", "not-a-token-at-all-0123456789", "\ud800"])
def test_every_operation_without_a_valid_token_is_refused_never_a_5xx(secured, secret):
    seen: dict[int, int] = {}
    header = {} if secret is None else {
        "Authorization": f"Bearer {secret}".encode("utf-8", "surrogatepass").decode("latin-1")}
    for path, method, public in _operations(secured) * 2:  # twice: past the allowance of failed authentication
        for body in (None, {"message": "paketti"}, {"id": "delivery/tracking", "lang": "fi"}):
            response = secured.open(path, method=method, headers=header, json=body)
            seen[response.status_code] = seen.get(response.status_code, 0) + 1
            assert response.is_json and response.status_code < 500, (path, method, response.status_code)
            allowed = (200, 405, 415, 422) if public else (401, 429)
            assert response.status_code in allowed, (path, method, response.status_code)
    assert 401 in seen and 429 in seen, seen
