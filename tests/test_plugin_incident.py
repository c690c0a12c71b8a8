"""Outage mode in the panel (plugin/core/incident.js), in Debian's Chromium: the helpers, and a
panel fed the API's answers by a transport in the page, so every case (malformed answers, HTML
in an area, a reminder that comes due, an update with a new time) can be set up exactly.
The same against a real ``kb serve`` and the ``kb incident`` command is in test_plugin_outage.py."""

from __future__ import annotations

import pytest

pytest_plugins = ("support.browser_support",)
pytestmark = [pytest.mark.browser, pytest.mark.live_server]

DEMO = "/plugin/demo/index.html"

HELPERS = """async () => {
  const m = await import('/plugin/core/incident.js');
  const good = {id: 7, area: 'Tampere', state: 'active', next_update: '14:30', next_update_at: '2026-12-01T14:30:00+02:00',
                note: 'Kaapelivaurio', reply: 'outage/acknowledge', updated_at: '2026-12-01T13:00:00+02:00'};
  const list = m.incidentsFrom({incidents: [
    {...good, id: 8, state: 'winding_down'},
    good, {id: 9, area: '', state: 'active'}, {id: 10, area: 'Oulu', state: 'exploded'}, null, 'text',
    {...good, id: 11, next_update: '25:99'}]});
  const at = Date.parse('2026-12-01T12:30:00Z');
  const seen = (id) => ({7: 1, 11: 1, 8: 3})[id];
  const box = document.createElement('div');
  const shownList = [{...list[0], area: '<img src=x onerror="window.__xss=1">', note: '<b>note</b>'}];
  m.renderBanner(box, shownList, at);
  const card = box.firstChild;
  m.renderBanner(box, shownList, at + 1000);  // the same words: the live region is left alone
  const kept = box.firstChild === card;
  m.renderBanner(box, shownList, at - 1000);  // before the promised time: no reminder, redrawn
  const redrawn = box.firstChild !== card && !box.querySelector('[role=alert]');
  m.renderBanner(box, shownList, at);
  return {
    ids: list.map((i) => i.id), bad: m.incidentsFrom({incidents: 'no'}).length, noTime: list[1].next_update,
    due: [m.overdue(list[0], at - 1), m.overdue(list[0], at), m.overdue(list[1], at + 1e9), m.overdue(list[2], at + 1e9)],
    next: m.nextCheck(list, at - 1000), none: m.nextCheck(list, at),
    clock: ['fi', 'et', 'en'].map((lang) => m.clock('14:30', lang)).concat([m.clock('nonsense', 'fi')]),
    lines: m.bannerLines(list[0], at).map(([kind]) => kind), calm: m.bannerLines(list[2], at).map(([kind]) => kind),
    html: box.innerHTML.includes('&lt;img') && box.querySelectorAll('img, b').length === 0,
    alert: box.querySelector('[role=alert]')?.textContent, kept, redrawn,
    outdated: [
      m.outdated(list[0], null, list, seen),  // no suggestions yet: nothing to ask again
      m.outdated(list[0], 3, list, seen),  // nothing changed
      m.outdated(list[0], 3, [{...list[0], updated_at: 'later'}, list[1], list[2]], seen),  // updated
      m.outdated(list[0], 3, [list[1], list[2]], seen),  // gone
      m.outdated(null, 2, list, seen),  // 8 was declared after poll 2
      m.outdated(null, 0, [list[0], list[1]], seen),  // no poll before: the first one after (1) is what they knew
      m.outdated(null, 0, list, seen),  // ... and 8 came later
    ],
  };
}"""


def test_incident_helpers_in_the_browser(page, sample_server):
    page.goto(sample_server + DEMO)
    result = page.evaluate(HELPERS)
    assert result["ids"] == [7, 11, 8]  # active first; no area, an unknown state, not an object: left out
    assert result["noTime"] is None  # "25:99" is no time: the incident shows, without a next update
    assert result["bad"] == 0
    assert result["due"] == [False, True, False, False]  # due at 14:30 +02:00 by the clock; never without a time or once fixed
    assert result["next"] == 1796128200000 and result["none"] is None
    assert result["clock"] == ["14.30", "14:30", "2:30 PM", "nonsense"]
    assert result["lines"] == ["title", "next", "note", "overdue"]
    assert result["calm"] == ["title", "next", "note"]  # fixed: no reminder
    assert result["html"] is True
    assert result["kept"] is True and result["redrawn"] is True
    assert result["alert"].startswith("The next update was promised at 2:30 PM")
    assert result["outdated"] == [False, False, True, True, True, False, True]


# A panel in the demo page with a transport that answers like the API: /version and /i18n from
# the real service, /incidents and /suggest from window.__api, which the test changes.
FED_PANEL = """async ({lang, message}) => {
  const real = (await import('/plugin/core/api.js')).fetchTransport({uiLang: lang});
  window.__asked = [];
  window.__api = window.__api || {incidents: [], incident: null};
  const transport = async (request) => {
    const path = request.path.split('?')[0];
    window.__asked.push(path);
    if (path === '/api/v1/incidents') return {status: window.__api.down ? 503 : 200, data: {incidents: window.__api.incidents}};
    if (path === '/api/v1/suggest') {
      const incident = window.__api.incident;
      const results = [{id: 'billing/invoice', lang: 'fi', title: 'Lasku', body: 'Hei {{customer.first_name}}! Lasku.', version: 1}];
      if (incident) results.unshift({id: incident.reply, lang: 'fi', title: 'Häiriö', version: 2, pinned: true,
        body: 'Hei {{customer.first_name}}! Alueella {{outage.area}} on häiriö. Seuraava tiedote klo {{outage.next_update}}.'});
      return {status: 200, data: {detected_lang: 'fi', results, words: [], escalations: [], search_id: 's1',
        ...(incident ? {incident} : {})}};
    }
    return real(request);
  };
  await customElements.whenDefined('vastaus-panel');
  const panel = document.createElement('vastaus-panel');
  panel.id = 'fed';
  document.body.prepend(panel);
  await panel.configure({transport, uiLang: lang, preview: false, incidentPollMs: 20000,
    conversation: {id: 'fed-1', lastMessage: message, customer: {first_name: 'Aino'}, agent: {first_name: 'Mikko'}}});
}"""

FED = "#fed"
POLLS = "window.__asked.filter((p) => p === '/api/v1/incidents').length"


def incident(**changes):
    base = {"id": 3, "area": "Pirkanmaa", "state": "active", "next_update": "14:30",
            "next_update_at": "2026-12-01T14:30:00+02:00", "note": "Kaapeli katkesi <b>Nokialla</b>",
            "reply": "outage/acknowledge", "started_at": "2026-12-01T13:00:00+02:00", "ended_at": None,
            "updated_at": "2026-12-01T13:00:00+02:00"}
    return {**base, **changes}


def for_suggest(data):
    variables = {"outage.area": data["area"]}
    if data["next_update"]:
        variables["outage.next_update"] = data["next_update"]
    keys = ("id", "area", "next_update", "next_update_at", "note", "state", "reply", "updated_at")
    return {**{k: data[k] for k in keys}, "variables": variables}


def feed(page, incidents, about=None):
    page.evaluate("([incidents, incident]) => { window.__api = {incidents, incident}; }", [incidents, about])


def test_a_fed_panel_shows_the_incident_pins_its_reply_and_reminds(page, sample_server):
    page.clock.install(time="2026-12-01T12:00:00Z")  # 14:00 in Helsinki: the update is promised at 14:30
    page.goto(sample_server + DEMO)
    declared = incident()
    feed(page, [declared], for_suggest(declared))
    page.evaluate(FED_PANEL, {"lang": "en", "message": "Netti ei toimi Tampereella"})
    banner = page.locator(f"{FED} .incident")
    banner.wait_for()
    assert banner.locator(".incident-title").inner_text() == "Outage: Pirkanmaa"
    assert banner.locator(".incident-next").inner_text() == "Next update promised at 2:30 PM"
    assert banner.locator(".incident-note").inner_text() == "Kaapeli katkesi <b>Nokialla</b>"  # text, not markup
    assert page.locator(f"{FED} .incident-overdue").count() == 0
    # The incident's reply first, in its own group, with the area and time filled in.
    first = page.locator(f"{FED} [role=option]").first
    assert first.get_attribute("data-id") == "outage/acknowledge"
    assert "Outage" in first.locator(".badge.outage").inner_text()
    assert first.locator(".full").inner_text() == "Hei Aino! Alueella Pirkanmaa on häiriö. Seuraava tiedote klo 14:30."
    # ... as values the agent can still change: a field each, filled in.
    area = first.locator("input[data-variable='outage.area']")
    assert area.input_value() == "Pirkanmaa" and first.locator("input[data-variable='outage.next_update']").input_value() == "14:30"
    area.fill("Tampere")
    assert "Alueella Tampere on" in first.locator(".full").inner_text()
    area.fill("")  # emptied: the placeholder is the agent's to fill, not the incident's value again
    assert "{{outage.area}}" in first.locator(".full").inner_text()
    area.fill("Tampere")
    # The promised time passes: the reminder appears without any poll (the browser's clock).
    asked = page.evaluate("window.__asked.filter((p) => p === '/api/v1/incidents').length")
    feed(page, [declared], for_suggest(declared))
    page.evaluate("window.__api.down = true")  # polls fail from now on: what is shown stays
    page.clock.fast_forward("31:00")
    reminder = page.locator(f"{FED} .incident-overdue")
    reminder.wait_for()
    assert reminder.get_attribute("role") == "alert"
    assert reminder.inner_text().startswith("The next update was promised at 2:30 PM and no new time has been given.")
    assert banner.locator(".incident-title").inner_text() == "Outage: Pirkanmaa"
    assert page.evaluate("window.__asked.filter((p) => p === '/api/v1/incidents').length") > asked  # it did poll, and failed
    # Updated with a new time: the next poll clears the reminder, and the pinned reply follows.
    updated = incident(next_update="15:30", next_update_at="2026-12-01T15:30:00+02:00", updated_at="2026-12-01T14:31:00+02:00")
    feed(page, [updated], for_suggest(updated))
    page.clock.fast_forward("00:21")
    page.wait_for_function("""() => !document.querySelector('#fed').shadowRoot.querySelector('.incident-overdue')""")
    assert banner.locator(".incident-next").inner_text() == "Next update promised at 3:30 PM"
    page.wait_for_function("""() => document.querySelector('#fed').shadowRoot.querySelector('[role=option] .full')
        ?.textContent.endsWith('klo 15:30.')""")
    assert "Alueella Tampere on" in first.locator(".full").inner_text()  # what the agent typed stays
    # Ended: a calm banner, and the suggestions are asked for again (the resolved reply comes first).
    ended = incident(state="winding_down", next_update=None, next_update_at=None, reply="outage/resolved",
                     updated_at="2026-12-01T14:40:00+02:00")
    suggests = page.evaluate("window.__asked.filter((p) => p === '/api/v1/suggest').length")
    feed(page, [ended], for_suggest(ended))
    page.clock.fast_forward("00:21")
    page.locator(f"{FED} .incident.resolved").wait_for()
    assert page.locator(f"{FED} .incident.resolved .incident-title").inner_text() == "Fixed: Pirkanmaa"
    page.wait_for_function("""() => document.querySelector('#fed').shadowRoot.querySelector('[role=option]')
        ?.dataset.id === 'outage/resolved'""")
    assert page.evaluate("window.__asked.filter((p) => p === '/api/v1/suggest').length") == suggests + 1
    assert page.locator(f"{FED} .group.pinned .group-title").inner_text().lower() == "outage fixed: the reply everyone sends"
    # Gone after the wind-down: no banner.
    feed(page, [], None)
    page.clock.fast_forward("00:21")
    page.wait_for_function("() => document.querySelector('#fed').shadowRoot.querySelector('.incidents').hidden")


def test_a_new_incident_asks_for_the_suggestions_again_once(page, sample_server):
    page.clock.install()
    page.goto(sample_server + DEMO)
    feed(page, [], None)
    page.evaluate(FED_PANEL, {"lang": "fi", "message": "Netti ei toimi"})
    page.locator(f"{FED} [role=option]").first.wait_for()
    page.wait_for_function("window.__asked.includes('/api/v1/incidents')")
    assert page.locator(f"{FED} .incidents").is_hidden()
    declared = incident(next_update=None, next_update_at=None, note=None)
    feed(page, [declared], for_suggest(declared))
    page.clock.fast_forward("00:21")
    page.wait_for_function("""() => document.querySelector('#fed').shadowRoot.querySelector('[role=option]')
        ?.dataset.id === 'outage/acknowledge'""")
    title = page.locator(f"{FED} .incident-title").inner_text()
    assert title == "Häiriö: Pirkanmaa" or title == "Outage: Pirkanmaa"  # the catalog may still be loading
    assert page.locator(f"{FED} .incident-next").count() == 0  # no time promised: none shown
    first = page.locator(f"{FED} [role=option]").first
    assert first.locator("input[data-variable='outage.next_update']").input_value() == ""  # the agent's to fill
    for _ in range(2):  # the same incidents again: no more suggestions asked for
        polls = page.evaluate(POLLS)
        page.clock.fast_forward("00:21")
        page.wait_for_function(f"() => {POLLS} > {polls}")
    assert page.evaluate("window.__asked.filter((p) => p === '/api/v1/suggest').length") == 2


SHARED = """async () => {
  const { IncidentWatch } = await import('/plugin/core/incident.js');
  const memory = new Map();
  const store = { getItem: (k) => memory.get(k) ?? null, setItem: (k, v) => memory.set(k, String(v)) };
  const calls = [];
  const api = (name) => ({ incidents: async () => { calls.push(name);
    return { incidents: [{ id: 1, area: 'Tartu', state: 'active', updated_at: 'x' }] }; } });
  const seen = { a: [], b: [] };
  const a = new IncidentWatch((list) => seen.a.push(list.length));
  const b = new IncidentWatch((list) => seen.b.push(list.length));
  a.configure({ api: api('a'), key: 'k', intervalMs: 300000, store });
  await a.start();
  b.configure({ api: api('b'), key: 'k', intervalMs: 300000, store });  // the next ticket's frame
  await b.start();
  window.__watches = { a, b, calls, seen, memory };
  return { calls: [...calls], seen, stored: [...memory.keys()] };
}"""


def test_a_hosts_frames_share_one_answer(page, sample_server):
    """Freshdesk's way (incidentStore): the frames and tabs of one agent ask once per interval between them."""
    page.clock.install()
    page.goto(sample_server + DEMO)
    first = page.evaluate(SHARED)
    assert first["calls"] == ["a"]  # the second frame took the first one's answer
    assert first["seen"] == {"a": [1], "b": [1]}
    assert first["stored"] == ["vastaus:incidents"]  # one key, nothing of the service's address or token
    page.clock.fast_forward("05:01")  # both frames' timers are due: one of them asks, the other takes its answer
    page.wait_for_function("() => window.__watches.calls.length >= 2")
    page.clock.fast_forward("00:01")
    assert page.evaluate("window.__watches.calls.length") == 2
