"""Fixtures of the browser tests: Debian's Chromium driven by Playwright against a real ``kb serve``.

Test modules load them with ``pytest_plugins = ("support.browser_support",)`` and are marked
``pytestmark = [pytest.mark.browser, pytest.mark.live_server]``. Playwright's own browser
downloads are never used (``playwright install`` is not run anywhere): the browser is Debian's
``chromium`` package, which ``make test`` installs. Without it the browser tests are skipped,
except under CI, where a missing browser is a failure rather than a silent skip.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO, SAMPLE, require_marker

from support.api_support import http, live_server

# Generous: a slow, shared CI machine must not fail a correct panel; a hung one still fails.
BROWSER_TIMEOUT_MS = 20_000

CHROMIUM = os.environ.get("KB_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]
PLUGIN = REPO / "plugin"
PANEL = "vastaus-panel"


def _unavailable() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    if not Path(CHROMIUM).exists():
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    return None


@pytest.fixture(scope="session")
def playwright():
    """Playwright's driver, once per session (its sync API cannot be started twice at once);
    only for tests marked ``browser``."""
    require_marker("browser", "Chromium")
    reason = _unavailable()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright):
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
    try:
        yield chromium
    finally:
        chromium.close()


def warm_up(base: str, token: str | None = None) -> None:
    """One request of each kind, so that measurements see a running service, not its start.
    A server that requires a token gets it (unauthenticated, every request would stop at 401
    and warm nothing up)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    messages = ["Netti ei toimi, paketti myöhässä, invoice",
                # Each language's analysis loads on its first message (Estonian's lexicons take
                # seconds on a busy machine): else the first panel could see its 4-second limit pass.
                "Tere! Tellisin kaks nädalat tagasi, aga pakk pole kohale jõudnud.",
                "Hi, my parcel still has not arrived and the tracking is not updating."]
    for message in messages:
        status = http("POST", base + "/api/v1/suggest", {"message": message}, headers=headers)[0]
        assert status == 200, f"warming up {base}: /suggest answered {status}"
    http("GET", base + "/api/v1/search?q=lasku&lang=et", headers=headers)
    http("GET", base + "/api/v1/i18n/fi")


@pytest.fixture(scope="session")
def sample_server(tmp_path_factory) -> Iterator[str]:
    """``kb serve`` on the bundled sample knowledge base, serving the real plugin/ folder."""
    work = tmp_path_factory.mktemp("sample-serve")
    with live_server(work, SAMPLE, work / "index", "--plugin-dir", str(PLUGIN), "--workers", "1") as base:
        warm_up(base)
        yield base


@pytest.fixture
def page(browser):
    """A fresh browser context (own localStorage) and page; JavaScript errors fail the test."""
    context = browser.new_context(viewport={"width": 1400, "height": 860}, locale="en-GB")
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.set_default_timeout(BROWSER_TIMEOUT_MS)
    yield tab
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def panel_options(page, selector: str = PANEL):
    """The panel's options (Playwright pierces its open shadow root)."""
    return page.locator(f"{selector} [role=option]")


def copy_plugin(target: Path) -> Path:
    """A copy of plugin/ (for a server whose plugin folder gets test-built packages too)."""
    shutil.copytree(PLUGIN, target, ignore=shutil.ignore_patterns("*.png", "node_modules", "__pycache__"))
    return target
