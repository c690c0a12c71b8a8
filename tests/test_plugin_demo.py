"""The demo helpdesk with the panel, in Debian's Chromium against a real ``kb serve`` on the
bundled sample knowledge base: what a new user sees at ``/``."""

from __future__ import annotations

import json
import os
import re

import pytest
from support.api_support import http
from support.browser_support import PANEL, PLUGIN, panel_options

pytest_plugins = ("support.browser_support",)
pytestmark = [pytest.mark.browser, pytest.mark.live_server]

DEMO = "/plugin/demo/index.html"
SCREENSHOTS = PLUGIN / "demo"
SUGGESTIONS_BUDGET_MS = 300

RESULTS_LISTENER = """() => {
  window.__results = [];
  document.addEventListener('vastaus-results', (e) => window.__results.push(e.detail));
}"""


def open_demo(page, base: str, conversation: str = "", ui: str | None = None, token: str | None = None):
    init = []
    if ui:
        init.append(f"localStorage.setItem('vastaus-demo-ui', {json.dumps(ui)});")
    if token is not None:
        init.append(f"localStorage.setItem('vastaus-demo-token', {json.dumps(token)});")
    init.append(RESULTS_LISTENER.removeprefix("() => {").removesuffix("}"))
    page.add_init_script("\n".join(init))
    page.goto(base + DEMO + (f"#{conversation}" if conversation else ""))


def wait_for_results(page, count: int = 1, source: str | None = None) -> dict:
    page.wait_for_function("([n, source]) => (window.__results || []).filter((r) => !source || r.source === source).length >= n",
                           arg=[count, source])
    found = [r for r in page.evaluate("window.__results") if source is None or r["source"] == source]
    return found[count - 1]


def screenshot(page, name: str) -> None:
    """Screenshots for the docs are refreshed only on request (VASTAUS_SCREENSHOTS=1), so a test
    run never changes tracked files."""
    page.wait_for_timeout(150)  # the progress bar's last frame
    png = page.screenshot()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000  # a real picture of the panel
    if os.environ.get("VASTAUS_SCREENSHOTS") == "1":
        (SCREENSHOTS / f"screenshot-{name}.png").write_bytes(png)


def test_root_opens_the_demo(page, sample_server):
    page.goto(sample_server + "/")
    assert page.url.endswith(DEMO)
    page.wait_for_selector(f"{PANEL} [role=option]")


def test_finnish_message_gets_suggestions_within_budget(page, sample_server):
    open_demo(page, sample_server, "demo-48213")
    first = wait_for_results(page, 1, "suggest")
    options = panel_options(page)
    assert options.count() >= 3
    top = options.first
    assert "Häiriö" in top.locator(".title").inner_text()
    assert top.get_attribute("lang") == "fi"
    assert re.fullmatch(r"\d+ / 280", top.locator(".badge.length").inner_text())  # a Twitter conversation
    assert "Aino" in top.locator(".full").inner_text()  # the customer's name filled in
    assert top.locator("mark.hole").first.inner_text() == "{{outage.area}}"  # what the agent must still write
    assert page.locator(f"{PANEL} mark.hit").count() > 0  # the message's words marked
    assert page.locator(f"{PANEL} [role=radio][aria-checked=true]").inner_text() == "Suomi"  # detected
    # Opening another conversation: the time from configure() to suggestions on screen.
    page.locator("[data-conversation=demo-48231]").click()
    second = wait_for_results(page, 2, "suggest")
    print(f"\nsuggestions visible after the panel opens: {first['ms']} ms (page load), {second['ms']} ms (switching "
          f"conversation); budget {SUGGESTIONS_BUDGET_MS} ms")
    assert second["ms"] <= SUGGESTIONS_BUDGET_MS
    assert first["ms"] <= SUGGESTIONS_BUDGET_MS * 2  # includes loading the page's modules
    page.locator("[data-conversation=demo-48213]").click()
    wait_for_results(page, 3, "suggest")
    screenshot(page, "suggestions")


def test_estonian_query_and_keyboard_insert(page, sample_server):
    open_demo(page, sample_server, "demo-48220", ui="et")
    wait_for_results(page, 1, "suggest")
    assert page.locator(f"{PANEL} [role=radio][aria-checked=true]").inner_text() == "Eesti"
    page.evaluate("""() => {
      const list = document.querySelector('vastaus-panel').shadowRoot.querySelector('[role=listbox]');
      window.__emptied = 0;
      new MutationObserver(() => { if (!list.querySelector('[role=option]')) window.__emptied += 1; })
        .observe(list, {childList: true, subtree: true});
    }""")
    page.locator("#reply").click()
    page.keyboard.press("Alt+Shift+V")
    search = page.locator(f"{PANEL} input[role=combobox]")
    assert search.evaluate("el => el.getRootNode().activeElement === el")
    search.press_sequentially("pakk hilineb", delay=40)
    wait_for_results(page, 1, "search")
    assert page.evaluate("window.__emptied") == 0  # the list stayed on screen while typing
    options = panel_options(page)
    assert options.first.locator(".title").inner_text() == "Pakk on hilinenud"
    assert search.get_attribute("aria-activedescendant") == options.first.get_attribute("id")
    page.keyboard.press("ArrowDown")
    assert search.get_attribute("aria-activedescendant") == options.nth(1).get_attribute("id")
    assert options.nth(1).get_attribute("aria-selected") == "true"
    page.keyboard.press("ArrowUp")
    screenshot(page, "estonian-search")
    page.keyboard.press("Enter")  # {{order.tracking_code}} is unknown here: the panel asks for it first
    field = page.locator(f"{PANEL} .fields input[data-variable='order.tracking_code']")
    field.wait_for()
    assert field.evaluate("el => el.getRootNode().activeElement === el")
    assert page.locator("#reply").input_value() == ""
    page.keyboard.press("Control+Enter")  # the agent chooses to insert it as it is
    page.wait_for_function("() => document.querySelector('#reply').value.length > 0")
    reply = page.locator("#reply").input_value()
    assert reply.startswith("Tere, Kadri!") and "Mikko" in reply
    assert "{{customer.first_name}}" not in reply
    assert "{{order.tracking_code}}" in reply  # unknown here: left visible for the agent
    status = page.locator(f"{PANEL} [role=status]").inner_text()
    assert "Lisatud vastusesse." in status and "{{order.tracking_code}}" in status
    # Esc clears the query and brings back the suggestions for the customer's message.
    search.focus()
    page.keyboard.press("Escape")
    assert search.input_value() == ""
    assert page.locator(f"{PANEL} .group-title").last.text_content() == "Kliendi sõnumile"


def test_escalation_first_and_inserted_unchanged(page, sample_server):
    open_demo(page, sample_server, "demo-48240", ui="fi")
    result = wait_for_results(page, 1, "suggest")
    assert result["escalations"] >= 1
    first = panel_options(page).first
    assert "escalation" in first.get_attribute("class")
    assert first.locator(".badge.esc").inner_text() == "Eskalointi"
    assert "Hyväksytty sanamuoto, versio 1" in first.locator(".approved").inner_text()
    group = page.locator(f"{PANEL} [role=group]").first
    assert group.get_attribute("aria-label") == "Eskalointi: käytä hyväksyttyä sanamuotoa"
    assert "eskalointi" in page.locator(f"{PANEL} [role=status]").inner_text()
    escalation_id = first.get_attribute("data-id")
    screenshot(page, "escalation")
    page.keyboard.press("Alt+Shift+V")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#reply').value.length > 0")
    status, _headers, body = http("POST", sample_server + "/api/v1/render", {
        "id": escalation_id, "lang": "fi",
        "variables": {"customer.first_name": "Pekka", "customer.name": "Pekka Korhonen", "agent.first_name": "Mikko",
                      "ticket.id": "48240"}})
    assert status == 200
    approved = json.loads(body)
    assert approved["variant"] == "body"
    assert page.locator("#reply").input_value() == approved["text"]  # exactly the approved long text


# What each demo conversation is about: its first suggestion, as a new user would judge it.
DEMO_FIRST = {
    "demo-48213": {"outage/acknowledge"},  # Finnish: the internet is down in Tampere
    "demo-48220": {"delivery/tracking", "delivery/delayed"},  # Estonian: where is my parcel
    "demo-48231": {"billing/invoice-explained"},  # English: fees on the invoice
    "demo-48240": {"escalation/legal"},  # Finnish: a third wrong bill, and the consumer disputes board
    "demo-48245": {"outage/acknowledge"},  # Estonian: the internet is down (outage mode: test_plugin_outage.py)
    "demo-48251": {"outage/acknowledge"},  # English: the internet is down
}


def test_every_demo_conversation_has_an_expected_first_reply():
    ids = re.findall(r"^    id: '(demo-\d+)'", (PLUGIN / "demo" / "conversations.js").read_text(encoding="utf-8"), re.M)
    assert ids and set(ids) == set(DEMO_FIRST)


@pytest.mark.parametrize("conversation", sorted(DEMO_FIRST))
def test_each_demo_conversation_shows_the_right_reply_first(page, sample_server, conversation):
    open_demo(page, sample_server, conversation)
    wait_for_results(page, 1, "suggest")
    first = panel_options(page).first.get_attribute("data-id")
    assert first in DEMO_FIRST[conversation], f"{conversation}: {first} first"


def test_reply_language_is_remembered_per_conversation(page, sample_server):
    open_demo(page, sample_server, "demo-48213")
    wait_for_results(page, 1, "suggest")
    page.locator(f"{PANEL} [role=radio][lang=en]").click()
    wait_for_results(page, 2, "suggest")
    assert panel_options(page).first.get_attribute("lang") == "en"
    page.locator("[data-conversation=demo-48220]").click()
    wait_for_results(page, 3, "suggest")
    assert page.locator(f"{PANEL} [role=radio][aria-checked=true]").inner_text() == "Eesti"
    page.reload()
    wait_for_results(page, 1, "suggest")
    page.locator("[data-conversation=demo-48213]").click()
    wait_for_results(page, 2, "suggest")
    assert page.locator(f"{PANEL} [role=radio][aria-checked=true]").inner_text() == "English"
    assert page.evaluate("localStorage.getItem('vastaus:reply-lang:demo-48213')") == "en"
    # Arrow keys move within the radio group.
    page.locator(f"{PANEL} [role=radio][lang=en]").focus()
    page.keyboard.press("ArrowLeft")
    assert page.locator(f"{PANEL} [role=radio][aria-checked=true]").inner_text() == "Eesti"


def test_interface_languages(page, sample_server):
    open_demo(page, sample_server, "demo-48231", ui="fi")
    wait_for_results(page, 1, "suggest")
    search = page.locator(f"{PANEL} input[role=combobox]")
    assert search.get_attribute("placeholder") == "Hae vastauksia…"
    assert page.locator(f"{PANEL} .actions button").first.inner_text() == "Lisää"
    assert re.fullmatch(r"\d+ vastausta", page.locator(f"{PANEL} [role=status]").inner_text())
    page.wait_for_function("() => document.querySelector('#inbox-title').textContent === 'Avoimet keskustelut'")  # demo's own
    page.select_option("#ui-lang", "et")
    page.wait_for_function("""() => document.querySelector('vastaus-panel').shadowRoot
        .querySelector('input').placeholder === 'Otsi vastuseid…'""")
    assert page.locator(f"{PANEL} .actions button").first.inner_text() == "Lisa"
    page.wait_for_function("() => document.querySelector('#inbox-title').textContent === 'Avatud vestlused'")


def test_guidance_on_demand(page, sample_server):
    open_demo(page, sample_server, "demo-48213", ui="en")
    wait_for_results(page, 1, "suggest")
    page.keyboard.press("Alt+Shift+V")
    page.keyboard.press("Alt+G")
    guidance = page.locator(f"{PANEL} .guidance-text")
    page.wait_for_function("""() => {
      const g = document.querySelector('vastaus-panel').shadowRoot.querySelector('.guidance-text');
      return g && !g.textContent.includes('Loading');
    }""")
    assert guidance.inner_text().startswith("Käytä")  # the reply language's guidance (Finnish)
    assert page.locator(f"{PANEL} button[aria-expanded=true]").count() == 1
    page.keyboard.press("Escape")
    assert page.locator(f"{PANEL} .guidance").count() == 0


def test_api_down_shows_an_error_and_retry_recovers(page, sample_server):
    page.route("**/api/v1/**", lambda route: route.abort())
    open_demo(page, sample_server, "demo-48213", ui="en")
    error = page.locator(f"{PANEL} [role=alert]")
    error.wait_for(state="visible")
    assert "cannot be reached" in error.inner_text()
    assert page.locator(PANEL).get_attribute("data-state") == "error"
    screenshot(page, "error")
    search = page.locator(f"{PANEL} input[role=combobox]")
    search.fill("lasku")  # the panel stays usable
    page.unroute("**/api/v1/**")
    page.locator(f"{PANEL} button.retry").click()
    wait_for_results(page, 1)
    error.wait_for(state="hidden")
    assert panel_options(page).count() > 0


def test_slow_api_times_out_with_a_message(page, sample_server):
    page.route("**/api/v1/suggest", lambda route: None)  # never answered
    open_demo(page, sample_server, "demo-48213", ui="en")
    error = page.locator(f"{PANEL} [role=alert]")
    error.wait_for(state="visible", timeout=7000)
    assert "did not answer within 4 seconds" in error.inner_text()
    page.unroute("**/api/v1/suggest")
    page.locator(f"{PANEL} button.retry").click()
    wait_for_results(page, 1, "suggest")


def test_core_helpers_in_the_browser(page, sample_server):
    """The pure parts of the core (plural rules, folding, marking, filling) as the browser runs them."""
    page.goto(sample_server + DEMO)
    result = page.evaluate("""async () => {
      const i18n = await import('/plugin/core/i18n.js');
      const text = await import('/plugin/core/text.js');
      const polish = i18n.compilePlural('(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2)');
      const filled = text.fill('Hei {{customer.first_name}}! Tilaus {{ order.id }}.', {'customer.first_name': '<b>Aino</b>'});
      const holder = document.createElement('p');
      text.appendMarked(holder, '<img src=x onerror=alert(1)> paketti', [[0, 5, 'hit']]);
      return {
        one: i18n.compilePlural('n != 1')(1), many: i18n.compilePlural('(n != 1)')(5),
        polish: [1, 3, 5, 22, 112].map(polish),
        bad: (() => { try { i18n.compilePlural('alert(1)'); return 'compiled'; } catch (e) { return 'refused'; } })(),
        fold: text.fold('Jõudnud Myöhässä'),
        ranges: text.wordRanges('Pakettisi on myöhässä, pakkaus ei', ['pakettini', 'myohassa', 'ei']),
        filled, html: holder.innerHTML, images: holder.querySelectorAll('img').length,
        fallback: (i18n.setCatalog({lang: 'fi', messages: {'{count} reply': ['{count} vastaus', '{count} vastausta']}, plural: 'n != 1'}),
                   [1, 2].map((n) => i18n.format(i18n.ngettext('{count} reply', '{count} replies', n), {count: n})).concat([
                    i18n._('Not translated')])),
        broken: (i18n.setCatalog({messages: 'nonsense'}), i18n._('Insert')),
      };
    }""")
    assert result["one"] == 0 and result["many"] == 1
    assert result["polish"] == [0, 1, 2, 1, 2]
    assert result["bad"] == "refused"
    assert result["fold"] == "joudnud myohassa"
    assert result["ranges"] == [[0, 9], [13, 21]]  # inflected forms; "ei" is too short to mark
    assert result["filled"] == {"text": "Hei <b>Aino</b>! Tilaus {{ order.id }}.", "missing": ["order.id"], "holes": [[24, 38]]}
    assert result["images"] == 0 and result["html"] == '<mark class="hit">&lt;img </mark>src=x onerror=alert(1)&gt; paketti'
    assert result["fallback"] == ["1 vastaus", "2 vastausta", "Not translated"]
    assert result["broken"] == "Insert"


def test_the_demo_explains_itself_in_the_interface_language(page, sample_server):
    open_demo(page, sample_server, "demo-48213", ui="fi")
    wait_for_results(page, 1, "suggest")
    intro = page.locator("#intro")
    page.wait_for_function("() => document.querySelector('#intro-title').textContent === 'Tietoa demosta'")
    assert intro.is_visible()
    text = intro.inner_text()
    assert "Vastaus ehdottaa" in text and "Enter" in text and "käyttökieli" in text
    # It never covers the conversation or the panel: it stands in the inbox column.
    box, thread = intro.bounding_box(), page.locator("#thread").bounding_box()
    assert box["x"] + box["width"] <= thread["x"]
    page.select_option("#ui-lang", "et")
    page.wait_for_function("() => document.querySelector('#intro-title').textContent === 'Demost lähemalt'")
    assert page.locator("#intro-toggle").get_attribute("aria-label") == "Demost lähemalt"
    page.locator("#intro-close").click()
    assert not intro.is_visible()
    assert page.locator("#intro-toggle").get_attribute("aria-expanded") == "false"
    page.reload()
    wait_for_results(page, 1, "suggest")
    assert not intro.is_visible()  # closed stays closed
    page.locator("#intro-toggle").click()
    assert intro.is_visible()


def test_the_demo_refuses_to_send_unfilled_placeholders(page, sample_server):
    open_demo(page, sample_server, "demo-48213", ui="fi")
    wait_for_results(page, 1, "suggest")
    before = page.locator("#thread li").count()
    reply = page.locator("#reply")
    reply.fill("Hei Aino! Alueella {{outage.area}} on häiriö, korjaus valmistuu klo {{outage.next_update}}.")
    page.locator("button.send").click()
    error = page.locator("#composer-error")
    assert error.is_visible()
    assert error.inner_text() == "Täydennä ennen lähettämistä: {{outage.area}}, {{outage.next_update}}"
    assert reply.get_attribute("aria-invalid") == "true"
    assert page.locator("#thread li").count() == before  # nothing sent
    assert page.evaluate("() => { const r = document.querySelector('#reply'); "
                         "return r.value.slice(r.selectionStart, r.selectionEnd); }") == "{{outage.area}}"
    reply.fill("Hei Aino! Alueella Tampere on häiriö, korjaus valmistuu klo 14.30.")
    assert not error.is_visible()  # the message goes as soon as nothing is left to fill in
    page.locator("button.send").click()
    assert page.locator("#thread li").count() == before + 1
    assert page.locator("#thread li").last.inner_text().endswith("korjaus valmistuu klo 14.30.")


def test_a_placeholder_field_updates_the_length_counter(page, sample_server):
    """On Twitter (280 characters) the counter follows what the agent types into the field for
    {{outage.next_update}}, and the service then writes the time the Finnish way."""
    open_demo(page, sample_server, "demo-48213", ui="fi")
    wait_for_results(page, 1, "suggest")
    search = page.locator(f"{PANEL} input[role=combobox]")
    search.fill("tilannepäivitys")
    wait_for_results(page, 1, "search")
    page.locator(f"{PANEL} [role=option][data-id='outage/status-update'][aria-selected=true]").wait_for()
    active = page.locator(f"{PANEL} .option.active")
    length = active.locator(".badge.length")
    before = int(length.inner_text().split(" / ")[0])
    assert length.inner_text().endswith(" / 280")
    field = active.locator(".fields input[data-variable='outage.next_update']")
    assert field.get_attribute("type") == "time"
    field.focus()
    page.keyboard.type("1430")
    expected = before - len("{{outage.next_update}}") + len("14.30")
    page.wait_for_function("""([expected]) => {
      const badge = document.querySelector('vastaus-panel').shadowRoot.querySelector('.option.active .badge.length');
      return badge.textContent === `${expected} / 280`;
    }""", arg=[expected])
    active.locator(".full", has_text="klo 14.30").wait_for()  # the service's rendering, Finnish time


def test_typing_before_the_first_conversation_is_searched(page, sample_server):
    """The extension opens its panel before the conversation reaches it: what the agent types in
    between is searched once the conversation arrives, not lost (the search box was live already)."""
    page.goto(sample_server + DEMO)
    page.evaluate("""async () => {
      await customElements.whenDefined('vastaus-panel');
      const panel = document.createElement('vastaus-panel');
      panel.id = 'early';
      document.body.prepend(panel);
      const input = panel.shadowRoot.querySelector('input[role=combobox]');
      input.value = 'lasku';
      input.dispatchEvent(new Event('input'));
      await new Promise((resolve) => setTimeout(resolve, 300));  // longer than the search's pause
      window.__early = [];
      panel.addEventListener('vastaus-results', (event) => window.__early.push(event.detail));
      await panel.configure({apiBase: '', uiLang: 'fi', conversation: {id: 'early-1', lastMessage: ''}});
    }""")
    page.wait_for_function("() => window.__early.some((r) => r.source === 'search' && r.query === 'lasku')")
    assert page.locator("#early input[role=combobox]").input_value() == "lasku"
    assert page.locator("#early [role=option]").first.get_attribute("data-id").startswith("billing/")
