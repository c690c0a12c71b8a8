"""How customers really write, per language, declared as data in ``kb/language/spoken/<lang>.yaml``.

Dictionaries do not know the spoken and chat forms customers type (Finnish "oo", "tilannu",
"mun", "miks"; Estonian "mu", "kunas", "tänud"), nor words typed without their diacritics
("paev" for "päev"). Each language's file says, as data reviewed like content:

* ``forms``: whole spoken words and the standard word each stands for;
* ``endings``: regular spoken endings (``nu`` for ``nut``), tried on unknown words only;
* ``letters``: letters customers leave out (``a`` for ``ä``), tried the same way;
* ``dropped``: letters spoken language drops after a vowel (Finnish ``ilmottaa`` for
  ``ilmoittaa``, ``ootan`` for ``odotan``), put back one at a time, tried the same way: a vowel
  before a consonant, a consonant between two vowels;
* ``synonyms``: colloquial dictionary words and the standard word replies use;
* ``discourse``: greetings, politeness, fillers, placeholder nouns (Estonian "asi", "thing"), number words,
  days and spans of time ("last week"), which in a pasted message never decide which reply comes first;
* ``personal``: the words for each kind of personal data (:mod:`kb.language.personal`) a
  message may carry, searched for when a message carries it.

The analyser (:mod:`kb.language.analysis`) applies them; an ending or a letter is only kept when
the language's dictionary (Voikko, Vabamorf) knows the word it makes, so a rule never turns a
real word into another.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files

from kb.content.yamlsafe import load_yaml_text
from kb.language.personal import KINDS

MAX_LETTER_CHANGES = 4  # letters restored in one word at the most (2^4 spellings tried)
SECTIONS = ("forms", "endings", "letters", "dropped", "synonyms", "discourse", "personal")
VOWELS = frozenset("aeiouyäöõü")


class SpokenDataError(ValueError):
    """A language's spoken-forms file is not as documented; the message names the file and section."""


@dataclass(frozen=True)
class Spoken:
    forms: dict[str, str] = field(default_factory=dict)
    endings: tuple[tuple[str, str], ...] = ()
    letters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    dropped: tuple[str, ...] = ()
    synonyms: dict[str, str] = field(default_factory=dict)
    discourse: frozenset[str] = frozenset()
    personal: dict[str, str] = field(default_factory=dict)  # kind of personal data -> its name
    digest: str = "none"  # of the file: an index built with other rules is rebuilt

    def standard(self, word: str) -> str:
        """The standard word a spoken *word* stands for (its last word when it stands for several)."""
        form = self.forms.get(word)
        return form.split()[-1] if form else word

    def spellings(self, word: str) -> Iterator[str]:
        """Standard spellings *word* may stand for: spoken endings replaced, left-out letters put back,
        then one dropped letter restored after a vowel.

        Only candidates: the caller keeps the first its dictionary knows.
        """
        for ending, standard in self.endings:
            if word.endswith(ending) and len(word) > len(ending) + 1:
                yield word[: -len(ending)] + standard
        positions = [i for i, char in enumerate(word) if char in self.letters][:MAX_LETTER_CHANGES]
        choices = [(word[i], *self.letters[word[i]]) for i in positions]
        for combination in itertools.islice(itertools.product(*choices), 1, None):  # the first is the word itself
            letters = list(word)
            for i, char in zip(positions, combination, strict=True):
                letters[i] = char
            yield "".join(letters)
        for i in range(1, len(word)):
            if word[i - 1] in VOWELS:
                for letter in self.dropped:
                    # speech drops a vowel before a consonant (ilmottaa) and a consonant between
                    # vowels (ootan): "oiotteko" (oikoa, to straighten) is no reading of "ootteko"
                    if (letter in VOWELS) != (word[i] in VOWELS) and letter not in (word[i], word[i - 1]):
                        yield word[:i] + letter + word[i:]


def _section(path: str, data: dict, name: str, kind: type) -> object:
    value = data.get(name) or kind()
    if not isinstance(value, kind):
        raise SpokenDataError(f"{path}: '{name}' must be a {'mapping' if kind is dict else 'list'}")
    return value


def parse(data: object, path: str) -> Spoken:
    """A :class:`Spoken` from a file's YAML data; :class:`SpokenDataError` names what is wrong."""
    if not isinstance(data, dict):
        raise SpokenDataError(f"{path}: must be a mapping of the sections {', '.join(SECTIONS)}")
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise SpokenDataError(f"{path}: unknown section {unknown[0]!r}; the sections are {', '.join(SECTIONS)}")
    forms = _section(path, data, "forms", dict)
    endings = _section(path, data, "endings", list)
    letters = _section(path, data, "letters", dict)
    dropped = _section(path, data, "dropped", list)
    if not all(isinstance(letter, str) and len(letter) == 1 and letter == letter.lower() for letter in dropped):
        raise SpokenDataError(f"{path}: 'dropped' must list single lower-case letters")
    synonyms = _section(path, data, "synonyms", dict)
    discourse = _section(path, data, "discourse", list)
    for name, mapping in (("forms", forms), ("synonyms", synonyms)):
        for key, value in mapping.items():
            if not isinstance(key, str) or not isinstance(value, str) or key != key.lower() or value != value.lower():
                raise SpokenDataError(f"{path}: '{name}' entry {key!r}: both sides must be lower-case words")
    for pair in endings:
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) and p for p in pair)):
            raise SpokenDataError(f"{path}: 'endings' entry {pair!r}: write [spoken ending, standard ending]")
    restored: dict[str, tuple[str, ...]] = {}
    for key, value in letters.items():
        values = [value] if isinstance(value, str) else value
        if not (isinstance(key, str) and len(key) == 1 and isinstance(values, list)
                and values and all(isinstance(v, str) and len(v) == 1 for v in values)):
            raise SpokenDataError(f"{path}: 'letters' entry {key!r}: write a letter and the letter(s) it stands for")
        restored[key] = tuple(values)
    if not all(isinstance(word, str) and word == word.lower() for word in discourse):
        raise SpokenDataError(f"{path}: 'discourse' must list lower-case words")
    personal = _section(path, data, "personal", dict)
    for kind, words in personal.items():
        if kind not in KINDS:
            raise SpokenDataError(f"{path}: 'personal' entry {kind!r}: the kinds are {', '.join(KINDS)}")
        if not isinstance(words, str) or not words.strip():
            raise SpokenDataError(f"{path}: 'personal' entry {kind!r}: write the words that name it")
    return Spoken(dict(forms), tuple((a, b) for a, b in endings), restored, tuple(dropped), dict(synonyms),
                  frozenset(discourse), dict(personal),
                  hashlib.sha1(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:12])


def load(text: str, path: str) -> Spoken:
    """A :class:`Spoken` from a file's text, read as snippets are: a key written twice (the second
    silently replacing the first) is refused with its line."""
    data, problem = load_yaml_text(text)
    if problem is not None:
        raise SpokenDataError(f"{path}:{problem.line}: {problem.message}")
    return parse(data, path)


@cache
def spoken(lang: str) -> Spoken:
    """The spoken forms of *lang*; an empty :class:`Spoken` for a language without a file."""
    resource = files("kb.language") / "spoken" / f"{lang}.yaml"
    if not resource.is_file():
        return Spoken()
    return load(resource.read_text(encoding="utf-8"), f"kb/language/spoken/{lang}.yaml")


def first_known(candidates: Iterator[str], is_known: Callable[[str], bool]) -> str | None:
    return next((candidate for candidate in candidates if is_known(candidate)), None)
