"""Finnish morphology with Voikko: lemmas and compound parts.

Snowball only cuts endings, so it cannot join forms whose inside changes as they inflect
(lautakunta/lautakunnan, liikenne/liikenteen, yhteys/yhteyden), and it knows nothing of
compound boundaries. Voikko (Debian's ``libvoikko1`` and ``voikko-fi``, with the ``libvoikko``
binding from PyPI) gives the dictionary form and the parts of a compound:
``kuluttajariitalautakuntaan`` -> ``kuluttajariitalautakunta`` made of kuluttaja, riita,
lauta, kunta.

Voikko is optional at run time: without it, Finnish falls back to Snowball and the
planner's vocabulary-based compound matching. The index records which analysis built it.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

_COMPONENT = re.compile(r"\+([^+(]*)(?:\(([^)]*)\))?")
MIN_PART = 4
# Derivational endings of action and quality nouns, whose base keeps the meaning: tilaus (an
# order) is tilata (to order), tylyys (rudeness) is tyly (rude). Agent and other endings
# (toimittaja, a journalist, is not toimittaa, to deliver) change it and are not followed.
MEANING_KEEPING_ENDINGS = frozenset({"+us", "+ys", "+u", "+y", "+uus", "+yys"})
# Voikko gives a participle as its own base form ("tilannut", "kadonnut", "laskutettu"), but in
# "olen tilannut" or "paketti on kadonnut" it is the verb's perfect tense: its meaning is the
# verb's. Past participles are read as the verb too, after the participle itself ("korjattu",
# fixed, says more than "korjata", to fix, where the texts have it). Present ones are not: they are often
# adjectives of their own ("seuraava", next, is not "seurata", to follow).
VERB_PARTICIPLES = frozenset({"past_active", "past_passive", "agent"})
# Voikko's classes of names. Customers type in lower case, and a word that is both a name and a
# common word is the common word far more often: "milloin" (when) before Milla's, "posti" before
# the surname. A name's lemma comes after the others', unless a common word has it too.
NAME_CLASSES = frozenset({"etunimi", "sukunimi", "paikannimi", "nimi"})
_lock = threading.Lock()
_voikko = None
_loaded = False


def _handle():
    global _voikko, _loaded
    if not _loaded:
        _loaded = True
        try:
            import libvoikko

            _voikko = libvoikko.Voikko("fi")
        except Exception:  # library, binding or dictionary missing: fall back to Snowball
            _voikko = None
    return _voikko


def available() -> bool:
    with _lock:
        return _handle() is not None


def components(wordbases: str) -> list[str]:
    """Compound members of a Voikko WORDBASES string, derivational pieces joined back on.

    ``+kulutta(kuluttaa)+ja(+ja)+riita(riita)`` -> ``["kuluttaja", "riita"]``;
    ``+esi+mies(mies)`` -> ``["esimies"]`` (``esi`` is a bound prefix).
    """
    parts: list[str] = []
    pending_prefix = ""
    for surface, base in _COMPONENT.findall(wordbases):
        surface = surface.replace("=", "")
        if not surface:
            continue
        if base.startswith("+") and parts:  # derivational ending: belongs to the previous member
            parts[-1] += surface
        elif not base:  # bound prefix without a base form of its own
            pending_prefix += surface
        else:
            parts.append(pending_prefix + surface)
            pending_prefix = ""
    if pending_prefix:
        if parts:
            parts[-1] += pending_prefix
        else:
            parts.append(pending_prefix)
    return parts


def derivation_base(wordbases: str) -> str | None:
    """The word a derived noun is made from, when its ending keeps the meaning (see
    MEANING_KEEPING_ENDINGS): ``+tila(tilata)+us(+us)`` -> ``tilata``; else None."""
    pieces = _COMPONENT.findall(wordbases)
    if len(pieces) < 2 or pieces[-1][1] not in MEANING_KEEPING_ENDINGS:
        return None
    base = pieces[-2][1]
    return base.lower() if base and not base.startswith("+") else None


def participle_verb(analysis: dict) -> str | None:
    """The verb a past participle is a form of (``+tilan(tilata)+n+ut(+ut)`` -> ``tilata``), else None."""
    if analysis.get("PARTICIPLE") not in VERB_PARTICIPLES:
        return None
    bases = [base for _surface, base in _COMPONENT.findall(analysis.get("WORDBASES") or "") if base]
    verb = next((base for base in reversed(bases) if not base.startswith("+")), None)
    return verb.lower() if verb else None


def spans(members: list[str]) -> list[str]:
    """Every run of adjacent members shorter than the whole word: the parts a search may name."""
    found = []
    for start in range(len(members)):
        for end in range(start + 1, len(members) + 1):
            if end - start == len(members):
                continue
            span = "".join(members[start:end])
            if len(span) >= MIN_PART:
                found.append(span)
    return found


@lru_cache(maxsize=200_000)
def analyse(word: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(lemmas, compound parts)`` of a lower-case Finnish word; empty when unknown.

    The parts include the base of a derived noun (tilaus: tilata): related, not the same word
    (oikeus, a right or a court, is made from oikea, right or correct), so it is matched as
    loosely as a compound's member, never as the word itself (nor by escalation triggers).
    """
    with _lock:
        voikko = _handle()
        if voikko is None:
            return (), ()
        analyses = voikko.analyze(word)
    common = {(a.get("BASEFORM") or "").lower() for a in analyses if a.get("CLASS") not in NAME_CLASSES}
    # stable: Voikko's order otherwise, and a name that is also a common word ("Päivä") keeps its place
    analyses.sort(key=lambda a: a.get("CLASS") in NAME_CLASSES and (a.get("BASEFORM") or "").lower() not in common)
    lemmas: list[str] = []
    parts: list[str] = []
    for analysis in analyses:
        lemma = (analysis.get("BASEFORM") or "").lower()
        for found in (lemma, participle_verb(analysis)):
            if found and found not in lemmas:
                lemmas.append(found)
        wordbases = analysis.get("WORDBASES") or ""
        members = components(wordbases)
        for part in spans(members):
            if part not in parts and part not in lemmas:
                parts.append(part)
        base = derivation_base(wordbases)
        if base and base not in parts:
            parts.append(base)
    return tuple(lemmas), tuple(part for part in parts if part not in lemmas)


@lru_cache(maxsize=20_000)
def suggestions(word: str, limit: int = 3) -> tuple[str, ...]:
    """Voikko's spelling suggestions for an unknown Finnish word ("hairio" -> "häiriö")."""
    with _lock:
        voikko = _handle()
        if voikko is None:
            return ()
        return tuple(suggestion.lower() for suggestion in voikko.suggest(word)[:limit])
