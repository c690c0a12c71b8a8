"""Outage mode (kb/incidents/): declaring, updating and ending incidents through the command line
and the API, on SQLite and on a real PostgreSQL server, and what /suggest does with them: the
incident's reply pinned first for outage messages in Finnish, Estonian and English and for no
others, the resolved reply during the wind-down, escalations still first, and a database that is
down never stopping the suggestions. The per-incident figures of the report are checked last."""

from __future__ import annotations

import datetime
import json
import socket
from pathlib import Path

import pytest
from conftest import SAMPLE
from sqlalchemy import inspect, text
from support.api_support import ADMIN_SECRET, AGENT_SECRET, bearer, write_tokens_file

from kb.cli.main import main
from kb.incidents import store, times
from kb.search.indexing import index_kb
from kb.usage import db, schema

pytest_plugins = ("support.databases",)

ADMIN, AGENT = bearer(ADMIN_SECRET), bearer(AGENT_SECRET)
HELSINKI = times.zone("Europe/Helsinki")
OUTAGE = {
    "fi": ["Netti ei toimi taas Tampereella, mikä on?", "Moi! Onko teillä joku häiriö? Mobiiliverkko ei toimi "
           "ollenkaan ja puhelut katkeaa", "Ei kenttää Hervannassa, onko vika tiedossa?"],
    "et": ["Internet ei tööta juba tund aega, mis toimub?", "Tere, kas teil on rike? Levi pole ja kõned katkevad",
           "Miks mobiilivõrk Tallinnas maas on?"],
    "en": ["My internet is down since this morning, what's going on?", "Is there an outage? No signal at all and "
           "calls keep dropping", "Broadband not working in Tampere, any news?"],
}
OTHER = {  # billing, delivery, privacy
    "fi": ["Laskussani on outo käsittelymaksu, voitteko selittää?", "Missä mun paketti on? Tilasin viikko sitten",
           "Haluan että poistatte henkilötietoni"],
    "et": ["Miks mu arvel on nii suur summa?", "Kus mu pakk on? Tellisin nädal tagasi",
           "Palun kustutage minu isikuandmed"],
    "en": ["Why is my bill so high this month?", "Where is my parcel? I ordered a week ago",
           "Please delete my personal data"],
}


@pytest.fixture(scope="module")
def sample_index(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sample") / "index"
    index_kb(SAMPLE, folder)
    return folder


@pytest.fixture
def make_outage_app(sample_index: Path, tmp_path: Path):
    from kb.api import create_app

    apps = []

    def build(database_url: str, **config):
        app = create_app({"RESPONSES": str(SAMPLE), "INDEX": str(sample_index), "RATE_LIMIT": 0, "TESTING": True,
                          "TOKENS_FILE": str(write_tokens_file(tmp_path / "tokens.yaml")), "TOKENS_ENV": "",
                          "CORS_ORIGINS": "", "LOOPBACK": False, "PLUGIN_DIR": str(tmp_path / "no-plugin"),
                          "DATABASE_URL": database_url, **config})
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["vastaus_incidents"].close()
        app.extensions["vastaus"].close()


@pytest.fixture
def client(make_outage_app, database_url):
    return make_outage_app(database_url).test_client()


def suggest(client, message: str, **fields) -> dict:
    response = client.post("/api/v1/suggest", json={"message": message, **fields}, headers=AGENT)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def declare(client, **body) -> dict:
    response = client.post("/api/v1/incidents", json={"area": "Tampere", "next_update": "14:30", **body},
                           headers=ADMIN)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# -- times -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "clock"), [("14:30", "14:30"), ("9:05", "09:05"), ("14.30", "14:30"),
                                              (" 23:59 ", "23:59")])
def test_next_update_times_are_read_as_a_team_lead_types_them(typed: str, clock: str):
    assert times.parse_clock(typed) == clock


@pytest.mark.parametrize("typed", ["25:00", "14:60", "1430", "half past two", ""])
def test_a_time_that_is_not_hh_mm_says_what_to_type(typed: str):
    with pytest.raises(ValueError, match="HH:MM, for example 14:30"):
        times.parse_clock(typed)


def test_the_next_update_is_today_or_tomorrow_in_local_time():
    morning = datetime.datetime(2026, 12, 1, 8, 0)  # 10:00 in Helsinki (UTC+2)
    assert times.next_moment("14:30", HELSINKI, morning) == datetime.datetime(2026, 12, 1, 12, 30)
    assert times.next_moment("09:00", HELSINKI, morning) == datetime.datetime(2026, 12, 2, 7, 0)  # passed: tomorrow
    summer = datetime.datetime(2026, 7, 1, 8, 0)  # 11:00 in Helsinki (UTC+3)
    assert times.next_moment("14:30", HELSINKI, summer) == datetime.datetime(2026, 7, 1, 11, 30)
    assert times.iso(datetime.datetime(2026, 7, 1, 11, 30), HELSINKI) == "2026-07-01T14:30:00+03:00"


# -- the database ------------------------------------------------------------------------------

def test_a_database_of_migration_1_gets_the_incidents_and_keeps_its_searches(database_url: str):
    engine = db.open_engine(database_url, migrate_now=False)
    version, name, first = schema.MIGRATIONS[0]
    with engine.begin() as conn:
        assert db.schema_version(conn) == 0  # creates usage_schema
        first(conn)
        conn.execute(schema.schema_versions.insert().values(version=version, name=name, applied_at=db.now()))
        conn.execute(text("INSERT INTO usage_searches (id, at, kind, lang, result_ids, result_count, latency_ms) "
                          "VALUES ('old', CURRENT_TIMESTAMP, 'search', 'fi', '', 0, 1.0)"))
    assert db.migrate(engine) == schema.LATEST
    columns = {column["name"] for column in inspect(engine).get_columns("usage_searches")}
    assert "incident_id" in columns and inspect(engine).has_table("incidents")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id FROM usage_searches")).scalars().all() == ["old"]


def test_ended_incidents_go_with_the_usage_retention(database_url: str):
    from kb.usage.store import purge

    engine = db.open_engine(database_url)
    declaration = store.Declaration("Tampere", "", None, ("outage/acknowledge",))
    old = store.start(engine, declaration, HELSINKI, at=db.now() - datetime.timedelta(days=100))
    store.end(engine, old.id, at=db.now() - datetime.timedelta(days=95))
    kept = store.start(engine, declaration, HELSINKI, at=db.now() - datetime.timedelta(days=100))  # still active
    assert purge(engine, 90)["incidents"] == 1
    with pytest.raises(store.NotFound):
        store.get(engine, old.id)
    assert store.get(engine, kept.id).ended_at is None


# -- the command line --------------------------------------------------------------------------

def kb_incident(capsys, database_url: str, *args: str) -> tuple[int, str, str]:
    code = main(["incident", *args, "--responses", str(SAMPLE), "--database-url", database_url])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_command_line_declares_updates_lists_and_ends(capsys, database_url: str):
    code, out, _ = kb_incident(capsys, database_url, "start", "--area", "Tampere", "--next-update", "14.30",
                               "--note", "Masto   kaatui", "--format", "json")
    started = json.loads(out)
    assert code == 0 and started["area"] == "Tampere" and started["next_update"] == "14:30"
    assert started["reply"] == "outage/acknowledge" and started["state"] == "active" and started["note"] == "Masto kaatui"
    assert datetime.datetime.fromisoformat(started["next_update_at"]).utcoffset() is not None
    code, out, _ = kb_incident(capsys, database_url, "update", str(started["id"]), "--next-update", "15:00",
                               "--note", "")
    assert code == 0 and f"Incident {started['id']} (active): Tampere" in out and "15:00" in out
    assert "note:" not in out  # cleared
    code, out, _ = kb_incident(capsys, database_url, "list", "--format", "json")
    assert [item["next_update"] for item in json.loads(out)["incidents"]] == ["15:00"]
    code, out, _ = kb_incident(capsys, database_url, "end", str(started["id"]))
    assert code == 0 and "(winding down)" in out
    code, _, err = kb_incident(capsys, database_url, "end", str(started["id"]))
    assert code == 2 and f"Incident {started['id']} ended at" in err
    code, out, _ = kb_incident(capsys, database_url, "list", "--incident-wind-down-minutes", "0")
    assert code == 0 and "No incident is active or winding down." in out


@pytest.mark.parametrize(("args", "said"), [
    (("--reply", "outage/nothing"), "There is no reply 'outage/nothing' in the knowledge base"),
    (("--reply", "escalation/legal"), "There is no reply 'escalation/legal'"),  # an escalation is not a reply
    (("--next-update", "25:00"), "'25:00' is not a time of day: give the next update as HH:MM, for example 14:30"),
    (("--area", "T" * 41), "The area is 41 characters long; it may be at most 40"),
    (("--area", "   "), "The area is empty"),
])
def test_the_command_line_refuses_what_it_cannot_use(capsys, tmp_path: Path, args, said):
    url = "sqlite:///" + str(tmp_path / "usage.sqlite")
    code, out, err = kb_incident(capsys, url, "start", "--area", "Tampere", *args)
    assert code == 2 and said in err and not out
    assert store.current(db.open_engine(url), datetime.timedelta(hours=2)) == []  # nothing stored


def test_updating_an_incident_that_does_not_exist_says_so(capsys, tmp_path: Path):
    code, _, err = kb_incident(capsys, "sqlite:///" + str(tmp_path / "u.sqlite"), "update", "7", "--note", "x")
    assert code == 2 and "There is no incident 7." in err


# -- the API -----------------------------------------------------------------------------------

def test_the_api_declares_changes_and_ends_with_an_admin_token(client):
    started = declare(client, note="Masto kaatui")
    assert set(started) == {"id", "area", "next_update", "next_update_at", "note", "reply", "replies", "state",
                            "started_at", "ended_at", "updated_at"}
    listed = client.get("/api/v1/incidents", headers=AGENT).get_json()["incidents"]
    assert [item["id"] for item in listed] == [started["id"]]
    changed = client.patch(f"/api/v1/incidents/{started['id']}", json={"next_update": "16:00", "note": ""},
                           headers=ADMIN)
    assert changed.status_code == 200 and changed.get_json()["next_update"] == "16:00"
    assert changed.get_json()["note"] is None
    ended = client.post(f"/api/v1/incidents/{started['id']}/end", headers=ADMIN)
    assert ended.status_code == 200 and ended.get_json()["state"] == "winding_down"
    again = client.post(f"/api/v1/incidents/{started['id']}/end", headers=ADMIN)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "incident_ended"
    missing = client.patch("/api/v1/incidents/999", json={"note": "x"}, headers=ADMIN)
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "unknown_incident"


def test_control_characters_in_the_texts_become_spaces(client):
    started = declare(client, area="Tam\x00pere", note="Masto\n\tkaatui\x07")
    assert started["area"] == "Tam pere" and started["note"] == "Masto kaatui"


def test_only_admin_tokens_declare_and_any_token_lists(client):
    assert client.post("/api/v1/incidents", json={"area": "Tampere"}, headers=AGENT).status_code == 403
    assert client.post("/api/v1/incidents", json={"area": "Tampere"}).status_code == 401
    assert client.post("/api/v1/incidents/1/end", headers=AGENT).status_code == 403
    assert client.patch("/api/v1/incidents/1", json={}, headers=AGENT).status_code == 403
    assert client.get("/api/v1/incidents").status_code == 401
    assert client.get("/api/v1/incidents", headers=AGENT).get_json() == {"incidents": []}


@pytest.mark.parametrize(("body", "said"), [
    ({"area": "T" * 41}, "at most 40"),
    ({"area": "Tampere", "next_update": "2 pm"}, "HH:MM"),
    ({"area": "Tampere", "colour": "red"}, "Unknown field 'colour'"),
])
def test_the_api_refuses_values_it_cannot_use(client, body, said):
    response = client.post("/api/v1/incidents", json=body, headers=ADMIN)
    assert response.status_code == 422 and said in response.get_json()["error"]["message"]
    assert client.get("/api/v1/incidents", headers=AGENT).get_json() == {"incidents": []}


def test_the_api_refuses_a_reply_that_does_not_exist_as_any_unknown_snippet(client):
    response = client.post("/api/v1/incidents", json={"area": "Tampere", "replies": ["outage/nothing"]},
                           headers=ADMIN)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "unknown_snippet"
    assert "There is no reply 'outage/nothing'" in response.get_json()["error"]["message"]
    assert client.get("/api/v1/incidents", headers=AGENT).get_json() == {"incidents": []}


# -- /suggest ----------------------------------------------------------------------------------

def test_outage_messages_get_the_incidents_reply_pinned_in_every_language(client):
    incident = declare(client, note="Masto kaatui")
    for lang, messages in OUTAGE.items():
        for message in messages:
            answer = suggest(client, message, limit=3)
            assert answer["incident"] == {
                "id": incident["id"], "area": "Tampere", "next_update": "14:30",
                "next_update_at": incident["next_update_at"], "note": "Masto kaatui", "state": "active",
                "reply": "outage/acknowledge",
                "variables": {"outage.area": "Tampere", "outage.next_update": "14:30"}}, message
            first = answer["results"][0]
            assert first["id"] == "outage/acknowledge" and first["pinned"] is True, message
            assert first["lang"] == lang and len(answer["results"]) == 3
            assert [item["id"] for item in answer["results"]].count("outage/acknowledge") == 1
            assert not any(item.get("pinned") for item in answer["results"][1:])


def test_other_messages_are_unaffected_by_an_incident(client):
    before = {message: suggest(client, message)["results"] for messages in OTHER.values() for message in messages}
    declare(client)
    for message, results in before.items():
        answer = suggest(client, message)
        assert "incident" not in answer, message
        assert [item["id"] for item in answer["results"]] == [item["id"] for item in results], message
        assert not any("pinned" in item for item in answer["results"])


def test_without_an_incident_nothing_is_pinned(client):
    answer = suggest(client, OUTAGE["fi"][0])
    assert "incident" not in answer and not any("pinned" in item for item in answer["results"])


def test_after_the_end_outage_messages_get_the_resolved_reply_until_the_wind_down_is_over(client):
    incident = declare(client)
    client.post(f"/api/v1/incidents/{incident['id']}/end", headers=ADMIN)
    for messages in OUTAGE.values():
        answer = suggest(client, messages[0])
        assert answer["incident"]["state"] == "winding_down" and answer["incident"]["reply"] == "outage/resolved"
        assert answer["results"][0]["id"] == "outage/resolved" and answer["results"][0]["pinned"] is True
    assert "incident" not in suggest(client, OTHER["en"][0])
    engine = client.application.extensions["vastaus_usage"].engine()
    with engine.begin() as conn:  # it ended three hours ago: the two hours of wind-down are over
        conn.execute(schema.incidents.update().values(ended_at=db.now() - datetime.timedelta(hours=3)))
    client.application.extensions["vastaus_incidents"].refresh()
    assert "incident" not in suggest(client, OUTAGE["fi"][0])
    assert client.get("/api/v1/incidents", headers=AGENT).get_json() == {"incidents": []}


def test_escalations_stay_first_and_separate_during_an_incident(client):
    declare(client)
    answer = suggest(client, "Netti ei toimi taas, soitan kohta lakimiehelle!")
    assert [item["id"] for item in answer["escalations"]] == ["escalation/legal"]
    assert answer["results"][0]["id"] == "outage/acknowledge" and answer["results"][0]["pinned"] is True
    assert "escalation/legal" not in [item["id"] for item in answer["results"]]


def test_an_incident_declared_elsewhere_shows_on_this_worker_within_seconds(make_outage_app, database_url):
    first, second = make_outage_app(database_url), make_outage_app(database_url)  # two workers, one database
    second.extensions["vastaus_incidents"].poll_seconds = 0.2
    assert "incident" not in suggest(second.test_client(), OUTAGE["en"][0])
    declare(first.test_client())
    deadline = datetime.datetime.now() + datetime.timedelta(seconds=5)
    while "incident" not in suggest(second.test_client(), OUTAGE["en"][0]):
        assert datetime.datetime.now() < deadline, "the second worker never showed the incident"


def test_a_database_that_is_down_leaves_suggestions_as_they_are(make_outage_app):
    with socket.socket() as reserved:  # bound, never listening: connections are refused
        reserved.bind(("127.0.0.1", 0))
        app = make_outage_app(f"postgresql://kb@127.0.0.1:{reserved.getsockname()[1]}/nothing")
        client = app.test_client()
        answer = suggest(client, OUTAGE["fi"][0])
        assert "incident" not in answer and answer["results"][0]["id"].startswith("outage/")
        refused = client.post("/api/v1/incidents", json={"area": "Tampere"}, headers=ADMIN)
        assert refused.status_code == 503 and refused.get_json()["error"]["code"] == "database_unavailable"
        assert client.get("/api/v1/incidents", headers=AGENT).get_json() == {"incidents": []}


# -- the report --------------------------------------------------------------------------------

def test_the_report_counts_the_replies_sent_during_an_incident(client, capsys, database_url: str):
    incident = declare(client)
    sent = [("fi", "twitter", "insert"), ("fi", "twitter", "copy"), ("et", "chat", "insert"), ("en", "chat", "copy")]
    for lang, channel, kind in sent:
        answer = suggest(client, OUTAGE[lang][0], channel=channel, lang=lang)
        events = client.post("/api/v1/events", headers=AGENT, json={"events": [
            {"type": kind, "search_id": answer["search_id"], "snippet_id": "outage/acknowledge"}]})
        assert events.status_code == 201, events.get_json()
    other = suggest(client, OTHER["fi"][0])  # not about the incident: not its figures
    client.post("/api/v1/events", headers=AGENT, json={"events": [
        {"type": "insert", "search_id": other["search_id"], "snippet_id": other["results"][0]["id"]}]})
    report = client.get("/api/v1/insights?since=1d", headers=ADMIN).get_json()
    [figures] = report["incidents"]
    assert figures["id"] == incident["id"] and figures["uses"] == 4 and figures["suggestions"] == 4
    assert figures["by_language_channel"] == [{"lang": "fi", "channel": "twitter", "uses": 2},
                                              {"lang": "en", "channel": "chat", "uses": 1},
                                              {"lang": "et", "channel": "chat", "uses": 1}]
    assert figures["timeline"]["bucket_minutes"] == 10 and figures["timeline"]["buckets"][-1]["total"] == 4
    code = main(["usage", "report", "--since", "1d", "--responses", str(SAMPLE), "--database-url", database_url])
    out = capsys.readouterr().out
    assert code == 0 and f"#{incident['id']} Tampere" in out and "4 replies sent from 4 suggestions" in out
    assert "running total every 10 minutes: 4" in out
    page = client.post("/insights", data={"since": "1d", "token": ADMIN_SECRET}).get_data(as_text=True)
    assert f'data-incident="{incident["id"]}"' in page and 'data-uses="4"' in page


def test_with_two_incidents_a_message_naming_an_area_gets_that_one(client):
    tampere = declare(client, area="Tampere")
    tallinn = declare(client, area="Tallinn", next_update="16:00")  # the newest
    assert suggest(client, "Miks mobiilivõrk Tallinnas maas on?")["incident"]["id"] == tallinn["id"]
    assert suggest(client, "Netti ei toimi taas Tampereella, mikä on?")["incident"]["id"] == tampere["id"]
    assert suggest(client, "My internet is down since this morning")["incident"]["id"] == tallinn["id"]
    listed = client.get("/api/v1/incidents", headers=AGENT).get_json()["incidents"]
    assert [item["area"] for item in listed] == ["Tallinn", "Tampere"]
