"""Every reply of the sample follows the editors' style guide (docs/editors/style.rst).

The tables in the guide are the source: greeting, sign-off and address per language, and the
phrases never to write. What a test can see is checked here; the rest of the guide (tone, what a
reply says) is for the reviewer.
"""

from __future__ import annotations

import re

import pytest
from conftest import REPO, SAMPLE
from support.rst_tables import list_tables

from kb.content.loader import load_kb

GUIDE = REPO / "docs" / "editors" / "style.rst"
PUBLIC_CHANNELS = {"twitter", "facebook"}
PRIVATE_WORDS = {"fi": "yksityisviest", "et": "privaatsõnum", "en": "private message"}
# Second-person forms a reply must not use: Finnish speaks sinä, Estonian the plural "teie".
WRONG_ADDRESS = {
    "fi": r"(?i:\b(te|teidän|teitä|teille|teiltä|teillä|teihin|voitte|olette)\b)",
    "et": r"(?i:\b(sa|sina|sind|sinu|sulle|sinul|sul|sinuga|sinult)\b)|(?<=[^.!?\s] )Te(i(e|d|le|ega|l|lt|st))?\b",
}


@pytest.fixture(scope="module")
def kb():
    return load_kb(SAMPLE)


def code(cell: str) -> str:
    return cell.strip().strip("`")


def conventions() -> dict[str, dict[str, str]]:
    (table, *_rest) = list_tables(GUIDE.read_text(encoding="utf-8"))
    header, *rows = table
    assert header[:3] == ["Language", "Greeting (``body`` and ``short``)", "Sign-off (``body`` only)"]
    return {row[0]: {"greeting": code(row[1]), "sign_off": code(row[2].split(" and ")[0])} for row in rows}


def never_write() -> dict[str, list[str]]:
    tables = list_tables(GUIDE.read_text(encoding="utf-8"))
    (table,) = [t for t in tables if t[0][:2] == ["Language", "Never write"]]
    phrases: dict[str, list[str]] = {}
    for lang, phrase, _instead in table[1:]:
        phrases.setdefault(lang, []).append(phrase)
    return phrases


def test_the_guide_covers_every_language_of_the_sample(kb):
    assert set(conventions()) == set(kb.settings.languages) == set(never_write())


def test_every_body_greets_and_signs_off_as_the_guide_says(kb):
    rules = conventions()
    wrong = []
    for snippet in kb.snippets.values():
        for lang, text in snippet.texts.items():
            lines = text.body.strip().splitlines()
            if not lines[0].startswith(rules[lang]["greeting"] + " "):
                wrong.append((snippet.id, lang, "greeting", lines[0][:40]))
            if lines[-2:] != [rules[lang]["sign_off"], "{{agent.first_name}}"]:
                wrong.append((snippet.id, lang, "sign-off", lines[-2:]))
            if text.short and not text.short.startswith(rules[lang]["greeting"] + " "):
                wrong.append((snippet.id, lang, "short greeting", text.short[:40]))
    assert wrong == []


@pytest.mark.parametrize("lang", sorted(WRONG_ADDRESS))
def test_one_address_per_language(kb, lang):
    pattern = re.compile(WRONG_ADDRESS[lang])
    found = [(s.id, m.group(0)) for s in kb.snippets.values() if lang in s.texts
             for part in (s.texts[lang].title, s.texts[lang].body, s.texts[lang].short or "")
             for m in pattern.finditer(part)]
    assert found == []


def test_no_reply_uses_a_phrase_the_guide_forbids(kb):
    phrases = never_write()
    found = [(s.id, lang, p) for s in kb.snippets.values() for lang, text in s.texts.items()
             for p in phrases.get(lang, []) if p.lower() in f"{text.title}\n{text.body}\n{text.short}".lower()]
    assert found == []


def test_order_numbers_and_tracking_codes_go_by_private_message_on_public_channels(kb):
    """A tracking code in a public tweet shows anyone where the parcel can be picked up."""
    missing = []
    for snippet in kb.snippets.values():
        texts = " ".join(t.body + (t.short or "") for t in snippet.texts.values())
        if PUBLIC_CHANNELS & set(snippet.channels) and re.search(r"\{\{\s*order\.", texts):
            for lang, word in PRIVATE_WORDS.items():
                if word not in snippet.guidance.get(lang, "").lower():
                    missing.append((snippet.id, lang))
    assert missing == []
