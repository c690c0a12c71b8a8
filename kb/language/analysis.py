"""Language analysis shared by indexing, querying and trigger matching.

Engine-independent on purpose: the index stores the terms produced here, so the engine
(Whoosh today) only matches and scores terms and could be replaced.

A word becomes two terms:

* its **stem**: Snowball for the language, then folded so that "hairio" meets "häiriö";
* its **truncation**: the first :data:`TRUNCATE` letters of the folded word. Finnish and
  Estonian change the inside of a word as it inflects (liikenne/liikenteen,
  yhteys/yhteyden, ülemus/ülemusega) where Snowball gives different stems; truncation,
  a well-known strong baseline for Finnish retrieval, joins them at lower weight.

Finnish words also get their dictionary forms and compound parts from Voikko when it is
installed (:mod:`kb.morphology`): the lemma is then the stem, Snowball's stem an alternative
(it still catches colloquial forms Voikko does not know, "tullu" beside "tullut").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

from kb.language import morphology
from kb.language.stopwords import STOP_WORDS

SNOWBALL = {"fi": "finnish", "et": "estonian", "en": "english"}
TRUNCATE = 5
MIN_WORD = 2
MIN_ALT = 4  # shorter alternative stems match too much
MAX_WORD = 40  # longer "words" (hashes, URLs run together) are not useful terms

WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
_FOLD = str.maketrans({"ä": "a", "ö": "o", "õ": "o", "ü": "u", "å": "a", "š": "s", "ž": "z", "é": "e", "’": "'"})


def fold(text: str) -> str:
    """Lower case without diacritics: "Häiriö" -> "hairio", "õigus" -> "oigus"."""
    text = text.lower().translate(_FOLD)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def words(text: str) -> list[str]:
    """Lower-case words of *text*, in order; punctuation, emoji and control characters dropped."""
    return [match.group(0).lower() for match in WORD.finditer(text)]


@lru_cache(maxsize=8)
def _stemmer(lang: str):
    algorithm = SNOWBALL.get(lang)
    return snowballstemmer.stemmer(algorithm) if algorithm else None


@lru_cache(maxsize=200_000)
def stem(word: str, lang: str) -> str:
    """The folded Snowball stem of one lower-case *word* (the word itself for other languages)."""
    stemmer = _stemmer(lang)
    return fold(stemmer.stemWord(word) if stemmer else word)


def truncation(word: str) -> str:
    return fold(word)[:TRUNCATE]


def is_stop_word(word: str, lang: str) -> bool:
    return word in STOP_WORDS.get(lang, ()) or fold(word) in STOP_WORDS.get(lang, ())


def describe() -> dict[str, str]:
    """Which analysis each language gets here; an index built with another must be rebuilt."""
    described = {lang: f"snowball-{name}" for lang, name in SNOWBALL.items()}
    if morphology.available():
        described["fi"] = "voikko+snowball-finnish"
    return described


@dataclass(frozen=True)
class Token:
    word: str  # the lower-case word as written
    stem: str  # the main term: Voikko's lemma, else the Snowball stem (folded)
    trunc: str
    alts: tuple[str, ...] = ()  # other terms for the same word: other lemmas, the Snowball stem
    parts: tuple[str, ...] = ()  # compound members and runs of them (Finnish with Voikko)

    @property
    def terms(self) -> tuple[str, ...]:
        return (self.stem, *self.alts)


@lru_cache(maxsize=200_000)
def _token(word: str, lang: str) -> Token:
    snowball = stem(word, lang)
    if lang == "fi":
        lemmas, parts = morphology.analyse(word)
        if lemmas:
            folded = [fold(lemma) for lemma in lemmas]
            alts = {term for term in [*folded[1:], snowball] if len(term) >= MIN_ALT} - {folded[0]}
            return Token(word, folded[0], truncation(word), tuple(sorted(alts)), tuple(fold(p) for p in parts))
    return Token(word, snowball, truncation(word))


@lru_cache(maxsize=200_000)
def _content_token(word: str, lang: str) -> Token | None:
    """The token of a content word; None for stop words and words too short or long to use."""
    if not MIN_WORD <= len(word) <= MAX_WORD or is_stop_word(word, lang):
        return None
    return _token(word, lang)


def tokens(text: str, lang: str) -> list[Token]:
    """Content words of *text* in *lang*: stop words and 1-letter words dropped."""
    found = (_content_token(word, lang) for word in words(text))
    return [token for token in found if token is not None]


def stems(text: str, lang: str) -> list[str]:
    """Index terms of *text*: every word's stem and alternatives."""
    return [term for token in tokens(text, lang) for term in token.terms]


def truncations(text: str, lang: str) -> list[str]:
    return [token.trunc for token in tokens(text, lang)]


def parts(text: str, lang: str) -> list[str]:
    return [part for token in tokens(text, lang) for part in token.parts]
