"""The Finnish and Estonian catalogs follow the glossary in docs/translators.rst.

The table in the docs is the one source: this test parses it, so adding a row there checks the
catalogs at once. A rejected word anywhere in a translation fails, as does a translation of a
message naming a concept (in English) without the term; and the product name is never inflected.
"""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po
from conftest import REPO

DOC = REPO / "docs" / "translators.rst"
LANGS = ("fi", "et")
# Concepts whose term every translation naming them must use. The others (escalation, snippet,
# mapping, helpdesk) are also written as compounds or described in other words ("eskalointipohja",
# "rakenne, jossa kullakin kielikoodilla on arvo"), so for them only the rejected words are checked.
ALWAYS_THE_TERM = {"API token", "lint error", "option (command line)", "working tree", "placeholder",
                   "knowledge base", "guidance", "approved wording"}


def glossary() -> list[dict[str, str]]:
    text = DOC.read_text(encoding="utf-8")
    table = text.split(".. _glossary:", 1)[1].split("Checking and submitting", 1)[0]
    cells = re.findall(r"^   (\*| ) - (.*)$", table, flags=re.M)
    rows, row = [], []
    for marker, cell in cells:
        if marker == "*" and row:
            rows.append(row)
            row = []
        row.append(cell.strip())
    rows.append(row)
    header, *body = rows
    assert header == ["English", "Suomi", "Eesti", "Not this"]
    return [{"en": r[0], "fi": r[1], "et": r[2], "not": r[3] if len(r) > 3 else ""} for r in body]


def rejected(entry: dict[str, str], lang: str) -> list[str]:
    words = []
    for part in entry["not"].split(";"):
        code, _, terms = part.strip().partition(":")
        if code.strip() == lang:
            words += [t.strip() for t in terms.split(",") if t.strip()]
    return words


def stems(term: str) -> list[str]:
    """What every inflected form of each word of the term starts with: Finnish and Estonian change
    the ending ("hyväksytty sanamuoto" -> "hyväksyttyä sanamuotoa")."""
    return [word[:max(4, len(word) - 2)].lower() for word in term.split()]


CODE = re.compile(r"%\(\w+\)\w|\{\w+\}|`[^`]*`|--[\w-]+|\b[\w.]+\.(?:yaml|json|py)\b|https?://\S+")


def prose(text: str) -> str:
    """The words of a message, without placeholders, code, options and file names (never translated)."""
    return CODE.sub(" ", text)


def translations(lang: str) -> list[tuple[str, str]]:
    pairs = []
    for domain in ("messages", "plugin"):
        with (REPO / "locales" / lang / "LC_MESSAGES" / f"{domain}.po").open("rb") as handle:
            for message in read_po(handle, locale=lang):
                if not message.id:
                    continue
                ids = message.id if isinstance(message.id, tuple) else (message.id,)
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                pairs.append((prose(" ".join(ids)), prose(" ".join(s for s in strings if s))))
    return pairs


def test_the_glossary_has_the_concepts_the_review_found_mixed():
    concepts = {entry["en"] for entry in glossary()}
    assert {"escalation", "API token", "lint error", "option (command line)", "mapping", "working tree",
            "helpdesk"} <= concepts
    assert concepts >= ALWAYS_THE_TERM


@pytest.mark.parametrize("lang", LANGS)
def test_no_rejected_word_in_the_catalogs(lang):
    """A rejected word for a concept is wrong where the English names that concept ("knowledge
    base" is never "tietokanta"); elsewhere it may be right ("database" is "tietokanta")."""
    found = []
    for entry in glossary():
        concept = re.compile(rf"\b{re.escape(entry['en'].split(' (')[0])}", re.I)
        for word in rejected(entry, lang):
            pattern = re.compile(rf"(?<![\w-]){re.escape(word)}", re.I)
            found += [(word, msgid) for msgid, text in translations(lang)
                      if pattern.search(text) and concept.search(msgid)]
    assert found == []


@pytest.mark.parametrize("lang", LANGS)
def test_a_message_naming_a_concept_uses_its_term(lang):
    missing = []
    for entry in (e for e in glossary() if e["en"] in ALWAYS_THE_TERM):
        english = entry["en"].split(" (")[0]
        pattern = re.compile(rf"\b{re.escape(english)}s?\b", re.I)
        for msgid, text in translations(lang):
            if pattern.search(msgid) and text and not all(st in text.lower() for st in stems(entry[lang])):
                missing.append((entry["en"], msgid, text))
    assert missing == []


@pytest.mark.parametrize("lang", LANGS)
def test_the_product_name_is_never_inflected(lang):
    inflected = [(msgid, text) for msgid, text in translations(lang)
                 if re.search(r"\bVastaus\b", msgid) and re.search(r"\bVastau(?:ks|s)\w+", text)]
    assert inflected == []
