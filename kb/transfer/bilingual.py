"""A word list from one language of a knowledge base into the others, learned from its own translations.

``kb import --match`` must find the Finnish reply an Estonian reply translates even when that
reply has no Estonian text yet. The search reads a word in every language, but an Estonian
word ("arve") is not a Finnish one ("lasku"), and no Finnish-Estonian dictionary ships with
Vastaus. The knowledge base itself is one: every reply that is already translated pairs its
texts line by line (titles, short texts, sentence by sentence its body and guidance, its
keywords and triggers as a whole). From those pairs :func:`learn` estimates which words
translate which, with IBM Model 1 and a preference for words that stand at the same place in
their sentences (as fast_align does): Finnish and Estonian order their words much alike.

Three more kinds of evidence need no translated reply:

* **cognates**: Finnish and Estonian share many words, spelt a little differently (kiitos /
  kiitus, paketti / pakett, päivä / päev); a word close in spelling to a word the other
  language's texts use is taken for it, at lower weight;
* **the thesaurus** (``kb/language/spoken/``): a loanword both languages' customers type,
  such as "router" (reititin, ruuter), joins the two standard words;
* **compound parts**: a compound's members are translated too (tööpäev: töö + päev).

Nothing here is written per case: a knowledge base with more translations learns more.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from kb.content.model import Snippet
from kb.content.placeholders import PLACEHOLDER
from kb.language.analysis import Token, fold, tokens
from kb.language.spoken import spoken
from kb.transfer.mapping import MARKER

ITERATIONS = 6  # of EM; the table no longer changes much after five on a few hundred units
TENSION = 4.0  # how strongly a word prefers the word at the same relative place (fast_align's lambda)
NULL_SHARE = 0.1  # a word may translate to nothing (Finnish "ole" for an Estonian ending)
MIN_PROBABILITY = 0.12  # translations less likely than this are left out
MAX_TRANSLATIONS = 3  # per word
MIN_COGNATE = 0.75  # spelling similarity (difflib ratio of the folded terms) for a cognate
MIN_COGNATE_LENGTH = 4
COGNATE_WEIGHT = 0.6  # a cognate counts for this share of a learned translation
MAX_SNIPPETS = 2000  # translated snippets learned from: about a minute of EM at the most, once per --match
NULL = "\0"
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass
class Unit:
    """Two texts that say the same thing: the source language's terms and the target's."""

    source: list[str]
    target: list[str]
    ordered: bool = True  # sentences keep their order; a list of keywords is a bag of words
    source_at: list[float] = field(default_factory=list)  # where each term stands, 0..1 (a compound's members
    target_at: list[float] = field(default_factory=list)  # stand where the compound does)


@dataclass
class WordList:
    """Translations of source-language terms into one target language: ``term -> [(term, weight)]``."""

    source: str
    target: str
    table: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    units: int = 0  # how many translated units it was learned from

    def translate(self, term: str) -> list[tuple[str, float]]:
        return self.table.get(term, [])


def _terms(text: str, lang: str) -> list[str]:
    return [tok.stem for tok in content_tokens(text, lang)]


def _placed_terms(text: str, lang: str, with_parts: bool) -> tuple[list[str], list[float]]:
    """Each word's main term, with its compound members when *with_parts*, and where they stand.

    The target side gets the members: a word may translate into a member of a compound there
    (English "day" into the päivä of arkipäivä). Members on both sides, measured on the Estonian
    team's files, turned one of 9 right matches wrong and found none that the target's alone miss.
    """
    toks = content_tokens(text, lang)
    terms, places = [], []
    for i, tok in enumerate(toks):
        for term in dict.fromkeys((tok.stem, *tok.parts) if with_parts else (tok.stem,)):
            terms.append(term)
            places.append((i + 0.5) / len(toks))
    return terms, places


def content_tokens(text: str, lang: str) -> list[Token]:
    """The words of *text* that say something: no placeholders, greetings or number words."""
    text = MARKER.sub(" ", PLACEHOLDER.sub(" ", text))
    return [tok for tok in tokens(text, lang) if not tok.discourse and not tok.word.isdigit()]


def _sentence_pairs(source: str, target: str) -> list[tuple[str, str]]:
    """Sentence by sentence when both texts have as many; else the two texts whole."""
    first, second = _SENTENCE.split(source.strip()), _SENTENCE.split(target.strip())
    return list(zip(first, second, strict=True)) if len(first) == len(second) else [(source, target)]


def units(snippets: Iterable[Snippet], source: str, target: str) -> list[Unit]:
    """The translated pieces of every snippet that has both languages."""
    found: list[Unit] = []
    both = [snippet for snippet in snippets if source in snippet.texts and target in snippet.texts]
    for snippet in sorted(both, key=lambda s: s.id)[:MAX_SNIPPETS]:
        a, b = snippet.texts[source], snippet.texts[target]
        pairs = [(a.title, b.title), (a.short or "", b.short or ""), *_sentence_pairs(a.body, b.body)]
        if snippet.guidance.get(source) and snippet.guidance.get(target):
            pairs += _sentence_pairs(snippet.guidance[source], snippet.guidance[target])
        bags = [(" ; ".join(a.keywords), " ; ".join(b.keywords)),
                (" ; ".join(snippet.triggers.get(source, ())), " ; ".join(snippet.triggers.get(target, ())))]
        for (x, y), ordered in [*((pair, True) for pair in pairs), *((bag, False) for bag in bags)]:
            (a_terms, a_at), (b_terms, b_at) = _placed_terms(x, source, False), _placed_terms(y, target, True)
            unit = Unit(a_terms, b_terms, ordered, a_at, b_at)
            if unit.source and unit.target:
                found.append(unit)
    return found


def _prior(a: float, b: float, ordered: bool) -> float:
    return math.exp(-TENSION * abs(a - b)) if ordered else 1.0


def learn(snippets: Iterable[Snippet], source: str, target: str) -> WordList:
    """The word list from *source* into *target* that the snippets' translations give."""
    pieces = units(snippets, source, target)
    probability: dict[tuple[str, str], float] = defaultdict(lambda: 1.0)  # t(target term | source term)
    for _ in range(ITERATIONS):
        counts: dict[tuple[str, str], float] = defaultdict(float)
        totals: dict[str, float] = defaultdict(float)
        for unit in pieces:
            for word, b in zip(unit.target, unit.target_at, strict=True):
                weights = [probability[(e, word)] * _prior(a, b, unit.ordered)
                           for e, a in zip(unit.source, unit.source_at, strict=True)]
                null = probability[(NULL, word)] * NULL_SHARE * sum(weights) / max(len(weights), 1)
                total = sum(weights) + null
                for e, weight in zip(unit.source, weights, strict=True):
                    counts[(e, word)] += weight / total
                    totals[e] += weight / total
                counts[(NULL, word)] += null / total
                totals[NULL] += null / total
        probability = defaultdict(float, {(e, f): c / totals[e] for (e, f), c in counts.items()})
    table: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for (e, f), p in probability.items():
        if e != NULL and p >= MIN_PROBABILITY:
            table[e].append((f, p))
    for word, thesaurus in _thesaurus(source, target).items():
        table[word] = [*(t for t in table.get(word, []) if t[0] not in thesaurus), *((t, 1.0) for t in thesaurus)]
    wordlist = WordList(source, target, units=len(pieces))
    wordlist.table = {e: sorted(found, key=lambda t: -t[1])[:MAX_TRANSLATIONS] for e, found in table.items()}
    return wordlist


def _thesaurus(source: str, target: str) -> dict[str, list[str]]:
    """Source term -> target terms, joined by a word both languages' spoken data read (``router``)."""
    mine, theirs = spoken(source), spoken(target)
    joined: dict[str, list[str]] = {}
    for section in ("forms", "synonyms"):
        first, second = getattr(mine, section), getattr(theirs, section)
        for loanword in set(first) & set(second):
            for a in _terms(first[loanword], source):
                joined.setdefault(a, []).extend(t for t in _terms(second[loanword], target) if t not in joined.get(a, []))
    return joined


def cognates(term: str, vocabulary: Iterable[str]) -> list[tuple[str, float]]:
    """Terms of *vocabulary* spelt nearly like *term* (folded): kiitus ~ kiitos, pakett ~ paketti."""
    if len(term) < MIN_COGNATE_LENGTH:
        return []
    found = []
    for other in vocabulary:
        if other[:1] != term[:1] or abs(len(other) - len(term)) > 3 or len(other) < MIN_COGNATE_LENGTH:
            continue
        ratio = SequenceMatcher(None, fold(term), fold(other), autojunk=False).ratio()
        if ratio >= MIN_COGNATE:
            found.append((other, ratio))
    return sorted(found, key=lambda t: -t[1])[:MAX_TRANSLATIONS]
