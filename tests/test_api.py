"""The API's endpoints through the Flask test client, on a tiny knowledge base in tmp_path."""

from __future__ import annotations

import json
import threading

import pytest
from conftest import write_reply
from support.api_support import ESCALATION

from kb.search.indexing import index_kb
from kb.search.service import SearchService

pytest_plugins = ("support.apikit",)


def test_search_answers_like_the_search_service(client, api_kb, index_dir):
    response = client.get("/api/v1/search?q=lasku&lang=en&limit=3")
    assert response.status_code == 200 and response.is_json
    from kb.content.kbyaml import load_settings

    service = SearchService(index_dir, load_settings(api_kb))
    try:
        answer = response.get_json()
        assert len(answer.pop("search_id")) == 32  # names the answer in POST /api/v1/events (tests/test_usage.py)
        assert answer == json.loads(json.dumps(service.search("lasku", lang="en", limit=3)))
    finally:
        service.close()
    assert response.get_json()["results"][0]["title"] == "Title"


def test_search_on_a_limited_channel_uses_the_short_variant(client):
    result = client.get("/api/v1/search?q=paketti&channel=twitter").get_json()["results"][0]
    assert result["id"] == "delivery/tracking" and result["variant"] == "short"


@pytest.mark.parametrize("query,status,code", [
    ("", 400, "bad_request"),  # no q at all
    ("q=lasku&lang=sv", 422, "invalid"),
    ("q=lasku&channel=fax", 422, "invalid"),
    ("q=lasku&limit=0", 422, "invalid"),
    ("q=lasku&limit=51", 422, "invalid"),
    ("q=lasku&limit=many", 400, "bad_request"),
    ("q=" + "a" * 501, 414, "query_too_long"),
])
def test_search_refuses_bad_parameters(client, query, status, code):
    response = client.get("/api/v1/search?" + query)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code and response.get_json()["error"]["message"]


def test_query_of_exactly_the_limit_is_fine(client):
    assert client.get("/api/v1/search?q=" + "a" * 500).status_code == 200


def test_suggest_detects_the_language_and_finds_the_escalation(client):
    response = client.post("/api/v1/suggest", json={
        "message": "Pakettini on kadonnut ja jos ette auta, otan yhteyttä lakimieheen!"})
    data = response.get_json()
    assert response.status_code == 200
    assert data["detected_lang"] == "fi" and data["lang"] == "fi"
    [escalation] = data["escalations"]
    assert escalation["id"] == "escalation/legal" and escalation["matched"] == ["lakimies"]
    assert escalation["body"].startswith("Hei! Välitämme asiasi")  # the approved wording, unchanged
    assert escalation["approval"]["by"] == "Viestintä ja lakiasiat" and escalation["version"] == 1
    assert "escalation/legal" not in [r["id"] for r in data["results"]]
    assert data["results"][0]["id"] == "delivery/tracking"


@pytest.mark.parametrize("message,lang,phrase", [
    ("I will sue you if my parcel is not here tomorrow", "en", "sue you"),
    ("Kui pakk homme ei tule, pöördun advokaadi poole", "et", "advokaat"),
    ("Jos laskua ei korjata, haastan oikeuteen koko yhtiön", "fi", "haastaa oikeuteen"),
])
def test_suggest_in_every_language(client, message, lang, phrase):
    data = client.post("/api/v1/suggest", json={"message": message}).get_json()
    assert data["detected_lang"] == lang
    assert data["escalations"][0]["matched"] == [phrase]
    assert data["escalations"][0]["lang"] == lang


def test_suggest_with_a_language_given_does_not_detect(client):
    data = client.post("/api/v1/suggest", json={"message": "lawyer", "lang": "et", "limit": 1}).get_json()
    assert data["detected_lang"] is None and data["lang"] == "et"
    assert data["escalations"][0]["title"] == "Õiguslikud ähvardused"


def test_suggest_without_triggers_has_no_escalations(client):
    data = client.post("/api/v1/suggest", json={"message": "Missä laskuni on?", "channel": "chat"}).get_json()
    assert data["escalations"] == [] and data["results"][0]["id"] == "billing/invoice"


@pytest.mark.parametrize("body,status", [
    ({}, 400),
    ({"message": 5}, 400),
    ({"message": "   "}, 422),
    ({"message": "x" * 10_001}, 422),
    ({"message": "hei", "lang": "sv"}, 422),
    ({"message": "hei", "limit": True}, 400),
    ({"message": "hei", "colour": "red"}, 422),
])
def test_suggest_refuses_bad_bodies(client, body, status):
    assert client.post("/api/v1/suggest", json=body).status_code == status


def test_snippet_with_every_language_and_staleness(client):
    data = client.get("/api/v1/snippets/delivery/tracking?lang=et").get_json()
    assert set(data["texts"]) == {"fi", "et", "en"}
    assert data["stale"] == {"fi": False, "et": True, "en": False}
    assert data["version"] == 2 and data["guidance"]["fi"].startswith("Tarkista")
    assert data["display"]["lang"] == "et" and data["display"]["stale"] is True
    assert data["display"]["guidance"] == "Tarkista tilausnumero ennen vastaamista."  # no et guidance: source


def test_escalation_snippet_shows_approval_and_triggers(client):
    data = client.get("/api/v1/snippets/escalation/legal").get_json()
    assert data["approval"]["digest"].startswith("sha256:") and data["triggers"]["en"] == ["lawyer", "sue you"]
    assert "display" not in data


def test_unknown_snippet_is_404(client):
    response = client.get("/api/v1/snippets/nothing/here")
    assert response.status_code == 404 and "nothing/here" in response.get_json()["error"]["message"]
    assert client.get("/api/v1/snippets/billing/invoice?lang=xx").status_code == 422


def render(client, **body):
    return client.post("/api/v1/render", json=body)


def test_render_fills_known_values_and_keeps_missing_ones(client):
    data = render(client, id="delivery/tracking", lang="fi", variables={"customer.first_name": "Aino"}).get_json()
    assert data["text"] == "Hei Aino! Pakettisi {{order.id}} on matkalla. Seurantakoodi on {{order.tracking_code}}."
    assert data["missing"] == ["order.id", "order.tracking_code"] and data["used"] == ["customer.first_name"]
    assert data["limit"] is None and data["over_limit"] is False and data["length"] == len(data["text"])


def test_render_uses_the_short_variant_and_checks_the_limit(client):
    values = {"order.id": "700123456", "order.tracking_code": "JJFI64512300012345678"}
    data = render(client, id="delivery/tracking", lang="en", channel="twitter", variables=values).get_json()
    assert data["variant"] == "short" and data["limit"] == 280 and data["over_limit"] is False
    assert data["text"] == "Parcel 700123456 is on its way, code JJFI64512300012345678."
    sms = render(client, id="delivery/tracking", lang="fi", channel="sms", variables=values).get_json()
    assert sms["channel_allowed"] is False and sms["limit"] == 160


def test_render_reports_over_limit(client, api_kb, index_dir):
    path = api_kb / "delivery" / "tracking.yaml"
    path.write_text(path.read_text().replace("    short: Paketti", "    short: " + "Pitkä " * 30 + "Paketti"))
    index_kb(api_kb, index_dir)
    data = render(client, id="delivery/tracking", lang="fi", channel="sms").get_json()
    assert data["over_limit"] is True and data["length"] > 160


def test_render_never_evaluates_values(client):
    values = {"customer.first_name": "<b>{{order.id}}</b>%(x)s{0}", "order.id": "{{links.chat}}"}
    data = render(client, id="delivery/tracking", lang="fi", variables=values).get_json()
    assert data["text"].startswith("Hei <b>{{order.id}}</b>%(x)s{0}! Pakettisi {{links.chat}} on")
    assert data["missing"] == ["order.tracking_code"]


def test_empty_values_count_as_missing(client):
    data = render(client, id="outage/known", lang="fi", variables={"customer.first_name": " "}).get_json()
    assert data["missing"] == ["customer.first_name"] and data["text"].startswith("Hei {{customer.first_name}}!")


def test_render_fills_kb_yaml_defaults(client, api_kb, index_dir):
    path = api_kb / "outage" / "known.yaml"
    text = path.read_text().replace("Hei {{customer.first_name}}!", "Hei {{customer.first_name}}, {{company.name}} tässä!")
    path.write_text(text.replace("Tekst.", "Tekst {{company.name}}.").replace("Text.", "Text {{company.name}}."))
    index_kb(api_kb, index_dir)
    data = render(client, id="outage/known", lang="fi", variables={"customer.first_name": "Aino"}).get_json()
    assert data["text"].startswith("Hei Aino, Esimerkki Oy tässä!") and data["missing"] == []
    data = render(client, id="outage/known", lang="en", variables={"company.name": "Muu Oy"}).get_json()
    assert "Text Muu Oy." in data["text"] and data["missing"] == ["customer.first_name"]


@pytest.mark.parametrize("variables,fragment", [
    ({"customer.first_name": "x" * 31}, "customer.first_name"),
    ({"customer.nickname": "Ai"}, "customer.nickname"),
    ({"customer.first_name": 5}, "customer.first_name"),
    (["Aino"], "variables"),
])
def test_render_refuses_bad_variables(client, variables, fragment):
    response = render(client, id="delivery/tracking", lang="fi", variables=variables)
    assert response.status_code == 422 and fragment in response.get_json()["error"]["message"]


def test_render_errors(client):
    assert render(client, id="nothing", lang="fi").status_code == 404
    assert render(client, id="billing/invoice", lang="sv").status_code == 422
    assert render(client, id="billing/invoice").status_code == 400
    assert render(client, id=5, lang="fi").status_code == 400
    assert render(client, id="billing/invoice", lang="fi", channel="fax").status_code == 422


def test_health_and_version(client, index_dir):
    health = client.get("/api/v1/health").get_json()
    assert {key: health[key] for key in ("status", "snippets", "stale", "problems", "problem_count")} == {
        "status": "ok", "snippets": 4, "stale": False, "problems": [], "problem_count": 0}
    sqlite = "sqlite:///" + str(index_dir.with_name(index_dir.name + ".usage.sqlite"))
    assert health["database"]["url"] == sqlite and health["rate_limits"]["storage"] == "memory://"
    assert health["rate_limits"]["shared"] is False and health["usage"] == {"recording": True, "held": 0, "dropped": 0}
    data = client.get("/api/v1/version").get_json()
    assert data["snippets"] == {"total": 4, "reply": 3, "escalation": 1}
    assert data["channels"]["twitter"] == 280 and data["channels"]["email"] is None
    # kb.yaml's variables, for the panel's fields: format, length, description, example, default.
    assert data["variables"]["outage.next_update"]["format"] == "time"
    assert data["variables"]["order.tracking_code"] == {
        "format": None, "max_length": 24, "description": "Parcel tracking code", "example": "JJFI64512300012345678",
        "default": None}
    assert data["variables"]["company.name"]["default"] == "Esimerkki Oy"
    assert data["revision"] is None  # tmp_path is not a git checkout
    assert data["index"]["built_at"].endswith("Z") and data["index"]["updated_at"] >= data["index"]["built_at"]


def test_version_reports_the_git_revision(client, api_kb):
    import subprocess

    git = ["git", "-C", str(api_kb), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "content"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    assert client.get("/api/v1/version").get_json()["revision"] == head


def test_health_without_an_index_is_503(make_app, tmp_path):
    response = make_app(INDEX=str(tmp_path / "no-index")).test_client().get("/api/v1/health")
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "index_unavailable"


def test_metrics_count_requests_by_endpoint_and_status(client):
    client.get("/api/v1/search?q=lasku")
    client.get("/api/v1/search?q=lasku&lang=xx")
    client.get("/api/v1/no/such/thing")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'kb_http_requests_total{endpoint="search.search",method="GET",status="200"} 1.0' in text
    assert 'kb_http_requests_total{endpoint="search.search",method="GET",status="422"} 1.0' in text
    assert 'endpoint="unmatched",method="GET",status="404"' in text
    assert 'kb_http_request_duration_seconds_bucket{endpoint="search.search"' in text


def test_openapi_document_describes_this_knowledge_base(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.0")
    assert set(doc["paths"]) == {"/api/v1/search", "/api/v1/suggest", "/api/v1/snippets/{id}", "/api/v1/render",
                                 "/api/v1/reload", "/api/v1/events", "/api/v1/insights", "/api/v1/health",
                                 "/api/v1/version", "/api/v1/openapi.json",
                                 "/api/v1/i18n/{lang}", "/api/v1/snippets/{id}/history", "/api/v1/incidents",
                                 "/api/v1/incidents/{id}", "/api/v1/incidents/{id}/end"}
    render_schema = doc["components"]["schemas"]["RenderRequest"]
    assert render_schema["properties"]["lang"]["enum"] == ["fi", "et", "en"]
    assert render_schema["properties"]["variables"]["properties"]["customer.first_name"]["maxLength"] == 30
    assert "security" not in doc  # no tokens configured


def test_openapi_document_is_valid():
    from conftest import SAMPLE
    from openapi_spec_validator import validate

    from kb.api.openapi import document
    from kb.content.kbyaml import load_settings

    validate(document(load_settings(SAMPLE), 500, 10_000, tokens_required=True))


def test_reload_updates_and_reports_counts(client, api_kb):
    (api_kb / "billing" / "refund.yaml").write_text(
        (api_kb / "billing" / "invoice.yaml").read_text().replace("billing/invoice", "billing/refund")
        .replace("Laskun selitys", "Hyvitys kissalle"))
    data = client.post("/api/v1/reload").get_json()
    assert data["snippets"] == 5 and data["changed"] == 1 and data["removed"] == 0
    assert client.get("/api/v1/search?q=kissalle").get_json()["results"][0]["id"] == "billing/refund"
    assert client.post("/api/v1/reload", json={"full": True}).get_json()["full"] is True
    assert client.post("/api/v1/reload", json={"full": "yes"}).status_code == 400


def test_reload_of_broken_content_is_refused_and_the_old_index_serves(client, api_kb):
    (api_kb / "billing" / "invoice.yaml").write_text("id: billing/invoice\ntexts: [broken\n")
    (api_kb / "outage" / "known.yaml").write_text(ESCALATION.replace("escalation/legal", "outage/known"))
    response = client.post("/api/v1/reload")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "kb_invalid" and "2 errors" in error["message"]
    problems = {(p["path"], p["code"]) for p in error["problems"]}
    assert problems == {("billing/invoice.yaml", "KB001"), ("outage/known.yaml", "KB025")}
    assert all(set(p) == {"path", "line", "code", "message"} for p in error["problems"])
    assert client.get("/api/v1/search?q=lasku").get_json()["results"][0]["id"] == "billing/invoice"


def test_searches_in_flight_survive_index_swaps(make_app, api_kb):
    """Full rebuilds swap the build under requests running in other threads: none may fail."""
    app = make_app()
    failures: list[str] = []
    stop = threading.Event()

    def searcher() -> None:
        client = app.test_client()
        while not stop.is_set():
            for path in ("/api/v1/search?q=lasku", "/api/v1/snippets/billing/invoice"):
                response = client.get(path)
                if response.status_code != 200:
                    failures.append(f"{path}: {response.status_code} {response.get_data(as_text=True)}")
            response = client.post("/api/v1/suggest", json={"message": "lakimies ja lasku"})
            if response.status_code != 200 or not response.get_json()["escalations"]:
                failures.append(f"suggest: {response.status_code}")

    threads = [threading.Thread(target=searcher) for _ in range(3)]
    for thread in threads:
        thread.start()
    reloader = app.test_client()
    try:
        for round_ in range(4):
            write_reply(api_kb, "billing/invoice", f"Laskun selitys {round_}", "Laskussasi on kuukausimaksu.")
            assert reloader.post("/api/v1/reload", json={"full": round_ % 2 == 0}).status_code == 200
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert failures == []


def test_changes_to_kb_yaml_apply_without_a_restart(client, api_kb):
    import os

    assert client.get("/api/v1/search?q=lasku&channel=whatsapp").status_code == 422
    settings = api_kb / "kb.yaml"
    settings.write_text(settings.read_text().replace("  email: null\n", "  email: null\n  whatsapp: 1000\n"))
    stat = settings.stat()
    os.utime(settings, (stat.st_atime, stat.st_mtime + 5))
    assert client.get("/api/v1/search?q=lasku&channel=whatsapp").status_code == 200
    data = render(client, id="billing/invoice", lang="fi", channel="whatsapp").get_json()
    assert data["limit"] == 1000


@pytest.mark.parametrize("lang,shown", [("fi", "klo 14.30"), ("et", "kell 14:30"), ("en", "by 2:30\u202fPM")])
def test_render_formats_typed_values_for_the_reply_language(client, api_kb, index_dir, lang, shown):
    path = api_kb / "outage" / "known.yaml"
    text = path.read_text().replace("korjaamme sitä.", "korjaamme sitä. Päivitämme klo {{outage.next_update}}.")
    text = text.replace("Tekst.", "Tekst kell {{outage.next_update}}.").replace("Text.", "Text by {{outage.next_update}}.")
    path.write_text(text)
    index_kb(api_kb, index_dir)
    data = render(client, id="outage/known", lang=lang, variables={"outage.next_update": "14:30"}).get_json()
    assert shown in data["text"]
    refused = render(client, id="outage/known", lang=lang, variables={"outage.next_update": "2pm"})
    assert refused.status_code == 422 and "14:30" in refused.get_json()["error"]["message"]


def test_plugin_strings_come_from_the_catalogs(client, tmp_path, monkeypatch):
    from kb import i18n

    po = tmp_path / "fi" / "LC_MESSAGES" / "plugin.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
                  '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
                  'msgid "Insert"\nmsgstr "Lisää"\n\n#, fuzzy\nmsgid "Copy"\nmsgstr "Kopioi"\n\n'
                  'msgid "%(n)s result"\nmsgid_plural "%(n)s results"\nmsgstr[0] "%(n)s tulos"\nmsgstr[1] "%(n)s tulosta"\n',
                  encoding="utf-8")
    data = i18n.plugin_messages("fi", tmp_path)
    assert data["messages"] == {"Insert": "Lisää", "%(n)s result": ["%(n)s tulos", "%(n)s tulosta"]}
    assert data["plural"] == "(n != 1)"
    response = client.get("/api/v1/i18n/fi-FI")
    assert response.status_code == 200 and response.get_json()["lang"] == "fi"
    assert client.get("/api/v1/i18n/sv").get_json()["lang"] == "en"
