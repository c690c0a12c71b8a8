"""Translated messages: catalogs up to date with the code, complete, and used per request."""

from __future__ import annotations

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from conftest import REPO

from kb import i18n

pytest_plugins = ("support.apikit",)

LOCALES = REPO / "locales"
TRANSLATED = ("fi", "et")


def extracted_ids() -> set:
    """Message ids in kb/ as ``pybabel extract -F babel.cfg`` finds them."""
    method_map = [("kb/**.py", "python")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(REPO), method_map=method_map):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def catalog(path):
    with path.open("rb") as handle:
        return read_po(handle)


def catalog_ids(cat) -> set:
    return {m.id if isinstance(m.id, str) else tuple(m.id) for m in cat if m.id}


def test_babel_cfg_extracts_python_files_in_kb():
    assert "[python: kb/**.py]" in (REPO / "babel.cfg").read_text()


def test_pot_is_up_to_date_with_the_code():
    code = extracted_ids()
    pot = catalog_ids(catalog(LOCALES / "messages.pot"))
    assert code, "no messages found in kb/"
    assert pot == code, ("run the pybabel commands in babel.cfg; missing from .pot: "
                         f"{sorted(map(str, code - pot))}; not in code: {sorted(map(str, pot - code))}")


@pytest.mark.parametrize("locale", ["fi", "et", "en"])
def test_catalogs_follow_the_template(locale):
    pot = catalog_ids(catalog(LOCALES / "messages.pot"))
    assert catalog_ids(catalog(LOCALES / locale / "LC_MESSAGES" / "messages.po")) == pot


@pytest.mark.parametrize("locale", TRANSLATED)
def test_finnish_and_estonian_are_complete(locale):
    cat = catalog(LOCALES / locale / "LC_MESSAGES" / "messages.po")
    untranslated = [m.id for m in cat if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))]
    fuzzy = [m.id for m in cat if m.id and m.fuzzy]
    assert untranslated == [] and fuzzy == []
    for message in cat:  # every placeholder of the English text is kept
        if message.id and "python-format" in message.flags:
            source = message.id if isinstance(message.id, str) else message.id[1]
            targets = message.string if isinstance(message.string, tuple) else (message.string,)
            for target in targets:
                assert sorted(_names(source)) == sorted(_names(target)), (locale, message.id)


def _names(text: str) -> list[str]:
    import re

    return re.findall(r"%\((\w+)\)", text)


def test_no_compiled_catalogs_are_committed():
    assert list(LOCALES.rglob("*.mo")) == []


def test_catalogs_compile_in_memory():
    assert set(i18n.catalogs()) >= {"fi", "et", "en"}
    with i18n.locale("fi"):
        assert i18n.gettext("The message is empty.") == "Viesti on tyhjä."
        one = "The knowledge base has %(count)d error; the index was not changed."
        many = "The knowledge base has %(count)d errors; the index was not changed."
        assert i18n.ngettext(one, many, 2) % {"count": 2} == "Tietämyskannassa on 2 virhettä; hakuindeksiä ei muutettu."
    assert i18n.gettext("The message is empty.") == "The message is empty."


@pytest.mark.parametrize("header,locale", [
    ("fi", "fi"), ("fi-FI,fi;q=0.9,en;q=0.8", "fi"), ("et-EE", "et"), ("sv-SE,et;q=0.5", "et"),
    ("de", "en"), ("", "en"), ("*", "en"), ("en-GB;q=0.3,et;q=0.9", "et"),
])
def test_negotiation(header, locale):
    from werkzeug.datastructures import LanguageAccept
    from werkzeug.http import parse_accept_header

    accept = parse_accept_header(header, LanguageAccept)
    assert i18n.negotiate(accept.values()) == locale


@pytest.mark.parametrize("language,expected", [
    ("fi", "Tuntematon kieli 'sv'; käytä jotakin näistä: fi, et, en."),
    ("et", "Tundmatu keel 'sv'; kasuta ühte neist: fi, et, en."),
    ("en", "Unknown language 'sv'; use one of: fi, et, en."),
])
def test_errors_are_localized(client, language, expected):
    response = client.get("/api/v1/search?q=lasku&lang=sv", headers={"Accept-Language": language})
    assert response.status_code == 422 and response.get_json()["error"]["message"] == expected
    assert response.get_json()["error"]["code"] == "invalid"  # codes never change with the language


@pytest.mark.parametrize("path,method,status,fi_fragment,et_fragment", [
    ("/api/v1/nothing", "GET", 404, "Tässä osoitteessa", "Sellel aadressil"),
    ("/api/v1/suggest", "DELETE", 405, "ei hyväksy DELETE-metodia", "ei toeta meetodit DELETE"),
    ("/api/v1/suggest", "POST", 415, "JSON-muodossa", "JSON-vormingus"),
    ("/api/v1/search?q=" + "x" * 501, "GET", 414, "Hakulause on liian pitkä", "Otsingupäring on liiga pikk"),
    ("/api/v1/search", "GET", 400, "Kyselyparametri 'q'", "Päringuparameeter 'q'"),
])
def test_werkzeug_and_our_errors_in_finnish_and_estonian(client, path, method, status, fi_fragment, et_fragment):
    for language, fragment in (("fi", fi_fragment), ("et", et_fragment)):
        response = client.open(path, method=method, headers={"Accept-Language": language})
        assert response.status_code == status
        assert fragment in response.get_json()["error"]["message"]


def test_auth_and_rate_limit_errors_are_localized(make_app, tmp_path):
    from support.api_support import AGENT_SECRET, bearer, write_tokens_file

    client = make_app(TOKENS_FILE=str(write_tokens_file(tmp_path / "t.yaml")), RATE_LIMIT=0.1, RATE_BURST=1).test_client()
    assert "API-avain" in client.get("/api/v1/search?q=a", headers={"Accept-Language": "fi"}).get_json()["error"]["message"]
    client.get("/api/v1/search?q=a", headers=bearer(AGENT_SECRET))
    limited = client.get("/api/v1/search?q=a", headers={**bearer(AGENT_SECRET), "Accept-Language": "et"})
    assert limited.status_code == 429 and "Liiga palju päringuid" in limited.get_json()["error"]["message"]


def test_placeholder_page_is_localized(client):
    assert "Vastaus on käynnissä" in client.get("/", headers={"Accept-Language": "fi"}).get_data(as_text=True)
