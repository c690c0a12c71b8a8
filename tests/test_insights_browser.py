"""The demo records its own use, and the Insights page shows it: Debian's Chromium against a
real ``kb serve`` (two workers, so a search and its insert may reach different processes)."""

from __future__ import annotations

import json
import time

import pytest
from conftest import SAMPLE
from support.api_support import http, live_server
from support.browser_support import BROWSER_TIMEOUT_MS, PANEL, PLUGIN, panel_options

pytest_plugins = ("support.browser_support",)
pytestmark = [pytest.mark.browser, pytest.mark.live_server]

DEMO = "/plugin/demo/index.html"
NOTHING = "qqzzxy vuokra"  # finds nothing in the sample
RESULTS = """() => { window.__results = [];
  document.addEventListener('vastaus-results', (e) => window.__results.push(e.detail)); }"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("insights-serve")
    with live_server(work, SAMPLE, work / "index", "--plugin-dir", str(PLUGIN), "--workers", "2") as base:
        yield base


def insights(base: str) -> dict:
    status, _headers, body = http("GET", base + "/api/v1/insights?since=1d")
    assert status == 200
    return json.loads(body)


def recorded(base: str, check, what: str) -> dict:
    """The report once *check* holds: another worker writes its searches within a fraction of a second."""
    deadline = time.monotonic() + 10
    while True:
        report = insights(base)
        if check(report):
            return report
        assert time.monotonic() < deadline, f"not recorded: {what}: {report}"
        time.sleep(0.1)


def test_the_demos_use_shows_on_the_insights_page(browser, server):
    context = browser.new_context(viewport={"width": 1300, "height": 900}, locale="fi-FI")
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script("localStorage.setItem('vastaus-demo-ui', 'fi');" + RESULTS.removeprefix("() => {")[:-1])
    page.goto(server + DEMO + "#demo-48213")
    page.wait_for_function("() => window.__results.some((r) => r.source === 'suggest')")
    search = page.locator(f"{PANEL} input[role=combobox]")
    search.fill("lasku eräpäivä")
    page.wait_for_function("() => window.__results.some((r) => r.source === 'search' && r.count > 0)")
    chosen = panel_options(page).first.get_attribute("data-id")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/events") and r.request.method == "POST") as posted:
        panel_options(page).first.locator("button.primary").click()  # Insert
    assert posted.value.status == 201
    search.fill(NOTHING)
    page.wait_for_function("(q) => window.__results.some((r) => r.source === 'search' && r.query === q && r.count === 0)",
                           arg=NOTHING)
    recorded(server, lambda r: "fi" in r["zero_results"], "the search that found nothing")

    page.goto(server + "/insights")
    assert page.locator("h1").inner_text() == "Käyttötiedot"
    assert page.locator("html").get_attribute("lang") == "fi"
    assert page.locator("[data-total=inserts]").inner_text() == "1"
    assert int(page.locator("[data-total=searches]").inner_text()) >= 2
    assert NOTHING in page.locator("#zero-results").inner_text()
    assert chosen in page.locator("#most-used").inner_text()
    unused = page.locator("#unused li")
    assert unused.count() > 10 and chosen not in unused.all_inner_texts()
    bars = page.locator("figure[data-lang=fi] svg rect.uses")
    assert max(int(bars.nth(n).get_attribute("height")) for n in range(bars.count())) > 0
    assert page.locator("figure[data-lang=fi] figcaption").inner_text() == "Suomi"
    # Only its own stylesheet: the page's CSP allows nothing else, and the styles did apply.
    assert page.evaluate("getComputedStyle(document.querySelector('section')).backgroundColor") == "rgb(255, 255, 255)"
    page.select_option("select[name=lang]", "et")
    page.locator("button[type=submit]").click()
    page.wait_for_url("**/insights?since=30d&lang=et")
    assert page.locator("[data-total=inserts]").inner_text() == "0"
    context.close()
    assert errors == []


@pytest.mark.parametrize("locale, title", [("et-EE", "Kasutusülevaade"), ("en-GB", "Usage insights")])
def test_the_page_speaks_estonian_and_english(browser, server, locale: str, title: str):
    context = browser.new_context(locale=locale)
    page = context.new_page()
    page.goto(server + "/insights")
    assert page.locator("h1").inner_text() == title
    context.close()
