"""Language analysis shared by indexing, querying and trigger matching.

Engine-independent on purpose: the index stores the terms produced here, so the engine
(Whoosh today) only matches and scores terms and could be replaced.

A word becomes two terms:

* its **stem**: Snowball for the language, then folded so that "hairio" meets "häiriö";
* its **truncation**: the first :data:`TRUNCATE` letters of the folded word. Finnish and
  Estonian change the inside of a word as it inflects (liikenne/liikenteen,
  yhteys/yhteyden, ülemus/ülemusega) where Snowball gives different stems; truncation,
  a well-known strong baseline for Finnish retrieval, joins them at lower weight.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

from kb.stopwords import STOP_WORDS

SNOWBALL = {"fi": "finnish", "et": "estonian", "en": "english"}
TRUNCATE = 5
MIN_WORD = 2
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


@dataclass(frozen=True)
class Token:
    word: str  # the lower-case word as written
    stem: str
    trunc: str


def tokens(text: str, lang: str) -> list[Token]:
    """Content words of *text* in *lang*: stop words and 1-letter words dropped."""
    result = []
    for word in words(text):
        if len(word) < MIN_WORD or len(word) > MAX_WORD or is_stop_word(word, lang):
            continue
        result.append(Token(word, stem(word, lang), truncation(word)))
    return result


def stems(text: str, lang: str) -> list[str]:
    return [token.stem for token in tokens(text, lang)]


def truncations(text: str, lang: str) -> list[str]:
    return [token.trunc for token in tokens(text, lang)]
