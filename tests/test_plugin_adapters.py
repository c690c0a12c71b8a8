"""The helpdesk adapters in Debian's Chromium, each inside a harness page that speaks its host's
real protocol (Zendesk's ZAF postMessage protocol, Freshworks' app client, Chatwoot's
appContext messages, a browser extension's content script), against a real ``kb serve``
that requires an API token; plus a snippet full of HTML that must stay inert."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest
from support.api_support import AGENT_SECRET, live_server, write_kb
from support.browser_support import BROWSER_TIMEOUT_MS, CHROMIUM, LAUNCH_ARGS, PANEL, PLUGIN, copy_plugin, warm_up

pytest_plugins = ("support.browser_support",)
pytestmark = [pytest.mark.browser, pytest.mark.live_server]

XSS = """\
id: test/xss
kind: reply
version: 1
texts:
  fi:
    title: "Kuvaviesti <b>testi</b>"
    body: |
      Hei {{customer.first_name}}! <img src=x onerror="window.__xss=1"> Kuvaviesti näkyy tekstinä.
    keywords: [kuvaviesti]
  et:
    source_version: 1
    title: "Pildisõnum <b>test</b>"
    body: |
      Tere {{customer.first_name}}! <img src=x onerror="window.__xss=1"> Pildisõnum.
  en:
    source_version: 1
    title: "Image message <b>test</b>"
    body: |
      Hi {{customer.first_name}}! <img src=x onerror="window.__xss=1"> Image message.
"""


def load(path: Path):
    spec = importlib.util.spec_from_file_location(f"plugin_{path.parent.name}_package", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def secured(tmp_path_factory, browser):
    """``kb serve`` on the API tests' knowledge base plus an HTML-laden snippet, requiring an API
    token, with a plugin folder that also holds the built Zendesk, Freshdesk and extension apps."""
    work = tmp_path_factory.mktemp("secured-serve")
    responses = write_kb(work / "responses")
    (responses / "test").mkdir()
    (responses / "test" / "xss.yaml").write_text(XSS, encoding="utf-8")
    plugin = copy_plugin(work / "plugin")
    zendesk = None
    if shutil.which("npm"):
        zendesk = load(PLUGIN / "zendesk" / "package.py").build_tree(plugin / "zendesk" / "dist")
    load(PLUGIN / "freshdesk" / "package.py").build_tree(plugin / "freshdesk" / "dist")
    load(PLUGIN / "extension" / "package.py").build_tree(plugin / "extension" / "dist")
    env = {"KB_TOKENS": f"agent:{AGENT_SECRET}"}
    with live_server(work, responses, work / "index", "--plugin-dir", str(plugin), "--workers", "1", env=env) as base:
        warm_up(base, AGENT_SECRET)
        yield {"base": base, "zendesk": zendesk}


def frame_options(frame):
    return frame.locator(f"{PANEL} [role=option]")


@pytest.fixture
def page_without_csp(browser):
    """A page whose Content-Security-Policy is ignored: the panel itself must keep data inert
    (with the CSP on, an inline onerror would be blocked even if the panel parsed HTML)."""
    context = browser.new_context(bypass_csp=True, viewport={"width": 1400, "height": 860})
    tab = context.new_page()
    tab.set_default_timeout(BROWSER_TIMEOUT_MS)
    yield tab
    context.close()


def test_html_in_a_snippet_stays_text(page_without_csp, secured):
    page = page_without_csp
    page.add_init_script(f"localStorage.setItem('vastaus-demo-token', {json.dumps(AGENT_SECRET)});")
    page.goto(secured["base"] + "/plugin/demo/index.html#demo-48213")
    page.wait_for_selector(f"{PANEL}[data-state=ready]")
    search = page.locator(f"{PANEL} input[role=combobox]")
    search.fill("kuvaviesti")
    page.wait_for_function("""() => document.querySelector('vastaus-panel').shadowRoot
        .querySelector('[role=option]')?.dataset.id === 'test/xss'""")  # the search's answer, not a suggestion
    option = page.locator(f"{PANEL} [role=option][data-id='test/xss']")
    assert option.locator(".title").inner_text() == "Kuvaviesti <b>testi</b>"
    assert '<img src=x onerror="window.__xss=1">' in option.inner_text()
    shadow_images = page.evaluate("document.querySelector('vastaus-panel').shadowRoot.querySelectorAll('img, b').length")
    assert shadow_images == 0
    search.press("Enter")
    page.wait_for_function("() => document.querySelector('#reply').value.includes('<img')")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__xss") is None
    assert page.locator("#reply").input_value().startswith('Hei Aino! <img src=x onerror="window.__xss=1">')


def test_a_refused_token_is_explained(page, secured):
    page.add_init_script("localStorage.setItem('vastaus-demo-token', 'not-the-token');")
    page.goto(secured["base"] + "/plugin/demo/index.html")
    alert = page.locator(f"{PANEL} [role=alert]")
    alert.wait_for(state="visible")
    assert "refused the API token" in alert.inner_text()
    assert page.locator(f"{PANEL} button.retry").is_visible()
    assert page.locator(PANEL).get_attribute("data-state") == "error"


def test_zendesk_ticket_sidebar(page, secured):
    if secured["zendesk"] is None:
        pytest.skip("npm is needed to vendor the ZAF SDK")
    page.goto(secured["base"] + f"/plugin/zendesk/test-harness.html?token={AGENT_SECRET}&locale=fi")
    app = page.frame_locator("#app")
    frame_options(app).first.wait_for()
    first = frame_options(app).first
    assert "escalation" in first.get_attribute("class")  # the customer mentions a lawyer
    assert first.get_attribute("data-id") == "escalation/legal"
    assert app.locator(f"{PANEL} input[role=combobox]").get_attribute("placeholder") == "Hae vastauksia…"  # currentUser.locale fi
    calls = page.evaluate("window.zafCalls")
    requests = [options for kind, options in calls if kind == "request"]
    assert requests and all(r["headers"]["Authorization"] == "Bearer {{setting.api_token}}" and r["secure"] for r in requests)
    gets = [params for kind, params in calls if kind == "get"]
    assert {"ticket.requester.firstName", "ticket.id", "currentUser.locale", "ticket.comments"} <= set(gets[0])
    app.locator(f"{PANEL} input[role=combobox]").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#comment').value.length > 0")
    inserted = page.locator("#comment").input_value()
    assert inserted.startswith("Hei! Välitämme asiasi lakiasioista")  # the approved text, unchanged
    assert ["invoke", {"ticket.comment.appendText": [inserted]}] in page.evaluate("window.zafCalls")
    # Editing the approved wording: the first save is stopped with a warning, the second goes through.
    page.locator("#comment").fill(inserted.replace("lakiasioista", "asiakasasioista"))
    page.locator("#save").click()
    result = page.locator("#save-result")
    page.wait_for_function("() => document.querySelector('#save-result').dataset.outcome")
    assert result.get_attribute("data-outcome") == "cancelled"
    assert "Hyväksyttyä eskalointitekstiä (escalation/legal) on muutettu" in result.inner_text()
    page.locator("#save").click()
    page.wait_for_function("() => document.querySelector('#save-result').dataset.outcome === 'saved'")


def test_zendesk_unchanged_escalation_saves(page, secured):
    if secured["zendesk"] is None:
        pytest.skip("npm is needed to vendor the ZAF SDK")
    page.goto(secured["base"] + f"/plugin/zendesk/test-harness.html?token={AGENT_SECRET}&locale=en")
    app = page.frame_locator("#app")
    frame_options(app).first.wait_for()
    app.locator(f"{PANEL} .option.active button.primary").click()
    page.wait_for_function("() => document.querySelector('#comment').value.length > 0")
    page.locator("#save").click()
    page.wait_for_function("() => document.querySelector('#save-result').dataset.outcome === 'saved'")


def test_freshdesk_ticket_sidebar(page, secured):
    appclient = (PLUGIN / "freshdesk" / "test-appclient.js").read_text(encoding="utf-8")
    page.route(lambda url: url.endswith("/app/%7B%7B%7Bappclient%7D%7D%7D"), lambda route: route.fulfill(
        body=appclient, content_type="application/javascript"))
    host = secured["base"].removeprefix("http://")
    page.goto(secured["base"] + f"/plugin/freshdesk/test-harness.html?app=dist/app/index.html&host={host}"
              f"&protocol=http&token={AGENT_SECRET}&lang=et")
    app = page.frame_locator("#app")
    frame_options(app).first.wait_for()
    first = frame_options(app).first
    assert first.get_attribute("data-id") == "delivery/tracking" and first.get_attribute("lang") == "et"
    assert app.locator(f"{PANEL} input[role=combobox]").get_attribute("placeholder") == "Otsi vastuseid…"
    app.locator(f"{PANEL} input[role=combobox]").focus()
    page.keyboard.press("Control+Enter")  # as it is: the ticket names no order (Enter would ask for it)
    page.wait_for_function("() => document.querySelector('#editor').value.length > 0")
    assert page.locator("#editor").input_value().startswith("Tere Kadri! Teie pakk")
    calls = page.evaluate("window.fdkCalls")
    templates = [args[0] for method, args in calls if method == "request.invokeTemplate"]
    assert "vastausSuggest" in templates and "vastausRender" in templates
    assert ["data.get", ["loggedInUser"]] in calls and ["data.get", ["ticket"]] in calls
    assert any(method == "interface.trigger" and args[0] == "setValue" and args[1]["id"] == "editor" for method, args in calls)


def open_freshdesk(page, secured, extra=""):
    appclient = (PLUGIN / "freshdesk" / "test-appclient.js").read_text(encoding="utf-8")
    page.route(lambda url: url.endswith("/app/%7B%7B%7Bappclient%7D%7D%7D"), lambda route: route.fulfill(
        body=appclient, content_type="application/javascript"))
    host = secured["base"].removeprefix("http://")
    page.goto(secured["base"] + f"/plugin/freshdesk/test-harness.html?app=dist/app/index.html&host={host}"
              f"&protocol=http&token={AGENT_SECRET}&lang=et{extra}")
    return page.frame_locator("#app")


def templates_called(page):
    return [args[0] for method, args in page.evaluate("window.fdkCalls") if method == "request.invokeTemplate"]


def test_freshdesk_spends_few_calls_and_escapes_html(page, secured):
    """Freshworks allows an app 50 calls a minute for the whole team: a ticket opened again
    costs one call (the suggestions), a preview none, an insert two (rendering it, and reporting
    it for the usage insights); the incidents are asked for once in 5 minutes, shared by the
    agent's sidebar frames. setValue takes HTML."""
    app = open_freshdesk(page, secured)
    frame_options(app).first.wait_for()
    page.wait_for_function("() => window.fdkCalls.some(([m, a]) => m === 'request.invokeTemplate' && a[0] === 'vastausIncidents')")
    assert sorted(templates_called(page)) == ["vastausIncidents", "vastausStrings", "vastausSuggest", "vastausVersion"]
    app = open_freshdesk(page, secured)  # the next ticket: /version, the strings and the incidents are kept
    frame_options(app).first.wait_for()
    # The active reply's preview is filled here, without asking the service to render it.
    app.locator(f"{PANEL} .option.active .full").wait_for()
    assert templates_called(page) == ["vastausSuggest"]
    search = app.locator(f"{PANEL} input[role=combobox]")
    search.fill("kuvaviesti")
    app.locator(f"{PANEL} [role=option][data-id='test/xss'][aria-selected=true]").wait_for()
    search.press("Enter")
    page.wait_for_function("() => document.querySelector('#editor').value.length > 0")
    # The insert is reported for the usage insights, after the text went in.
    page.wait_for_function("() => window.fdkCalls.some(([m, a]) => m === 'request.invokeTemplate' && a[0] === 'vastausEvents')")
    assert templates_called(page) == ["vastausSuggest", "vastausSearch", "vastausRender", "vastausEvents"]
    html = page.locator("#editor").input_value()
    assert html.startswith("Tere Kadri! &lt;img src=x onerror=&quot;window.__xss=1&quot;&gt; Pildisõnum.")
    assert "<img" not in html
    lines = app.locator(PANEL).evaluate("""async () => {
      const { toEditorHtml } = await import('./scripts/app.js');
      return toEditorHtml('Rida üks.\\nRida <kaks> & "kolm".');
    }""")
    assert lines == "Rida üks.<br>Rida &lt;kaks&gt; &amp; &quot;kolm&quot;."


def test_freshdesk_says_when_the_call_budget_is_used_up(page, secured):
    app = open_freshdesk(page, secured, "&budget=0")
    alert = app.locator(f"{PANEL} [role=alert]")
    alert.wait_for(state="visible")
    assert "50 requests a minute for the whole team" in alert.inner_text()


def test_chatwoot_dashboard_app_copies(page, secured):
    base = secured["base"]
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    page.goto(base + f"/plugin/chatwoot/test-harness.html?lang=en&token={AGENT_SECRET}")
    app = page.frame_locator("#app")
    frame_options(app).first.wait_for()
    assert page.evaluate("window.fetchInfoRequests") >= 1  # the app asked for the context
    assert frame_options(app).first.get_attribute("data-id") == "delivery/tracking"
    assert app.locator(f"{PANEL} .actions button", has_text="Insert").count() == 0  # Chatwoot: copy only
    app.locator(f"{PANEL} input[role=combobox]").focus()
    page.keyboard.press("Enter")
    status = app.locator(f"{PANEL} [role=status]")
    status.filter(has_text="Copied to the clipboard.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()").startswith("Hi James!")
    page.locator("#next").click()  # another conversation: its context replaces the first
    app.locator(f"{PANEL} [role=option][data-id='outage/known']").wait_for()
    assert app.locator(f"{PANEL} [role=radio][aria-checked=true]").inner_text() == "Suomi"


def test_chatwoot_before_the_contact_loads_and_in_dark_mode(page, secured):
    """Chatwoot sends ``contact: {}`` until the contact has loaded: the name comes from the
    conversation's sender. An Instagram inbox maps to a channel the knowledge base has."""
    base = secured["base"]
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    page.goto(base + f"/plugin/chatwoot/test-harness.html?lang=en&theme=dark&token={AGENT_SECRET}")
    app = page.frame_locator("#app")
    frame_options(app).first.wait_for()
    assert app.locator(PANEL).get_attribute("data-theme") == "dark"
    page.locator("#next").click()
    page.locator("#next").click()  # the Instagram conversation, contact not loaded
    app.locator(f"{PANEL} [role=option][data-id='billing/invoice'][aria-selected=true]").wait_for()
    assert app.locator(PANEL).evaluate("panel => panel._channel()") == "facebook"  # kb.yaml has no instagram
    app.locator(f"{PANEL} input[role=combobox]").focus()
    page.keyboard.press("Enter")
    app.locator(f"{PANEL} [role=status]", has_text="Copied to the clipboard.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()").startswith("Hei Kalle! Laskussasi")


def test_extension_content_script_inserts_into_any_reply_box(page, secured):
    page.goto(secured["base"] + f"/plugin/extension/test-harness.html?ext=dist/&token={AGENT_SECRET}&lang=et")
    page.wait_for_function("() => window.vastausExtension")
    page.locator("#reply").click()
    page.evaluate("""() => {
      const range = document.createRange();
      range.selectNodeContents(document.getElementById('customer-message'));
      getSelection().removeAllRanges();
      getSelection().addRange(range);
    }""")
    page.keyboard.press("Alt+Shift+V")  # opens the panel with the selected message
    app = page.frame_locator("#vastaus-extension iframe")
    frame_options(app).first.wait_for()
    assert frame_options(app).first.get_attribute("data-id") == "delivery/tracking"
    page.wait_for_function("""() => {
      const frame = document.querySelector('#vastaus-extension iframe').contentDocument;
      const panel = frame.querySelector('vastaus-panel');
      return panel.shadowRoot.activeElement && panel.shadowRoot.activeElement.matches('input');
    }""")
    page.keyboard.press("Control+Enter")  # Enter would ask for the placeholders first
    page.wait_for_function("() => document.querySelector('#reply').value.length > 0")
    # A generic page names no customer: the placeholder stays, visible, for the agent to fill.
    assert page.locator("#reply").input_value().startswith("Tere {{customer.first_name}}! Teie pakk")
    assert ["reply", "insertText"] in page.evaluate("window.inputEvents")
    # A rich (contenteditable) editor: the text goes in at the caret, with an input event.
    page.locator("#rich").click()
    page.keyboard.press("End")
    page.locator("#vastaus-extension + button").click()  # close
    page.locator("#vastaus-extension + button").click()  # and open again from the "V" button
    app.locator(f"{PANEL} input[role=combobox]").fill("pakk")
    app.locator(f"{PANEL} [role=option]").first.wait_for()
    app.locator(f"{PANEL} input[role=combobox]").press("Control+Enter")
    page.wait_for_function("() => document.querySelector('#rich').textContent.length > 10")
    assert page.locator("#rich").text_content().replace("\xa0", " ").startswith("Tere! Tere {{customer.first_name}}! Teie pakk")
    assert ["rich", "insertText"] in page.evaluate("window.inputEvents")
    app.locator(f"{PANEL} input[role=combobox]").press("Escape")  # the first Esc clears the query,
    assert app.locator(f"{PANEL} input[role=combobox]").input_value() == ""
    app.locator(f"{PANEL} input[role=combobox]").press("Escape")  # the next one closes the panel
    page.wait_for_function("() => document.getElementById('vastaus-extension').style.display === 'none'")


def test_the_real_extension_loads_and_runs_nowhere_until_allowed(tmp_path, secured, playwright):
    """The built extension in Chromium itself: its service worker starts, nothing is injected
    into pages, and listing a site is not enough without the browser's permission for it."""
    dist = load(PLUGIN / "extension" / "package.py").build_tree(tmp_path / "extension")
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True,
        args=[*LAUNCH_ARGS, f"--disable-extensions-except={dist}", f"--load-extension={dist}"])
    try:
        worker = context.service_workers[0] if context.service_workers else context.wait_for_event("serviceworker")
        state = worker.evaluate("""async () => {
          await chrome.storage.local.set({sites: ['http://127.0.0.1/*']});
          await new Promise((resolve) => setTimeout(resolve, 300));
          return {manifest: chrome.runtime.getManifest().manifest_version,
                  scripts: await chrome.scripting.getRegisteredContentScripts(),
                  origins: (await chrome.permissions.getAll()).origins};
        }""")
        assert state == {"manifest": 3, "scripts": [], "origins": []}
        page = context.new_page()
        page.goto(secured["base"] + "/plugin/demo/index.html")
        page.wait_for_timeout(300)
        assert page.locator("#vastaus-extension").count() == 0
        options = context.new_page()
        options.goto(worker.url.replace("background.js", "options.html"))
        assert options.locator("h1").inner_text() == "Vastaus settings"
    finally:
        context.close()
