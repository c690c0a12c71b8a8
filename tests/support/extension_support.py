"""The real extension in Chromium, on pages that hold real editors installed from npm.

- ``editors_dir``: the editors of ``tests/support/editors/package.json`` installed with npm into
  ``.cache/editors`` (untracked, gitignored), once; a new package.json installs them again.
  Nothing is vendored: without npm (or its registry) the editor tests are skipped, under CI they fail.
- ``site``: a real HTTP server on loopback serving the editor pages and the installed packages,
  at ``http://127.0.0.1:PORT`` (an allowed helpdesk site) and ``http://localhost:PORT`` (a
  foreign site, not allowed).
- ``extension``: Chromium with the packaged extension loaded (``--load-extension``), its
  options stored (the Vastaus address, a token, the site ``http://127.0.0.1/*``) and the content
  script registered. The browser's permission prompt cannot be answered by a test, so the test
  build declares the allowed site in ``host_permissions``: that is the grant the prompt would give.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import REPO

from support.api_support import AGENT_SECRET, live_server, write_kb
from support.browser_support import BROWSER_TIMEOUT_MS, CHROMIUM, LAUNCH_ARGS, PLUGIN, copy_plugin, warm_up

EDITORS = Path(__file__).resolve().parent / "editors"
CACHE = Path(os.environ.get("KB_EDITORS_DIR", REPO / ".cache" / "editors"))
SITE = "http://127.0.0.1/*"

LINES = """\
id: test/lines
kind: reply
version: 1
texts:
  fi:
    title: Kolmirivinen vastaus
    body: "Rivi yksi.\\nRivi kaksi.\\nRivi kolme."
    keywords: [kolmirivi]
  et:
    source_version: 1
    title: Kolmerealine vastus
    body: "Rida üks.\\nRida kaks.\\nRida kolm."
  en:
    source_version: 1
    title: Three-line reply
    body: "Line one.\\nLine two.\\nLine three."
    keywords: [threeliner]
"""

FILL = """\
id: test/fill
kind: reply
version: 1
texts:
  fi:
    title: Lähetyksen seurantakoodi
    body: "Hei {{customer.first_name}}! Seurantakoodisi on {{order.tracking_code}}. Seuraava tiedote klo {{outage.next_update}}."
    keywords: [seurantakoodi]
  et:
    source_version: 1
    title: Saadetise jälgimiskood
    body: "Tere {{customer.first_name}}! Teie jälgimiskood on {{order.tracking_code}}. Järgmine teade kell {{outage.next_update}}."
  en:
    source_version: 1
    title: Tracking code
    body: "Hi {{customer.first_name}}! Your tracking code is {{order.tracking_code}}. Next update at {{outage.next_update}}."
    keywords: [trackingcode]
"""


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def editors_dir() -> Path:
    """``node_modules`` of the test editors, installed by npm when package.json changed."""
    manifest = EDITORS / "package.json"
    digest = hashlib.sha256(manifest.read_bytes()).hexdigest()
    stamp = CACHE / ".installed"
    if not (stamp.is_file() and stamp.read_text() == digest):
        npm = shutil.which("npm")
        if npm is None:
            _unavailable("npm is needed to install the test editors (apt-get install npm)")
        CACHE.mkdir(parents=True, exist_ok=True)
        shutil.copy(manifest, CACHE / "package.json")
        done = subprocess.run([npm, "install", "--prefix", str(CACHE), "--no-audit", "--no-fund", "--loglevel=error"],
                              capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            _unavailable(f"npm could not install the test editors: {done.stderr.strip()[-500:]}")
        stamp.write_text(digest)
    return CACHE / "node_modules"


class _Handler(SimpleHTTPRequestHandler):
    """/pages/ from tests/support/editors/pages, /node_modules/ from the npm install."""

    def __init__(self, *args, modules: Path, **kwargs):
        self.modules = modules
        super().__init__(*args, directory=str(EDITORS), **kwargs)

    def translate_path(self, path: str) -> str:
        if path.startswith("/node_modules/"):
            clean = super().translate_path(path)  # normalised under EDITORS; re-rooted below
            return str(self.modules / Path(clean).relative_to(EDITORS / "node_modules"))
        return super().translate_path(path)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, *args) -> None:  # quiet
        pass


@pytest.fixture(scope="session")
def site(editors_dir) -> Iterator[dict]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, modules=editors_dir))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    try:
        yield {"allowed": f"http://127.0.0.1:{port}", "foreign": f"http://localhost:{port}"}
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def vastaus(tmp_path_factory) -> Iterator[str]:
    """``kb serve`` with a token, on the API tests' knowledge base plus a three-line reply and one
    with placeholders no helpdesk fills."""
    work = tmp_path_factory.mktemp("extension-serve")
    responses = write_kb(work / "responses")
    (responses / "test").mkdir()
    (responses / "test" / "lines.yaml").write_text(LINES, encoding="utf-8")
    (responses / "test" / "fill.yaml").write_text(FILL, encoding="utf-8")
    plugin = copy_plugin(work / "plugin")
    env = {"KB_TOKENS": f"agent:{AGENT_SECRET}"}
    with live_server(work, responses, work / "index", "--plugin-dir", str(plugin), "--workers", "1", env=env) as base:
        warm_up(base, AGENT_SECRET)
        yield base


def build_extension(target: Path, granted: list[str]) -> Path:
    """The packaged extension's tree, with *granted* host permissions (what the prompt would grant)."""
    from test_plugin_adapters import load

    tree = load(PLUGIN / "extension" / "package.py").build_tree(target)
    manifest = json.loads((tree / "manifest.json").read_text(encoding="utf-8"))
    manifest["host_permissions"] = granted
    (tree / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return tree


def _worker(context):
    return context.service_workers[0] if context.service_workers else context.wait_for_event("serviceworker")


@pytest.fixture(scope="session")
def extension(playwright, tmp_path_factory, vastaus) -> Iterator[dict]:
    """Chromium with the real extension, configured for the allowed site; one browser per session."""
    work = tmp_path_factory.mktemp("extension")
    tree = build_extension(work / "extension", [SITE])
    context = playwright.chromium.launch_persistent_context(
        str(work / "profile"), executable_path=CHROMIUM, headless=True, viewport={"width": 1300, "height": 860},
        locale="en-GB", args=[*LAUNCH_ARGS, f"--disable-extensions-except={tree}", f"--load-extension={tree}"])
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    try:
        worker = _worker(context)
        worker.evaluate("""async ([apiUrl, token, site]) => {
          await chrome.storage.local.set({apiUrl, token, sites: [site], uiLang: 'en'});
        }""", [vastaus, AGENT_SECRET, SITE])
        # The worker registers the script when the storage changes: wait until it has.
        worker.evaluate("""async () => {
          while (!(await chrome.scripting.getRegisteredContentScripts()).length) {
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        }""")
        yield {"context": context, "worker": worker, "tree": tree, "id": worker.url.split("/")[2]}
    finally:
        context.close()


@pytest.fixture
def tab(extension):
    """A new tab in the extension's browser; JavaScript errors of the page fail the test."""
    page = extension["context"].new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    page.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def panel_frame(page):
    """The panel's frame (the extension page inside the helpdesk page), once it is there."""
    page.wait_for_selector("#vastaus-extension iframe", state="attached")
    return page.frame_locator("#vastaus-extension iframe")
