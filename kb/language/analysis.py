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

import itertools
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

from kb.language import estonian, morphology
from kb.language.spoken import first_known, spoken
from kb.language.stopwords import ASKING, STOP_WORDS

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
    """Lower-case words of *text*, in order; punctuation, emoji and control characters dropped.

    A typographic apostrophe is read as a straight one: phones type "don’t", stop words say "don't"."""
    return [match.group(0).lower().replace("’", "'") for match in WORD.finditer(text)]


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


def _morphology_analyse(word: str, lang: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(lemmas, compound parts)`` from the language's dictionary analyser; empty when it has none
    or does not know the word."""
    if lang == "fi":
        return morphology.analyse(word)
    if lang == "et":
        lemmas, parts, _name = estonian.analyse(word)
        return lemmas, parts
    return (), ()


def has_morphology(lang: str) -> bool:
    return (lang == "fi" and morphology.available()) or (lang == "et" and estonian.available())


def spelling_suggestions(word: str, lang: str) -> tuple[str, ...]:
    """The dictionary's spelling suggestions for an unknown word (Voikko, Vabamorf)."""
    if lang == "fi":
        return morphology.suggestions(word)
    if lang == "et":
        return estonian.suggestions(word)
    return ()


def describe() -> dict[str, str]:
    """Which analysis each language gets here; an index built with another must be rebuilt.

    Names the analysers and a digest of the language's spoken-forms file, whose rules change terms.
    """
    described = {lang: f"snowball-{name}" for lang, name in SNOWBALL.items()}
    if morphology.available():
        described["fi"] = "voikko+snowball-finnish"
    if estonian.available():
        described["et"] = "vabamorf+snowball-estonian"
    return {lang: f"{name}+spoken-{spoken(lang).digest}" for lang, name in described.items()}


@dataclass(frozen=True)
class Token:
    word: str  # the lower-case word as written
    stem: str  # the main term: the dictionary's lemma, else the Snowball stem (folded)
    trunc: str
    alts: tuple[str, ...] = ()  # other terms for the same word: other lemmas, the Snowball stem, synonyms
    parts: tuple[str, ...] = ()  # compound members and runs of them (Finnish with Voikko, Estonian with Vabamorf)
    discourse: bool = False  # a greeting, politeness, filler or number word (kb/language/spoken/)

    @property
    def terms(self) -> tuple[str, ...]:
        return (self.stem, *self.alts)


def _standard(word: str, lang: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """The standard word *word* stands for, with its lemmas and compound parts.

    A spoken form is replaced by its standard word; an unknown word by the first standard spelling
    (spoken ending replaced, left-out letters restored) that the dictionary knows.
    """
    rules = spoken(lang)
    standard = rules.standard(word)
    lemmas, parts = _morphology_analyse(standard, lang)
    if not lemmas and has_morphology(lang):
        fixed = first_known(rules.spellings(standard), lambda w: bool(_morphology_analyse(w, lang)[0]))
        if fixed:
            standard = fixed
            lemmas, parts = _morphology_analyse(fixed, lang)
    return standard, lemmas, parts


@lru_cache(maxsize=200_000)
def _token(word: str, lang: str) -> Token:
    rules = spoken(lang)
    standard, lemmas, parts = _standard(word, lang)
    snowball = stem(standard, lang)
    discourse = bool({word, standard, *lemmas} & rules.discourse)
    synonyms = [rules.synonyms[w] for w in dict.fromkeys((word, standard, *lemmas)) if w in rules.synonyms]
    by_stem = _synonyms_by_stem(lang)
    if not synonyms and not lemmas and snowball in by_stem:  # "shipments" as "shipment"
        synonyms = [by_stem[snowball]]
    synonym_terms = [term for synonym in synonyms for term in _main_terms(synonym, lang)]
    if lemmas:
        folded = [fold(lemma) for lemma in lemmas]
        head = folded[0]
        others = [*folded[1:], snowball]
    else:
        head = snowball
        others = []
    # A short alternative stem matches too much; a declared synonym is meant, however short ("tv").
    terms = dict.fromkeys([*(t for t in others if len(t) >= MIN_ALT), *synonym_terms])
    alts = tuple(t for t in terms if t != head)
    return Token(word, head, truncation(standard), alts, tuple(fold(p) for p in parts), discourse)


@lru_cache(maxsize=8)
def _synonyms_by_stem(lang: str) -> dict[str, str]:
    """A language's synonyms keyed by their Snowball stems, for words no dictionary lemmatises
    (English here): a synonym declared for "shipment" also stands for "shipments"."""
    return {stem(word, lang): synonym for word, synonym in spoken(lang).synonyms.items()}


def _main_terms(word: str, lang: str) -> list[str]:
    """The lemma (else the stem) of a synonym, as the index has it."""
    lemmas, _parts = _morphology_analyse(word, lang)
    return [fold(lemmas[0])] if lemmas else [stem(word, lang)]


@lru_cache(maxsize=200_000)
def _content_token(word: str, lang: str) -> Token | None:
    """The token of a content word; None for stop words and words too short or long to use."""
    if not MIN_WORD <= len(word) <= MAX_WORD or is_stop_word(word, lang):
        return None
    standard = spoken(lang).standard(word)
    if standard != word and is_stop_word(standard, lang):  # "mä" is "minä"
        return None
    if not {word, standard} & ASKING.get(lang, frozenset()) and _lemma_is_stop_word(word, lang):
        # "enkä" is a form of "ei", "minäkin" of "minä", "pole" of "olema"
        return None
    return _token(word, lang)


def _lemma_is_stop_word(word: str, lang: str) -> bool:
    """Is the dictionary form of *word* a stop word? Checked before folding: stop words are
    written with their letters, and folded they may meet real words ("älä" would be "ala")."""
    standard, lemmas, _parts = _standard(word, lang)
    if lemmas:
        return lemmas[0] != word and is_stop_word(lemmas[0], lang)
    snowball = stem(standard, lang)  # without a dictionary: the Snowball stem ("others" -> "other")
    return snowball != fold(word) and is_stop_word(snowball, lang)


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


PAIR_JOIN = "+"


def pair(a: str, b: str) -> str:
    """One term for two words that stand together, in either order: Finnish and Estonian word
    order is free ("maksun lykkäys", "lykätä maksua"; "edasi lükata", "lükata edasi")."""
    return PAIR_JOIN.join(sorted((a, b)))


def pairs(toks: list[Token]) -> list[str]:
    """The pairs of neighbouring content words (stop words between them left out), by their main
    terms: what makes "maksu edasi lükata" a postponed payment and not any payment."""
    return [pair(a.stem, b.stem) for a, b in itertools.pairwise(toks) if a.stem != b.stem]


def clear_caches() -> None:
    """Forget every analysed word, the dictionaries' answers included (benchmarks measure the
    cost of words a worker meets for the first time)."""
    for cached in (stem, _token, _content_token, morphology.analyse, morphology.suggestions,
                   estonian.analyse, estonian.suggestions):
        cached.cache_clear()
