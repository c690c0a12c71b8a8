"""Outage mode end to end (#14): an incident declared, updated and ended with the real ``kb
incident`` command reaches the demo panel of a real ``kb serve`` (SQLite beside the index) in
Debian's Chromium: the banner, the incident's reply first with the area filled for Finnish,
Estonian and English outage messages and for no others, the reminder once the promised time
has passed, and the resolved reply after the end.

The browser's clock is Playwright's, paused: the panel's poll and the reminder's timer run when
the test moves the clock on, never on a race with the wall clock; the service runs on real time.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
import sys
import time
import zoneinfo

import pytest
from conftest import REPO, SAMPLE
from support.api_support import AGENT_SECRET, bearer, http, live_server
from support.browser_support import PANEL, PLUGIN, copy_plugin, panel_options, warm_up
from test_plugin_adapters import load
from test_plugin_demo import open_demo, screenshot, wait_for_results

pytest_plugins = ("support.browser_support",)
pytestmark = [pytest.mark.browser, pytest.mark.live_server]

HELSINKI = zoneinfo.ZoneInfo("Europe/Helsinki")  # the service's default time zone (KB_TIMEZONE)
ESTONIAN = "Levi puudub ja kõned katkevad pidevalt. Mis teil toimub?"
ENGLISH = "No signal at all and my broadband is down too. What is going on?"
CONFIGURE = """async ([id, message, token]) => {
  await document.getElementById('panel').configure({apiBase: '', token, uiLang: 'fi', onInsert: () => {},
    conversation: {id, lastMessage: message, customer: {first_name: 'Kadri'}, agent: {first_name: 'Mikko'}, channel: 'chat'}});
}"""


@pytest.fixture(scope="module")
def outage_server(tmp_path_factory):
    """``kb serve`` on the sample knowledge base with a database of its own (incidents persist),
    requiring an API token, with a plugin folder that also holds the built helpdesk apps."""
    work = tmp_path_factory.mktemp("outage-serve")
    index = work / "index"
    plugin = copy_plugin(work / "plugin")
    zendesk = None
    if shutil.which("npm"):
        zendesk = load(PLUGIN / "zendesk" / "package.py").build_tree(plugin / "zendesk" / "dist")
    load(PLUGIN / "freshdesk" / "package.py").build_tree(plugin / "freshdesk" / "dist")
    load(PLUGIN / "extension" / "package.py").build_tree(plugin / "extension" / "dist")
    env = {"KB_TOKENS": f"agent:{AGENT_SECRET}"}
    with live_server(work, SAMPLE, index, "--plugin-dir", str(plugin), "--workers", "1", env=env) as base:
        warm_up(base, AGENT_SECRET)
        yield {"base": base, "index": index, "zendesk": zendesk}


def kb_incident(server, *args: str) -> dict:
    """``kb incident ...`` as a team lead runs it, on the server's database; its JSON output."""
    command = [sys.executable, "-m", "kb.cli", "incident", *args, "--responses", str(SAMPLE),
               "--index", str(server["index"]), "--format", "json"]
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def listed(server, incident: dict) -> float:
    """Wait until GET /incidents shows *incident* as the command left it; the seconds it took."""
    started = time.monotonic()
    while True:
        status, _headers, body = http("GET", server["base"] + "/api/v1/incidents", headers=bearer(AGENT_SECRET))
        assert status == 200
        shown = {i["id"]: i for i in json.loads(body)["incidents"]}
        mine = shown.get(incident["id"])
        if mine and mine["updated_at"] == incident["updated_at"] and mine["state"] == incident["state"]:
            return time.monotonic() - started
        assert time.monotonic() - started < 15, f"the service does not list {incident} yet: {shown}"
        time.sleep(0.1)


def in_minutes(minutes: int) -> str:
    return (datetime.datetime.now(HELSINKI) + datetime.timedelta(minutes=minutes)).strftime("%H:%M")


def finnish(hhmm: str) -> str:
    """A time as the Finnish interface writes it: 9.05, 14.30."""
    hours, minutes = hhmm.split(":")
    return f"{int(hours)}.{minutes}"


def shadow(page, selector: str) -> str:
    return f"() => document.querySelector('{PANEL}').shadowRoot.querySelector({json.dumps(selector)})"


def first_reply(page) -> tuple[str | None, str]:
    first = panel_options(page).first
    return first.get_attribute("data-id"), first.locator(".full").inner_text()


def configure(page, conversation: str, message: str) -> None:
    page.evaluate(CONFIGURE, [conversation, message, AGENT_SECRET])


def test_an_incident_from_the_command_line_in_the_demo_panel(page, outage_server):
    base = outage_server["base"]
    page.clock.install()
    open_demo(page, base, "demo-48213", ui="fi", token=AGENT_SECRET)  # Aino in Tampere: the network is down
    page.clock.pause_at(datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=1))
    wait_for_results(page, 1, "suggest")
    banner = page.locator(f"{PANEL} .incidents")
    assert banner.is_hidden()
    assert page.locator(f"{PANEL} .group.pinned").count() == 0  # no incident: nothing pinned

    # Declared: the service lists it within seconds, and the open panel shows it at its next poll.
    declared = kb_incident(outage_server, "start", "--area", "Tampere", "--next-update", in_minutes(2),
                           "--note", "Kaapelivaurio Hervannassa, asentajat paikalla.")
    seconds = listed(outage_server, declared)
    page.clock.fast_forward("00:21")
    card = page.locator(f"{PANEL} .incidents .incident.active")
    card.wait_for()
    print(f"\nincident declared -> listed by the service in {seconds:.1f} s; the panel shows it at its next poll (every 20 s)")
    assert card.locator(".incident-title").inner_text() == "Häiriö: Tampere"
    assert card.locator(".incident-next").inner_text().startswith("Seuraava tilannepäivitys luvattu klo ")
    assert card.locator(".incident-note").inner_text() == "Kaapelivaurio Hervannassa, asentajat paikalla."
    assert page.locator(f"{PANEL} .incident-overdue").count() == 0
    # The open conversation is about it: its suggestions are asked for again, the incident's reply first.
    page.wait_for_function(shadow(page, "[role=option]") + "?.dataset.id === 'outage/acknowledge'")
    reply_id, text = first_reply(page)
    assert "Alueella Tampere on" in text and "{{outage.area}}" not in text  # Twitter: the short text
    assert page.locator(f"{PANEL} .group.pinned [role=option]").count() == 1

    # The demo's Estonian and English outage messages: the same reply first, the area filled in.
    for conversation, start in (("demo-48245", "Tere, Mari! Kahjuks on piirkonnas Tampere"),
                                ("demo-48251", "Hi Emma, sorry about this: there's currently a disruption in Tampere")):
        page.locator(f"[data-conversation={conversation}]").click()
        page.wait_for_function(shadow(page, "[role=option] .full") + f"?.textContent.startsWith({json.dumps(start)})")
        assert first_reply(page)[0] == "outage/acknowledge", conversation
    # ... and other ones, in any conversation the panel is configured with.
    for conversation, message, start in (("outage-et", ESTONIAN, "Tere, Kadri! Kahjuks on piirkonnas Tampere"),
                                         ("outage-en", ENGLISH, "Hi Kadri, sorry about this: there's currently a disruption in Tampere")):
        configure(page, conversation, message)
        reply_id, text = first_reply(page)
        assert reply_id == "outage/acknowledge", conversation
        assert text.startswith(start), text
    # A bill: its usual suggestions, nothing pinned.
    page.locator("[data-conversation=demo-48231]").click()  # James: fees on his invoice
    page.wait_for_function(shadow(page, "[role=option]") + "?.dataset.id?.startsWith('billing/')")
    assert page.locator(f"{PANEL} .group.pinned").count() == 0
    assert page.locator(f"{PANEL} .incidents .incident.active").count() == 1  # the banner stays for every ticket

    # The promised time passes: the reminder, by the browser's clock.
    page.clock.fast_forward("05:00")
    reminder = page.locator(f"{PANEL} .incident-overdue")
    reminder.wait_for()
    assert reminder.inner_text().startswith("Seuraavaa tilannepäivitystä luvattiin klo ")
    assert finnish(declared["next_update"]) in reminder.inner_text()
    page.locator("[data-conversation=demo-48213]").click()
    page.wait_for_function(shadow(page, "[role=option]") + "?.dataset.id === 'outage/acknowledge'")
    screenshot(page, "outage")  # docs/agents.rst: the banner, the reminder and the pinned reply

    # Updated with a new time: gone at the next poll.
    updated = kb_incident(outage_server, "update", str(declared["id"]), "--next-update", in_minutes(120))
    listed(outage_server, updated)
    page.clock.fast_forward("00:21")
    page.wait_for_function(f"() => !document.querySelector('{PANEL}').shadowRoot.querySelector('.incident-overdue')")
    assert card.locator(".incident-next").inner_text().endswith(finnish(updated["next_update"]))

    # Ended: a calm banner, and outage messages get the resolved reply first.
    ended = kb_incident(outage_server, "end", str(declared["id"]))
    listed(outage_server, ended)
    page.clock.fast_forward("00:21")
    page.locator(f"{PANEL} .incidents .incident.resolved").wait_for()
    assert page.locator(f"{PANEL} .incident.resolved .incident-title").inner_text() == "Korjattu: Tampere"
    assert page.locator(f"{PANEL} .incident-overdue").count() == 0
    for conversation in ("demo-48213", "demo-48245", "demo-48251"):
        page.locator(f"[data-conversation={conversation}]").click()
        page.wait_for_function(shadow(page, "[role=option]") + "?.dataset.id === 'outage/resolved'")
    for conversation, message in (("outage-et-2", ESTONIAN), ("outage-en-2", ENGLISH)):
        configure(page, conversation, message)
        assert first_reply(page)[0] == "outage/resolved", conversation


def test_every_adapter_shows_the_banner_in_the_agents_language(page, outage_server):
    """Zendesk, Freshdesk, Chatwoot and the extension, each in its harness (the host's protocol;
    see test_plugin_adapters.py): the same banner, from the same API, in the agent's language."""
    base = outage_server["base"]
    declared = kb_incident(outage_server, "start", "--area", "Oulu", "--note", "Sähkökatko tukiasemalla.")
    listed(outage_server, declared)
    freshdesk = (PLUGIN / "freshdesk" / "test-appclient.js").read_text(encoding="utf-8")
    page.route(lambda url: url.endswith("/app/%7B%7B%7Bappclient%7D%7D%7D"), lambda route: route.fulfill(
        body=freshdesk, content_type="application/javascript"))
    host = base.removeprefix("http://")
    harnesses = [
        ("freshdesk", f"/plugin/freshdesk/test-harness.html?app=dist/app/index.html&host={host}&protocol=http"
                      f"&token={AGENT_SECRET}&lang=et", "#app", "Rike: Oulu"),
        ("chatwoot", f"/plugin/chatwoot/test-harness.html?lang=en&token={AGENT_SECRET}", "#app", "Outage: Oulu"),
        ("extension", f"/plugin/extension/test-harness.html?ext=dist/&token={AGENT_SECRET}&lang=et",
         "#vastaus-extension iframe", "Rike: Oulu"),
    ]
    if outage_server["zendesk"] is not None:  # its SDK comes from npm
        harnesses.append(("zendesk", f"/plugin/zendesk/test-harness.html?token={AGENT_SECRET}&locale=fi", "#app",
                          "Häiriö: Oulu"))
    shown = []
    for name, address, frame, title in harnesses:
        page.goto(base + address)
        if name == "extension":
            page.wait_for_function("() => window.vastausExtension")
            page.locator("#reply").click()
            page.keyboard.press("Alt+Shift+V")
        app = page.frame_locator(frame)
        card = app.locator(f"{PANEL} .incidents .incident.active[data-incident='{declared['id']}']")
        card.wait_for()
        assert card.locator(".incident-title").inner_text() == title, name
        assert card.locator(".incident-note").inner_text() == "Sähkökatko tukiasemalla.", name
        shown.append(name)
    print(f"\nthe banner shows in: {', '.join(shown)}")
    kb_incident(outage_server, "end", str(declared["id"]))
