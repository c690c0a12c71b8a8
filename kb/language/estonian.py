"""Estonian morphology with Vabamorf: lemmas, compound parts and spelling suggestions.

Vabamorf is the standard Estonian analyser, as Voikko is for Finnish. The ``estnltk`` package
on PyPI ships it as a SWIG extension (``estnltk/vabamorf/_vabamorf*.so``) and its lexicons
(``estnltk/vabamorf/dct/<date>_sp/et.dct`` and ``et3.dct``). Importing ``estnltk`` itself pulls
pandas, matplotlib and IPython (about 2 s and 170 MB); this module never runs its
``__init__``: it finds the package folder with :func:`importlib.util.find_spec` and loads only
the extension and the lexicons (about 15 ms and 25 MB a process). ``make`` installs the
package with ``pip install --no-deps estnltk``: none of its Python dependencies are needed.

Vabamorf is optional at run time: without it Estonian falls back to Snowball and the
planner's near-stem matching, and the index records which analysis built it.

One analyser per process: it reads its lexicons through file descriptors with seek and read,
so an analyser made before ``fork`` and then used in two processes corrupts both reads.
Workers each make their own on first use (keyed by process id).
"""

from __future__ import annotations

import glob
import importlib.machinery
import importlib.util
import os
import threading
from functools import lru_cache

MIN_PART = 4
ACTION_ENDINGS = ("mine", "mus")
PARTICIPLES = ("nud", "tud")  # Vabamorf's forms of the past participles  # tellimine, tellimus: of tellima
POS_ORDER = {"S": 0, "V": 1, "A": 1, "H": 2}  # noun, verb, adjective, proper name; the rest after
LEXICON = "sp"  # the standard lexicon; "nosp" adds slang but also accepts misspellings
_lock = threading.Lock()
_module = None
_loaded = False
_analysers: dict[int, object] = {}


def _package_dir() -> str | None:
    spec = importlib.util.find_spec("estnltk")  # locates the package without running its __init__
    if spec is None or not spec.submodule_search_locations:
        return None
    return os.path.join(list(spec.submodule_search_locations)[0], "vabamorf")


def _load_module():
    global _module, _loaded
    if not _loaded:
        _loaded = True
        try:
            folder = _package_dir()
            found = glob.glob(os.path.join(folder, "_vabamorf*.so")) if folder else []
            if found:
                loader = importlib.machinery.ExtensionFileLoader("_vabamorf", found[0])
                spec = importlib.util.spec_from_file_location("_vabamorf", found[0], loader=loader)
                module = importlib.util.module_from_spec(spec)
                loader.exec_module(module)
                _module = module
        except Exception:  # missing, or built for another Python: fall back to Snowball
            _module = None
    return _module


def _lexicon_dir() -> str:
    root = os.path.join(_package_dir() or "", "dct")
    return os.path.join(root, sorted(d for d in os.listdir(root) if d.endswith("_" + LEXICON))[-1])


def _analyser():
    module = _load_module()
    if module is None:
        return None
    pid = os.getpid()
    analyser = _analysers.get(pid)
    if analyser is None:
        try:
            folder = _lexicon_dir()
            analyser = module.Vabamorf(os.path.join(folder, "et.dct"), os.path.join(folder, "et3.dct"))
        except Exception:
            return None
        _analysers.clear()  # an analyser inherited from a parent process must not be used here
        _analysers[pid] = analyser
    return analyser


def available() -> bool:
    with _lock:
        return _analyser() is not None


def _lemma(analysis) -> tuple[str, list[str]]:
    """The lemma and the compound members of one Vabamorf analysis (``telefoni_number``)."""
    root = analysis.root
    for mark in "~?]<+=":  # phonetic and derivation marks
        root = root.replace(mark, "")
    members = [m for m in root.replace("-", "_").split("_") if m]
    lemma = "".join(members) if members else root
    if analysis.partofspeech == "V" and lemma not in ("ei", "ära"):
        lemma += "ma"
    return lemma.lower(), [m.lower() for m in members]


def spans(members: list[str], lemma: str) -> list[str]:
    """Compound parts a search may name: each member and run of members, the last one as the lemma ends.

    ``telefoni_number`` -> ``telefoni``, ``number``; a member of fewer than MIN_PART letters is kept
    only inside a longer run.
    """
    if len(members) < 2:
        return []
    found = []
    for start in range(len(members)):
        for end in range(start + 1, len(members) + 1):
            if end - start == len(members):
                continue
            span = "".join(members[start:end])
            if end == len(members):  # the head: its lemma form ends the word's lemma
                span = lemma[len("".join(members[:start])):]
            if len(span) >= MIN_PART and span not in found:
                found.append(span)
    return found


@lru_cache(maxsize=200_000)
def analyse(word: str) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    """``(lemmas, compound parts, is a proper name)`` of a lower-case Estonian word the lexicon
    knows; empty when it does not (no guessing: an unknown word may be a typo)."""
    with _lock:
        analyser = _analyser()
        if analyser is None:
            return (), (), False
        results = analyser.analyze(_module.StringVector([word]), False, False, True, False, False)
        analyses = [a for _word, found in results for a in found]
        readings = [(_lemma(analysis), analysis.partofspeech, analysis.form) for analysis in analyses]
    # The main lemma first: a noun's over an adverb's or adposition's ("arvele": arve, not the
    # postposition), and among equals the word's own (nominative) reading ("arve": arve, not arv).
    # A past participle is the verb's ("pole saanud": saama, not the rare noun saanu).
    readings.sort(key=lambda reading: (-1 if reading[1] == "V" and reading[2] in PARTICIPLES
                                       else POS_ORDER.get(reading[1], len(POS_ORDER)), reading[0][0] != word))
    lemmas: list[str] = []
    parts: list[str] = []
    for (lemma, members), _pos, _form in readings:
        if lemma and lemma not in lemmas:
            lemmas.append(lemma)
        for part in spans(members, lemma):
            if part not in parts and part not in lemmas:
                parts.append(part)
    names = sum(pos == "H" for _reading, pos, _form in readings)
    # A modifier stands in its genitive ("kaardi_number", "panga_kaart"): its own lemma (kaart,
    # pank) is the word the texts use, so it is a part too.
    for part in list(parts):
        own = analyse(part)[0]
        if own and own[0] != part and own[0] not in parts and own[0] not in lemmas:
            parts.append(own[0])
    # The verb of an action noun is related, not the same word: a part (see kb.language.morphology).
    parts += [verb for verb in map(_action_verb, [*lemmas, *parts]) if verb and verb not in parts + lemmas]
    return tuple(lemmas), tuple(parts), bool(readings) and names == len(readings)


def _action_verb(noun: str) -> str | None:
    """The verb an action noun is made from, which keeps its meaning: tellimus (an order) and
    tellimine (ordering) are tellima (to order), maksmine is maksma. Vabamorf gives them as
    nouns of their own; the verb is checked against the lexicon. Agent nouns (tellija) are not
    followed, as in Finnish (kb/language/morphology.py)."""
    for ending in ACTION_ENDINGS:
        if noun.endswith(ending) and len(noun) - len(ending) >= 3:
            verb = noun[: -len(ending)] + "ma"
            lemmas, _parts, _name = analyse(verb)
            return verb if verb in lemmas else None
    return None


@lru_cache(maxsize=20_000)
def suggestions(word: str, limit: int = 3) -> tuple[str, ...]:
    """Vabamorf's spelling suggestions for an unknown word ("lopuks" -> "lõpuks")."""
    with _lock:
        analyser = _analyser()
        if analyser is None:
            return ()
        results = analyser.spellcheck([word], True)  # keep the vector alive while reading it
        found = [s.lower() for result in results for s in result.suggestions]
    return tuple(found[:limit])
