"""Turn what an agent typed, or a pasted customer message, into weighted engine clauses.

The query's language is not known, so it is analysed in every language of the knowledge
base, each analysis against that language's fields. Then, per word:

* its stem is looked up in keywords (weighted highest), title and body; its truncation in
  the truncation field at low weight;
* a word found nowhere is treated as a typo (one edit, for words of five letters or more)
  and as a possible compound: vocabulary terms that contain it, or that it is made of;
* the last word, while the agent is still typing, also matches as a prefix (3+ letters);
* a long message keeps only its most telling words, so that every query stays cheap.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from kb.analysis import fold, stem, tokens
from kb.engine import Clause, Engine, field_name

FIELD_BOOST = {"kw": 3.0, "title": 2.0, "body": 1.0}
TRUNC_BOOST = 0.35
FUZZY_BOOST = 0.6
COMPOUND_BOOST = 0.5
PREFIX_BOOST = 0.8
MIN_PREFIX = 3
MIN_FUZZY = 5
MIN_COMPOUND = 5
MAX_QUERY_CHARS = 2000  # a pasted message longer than this is cut (the API refuses far longer)
MAX_TERMS = 14  # per language, for long messages
MAX_EXPANSIONS = 12
SHORT_QUERY_WORDS = 6
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
STEM_KINDS = tuple(FIELD_BOOST)


@dataclass
class Plan:
    clauses: list[Clause] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # the query's content words, for highlighting


def clean(text: str) -> str:
    return _CONTROL.sub(" ", text)[:MAX_QUERY_CHARS]


def _typing_prefix(text: str) -> str | None:
    """The last word when the query does not end in a space or punctuation."""
    if not text or not text[-1].isalnum():
        return None
    last = re.findall(r"[^\W_]+$", text)
    return fold(last[0]) if last and len(last[0]) >= MIN_PREFIX else None


class Planner:
    def __init__(self, engine: Engine, languages: Iterable[str]):
        self.engine = engine
        self.languages = tuple(languages)

    def _df(self, lang: str, term: str) -> int:
        return sum(self.engine.doc_frequency(field_name(lang, kind), term) for kind in STEM_KINDS)

    def _containing(self, lang: str, part: str) -> list[str]:
        """Vocabulary stems in which *part* stands as a compound member (not the stem itself)."""
        found: set[str] = set()
        for kind in STEM_KINDS:
            for term in self.engine.vocabulary(field_name(lang, kind)):
                if len(term) >= len(part) + 3 and part in term:
                    found.add(term)
        return sorted(found, key=len)[:MAX_EXPANSIONS]

    def _parts(self, lang: str, word: str) -> list[str]:
        """Known stems a compound *word* starts or ends with (asiantuntijatiimi -> asiantuntija)."""
        parts = []
        for cut in range(len(word) - 4, 3, -1):
            head = stem(word[cut:], lang)
            if len(head) >= 4 and self._df(lang, head):
                parts.append(head)
                break
        for cut in range(len(word) - 4, 3, -1):
            modifier = stem(word[:cut], lang)
            if len(modifier) >= 4 and self._df(lang, modifier):
                parts.append(modifier)
                break
        return parts

    def plan(self, text: str) -> Plan:
        text = clean(text)
        plan = Plan()
        analysed = {lang: tokens(text, lang) for lang in self.languages}
        known_words: set[str] = set()
        selected: dict[str, list[tuple[str, int]]] = {}
        for lang, toks in analysed.items():
            seen: dict[str, int] = {}
            for tok in toks:
                if tok.stem not in seen:
                    seen[tok.stem] = self._df(lang, tok.stem)
                if seen[tok.stem]:
                    known_words.add(tok.word)
            selected[lang] = [(s, df) for s, df in seen.items() if df]
        all_words = {tok.word for toks in analysed.values() for tok in toks}
        plan.words = sorted(all_words)
        short = len(all_words) <= SHORT_QUERY_WORDS
        total = max(self.engine.doc_count(), 1)
        for lang, toks in analysed.items():
            terms = selected[lang]
            if not short and len(terms) > MAX_TERMS:  # keep the rarest, most telling words
                terms = sorted(terms, key=lambda item: item[1])[:MAX_TERMS]
            for term, df in terms:
                for kind, boost in FIELD_BOOST.items():
                    plan.clauses.append(Clause("term", field_name(lang, kind), term, boost))
                if short and len(term) >= MIN_COMPOUND and df < total:
                    for compound in self._containing(lang, term):
                        for kind, boost in FIELD_BOOST.items():
                            plan.clauses.append(Clause("term", field_name(lang, kind), compound, boost * COMPOUND_BOOST))
            kept = {term for term, _ in terms}
            for tok in toks:
                if tok.stem in kept or (short and tok.word in known_words):
                    plan.clauses.append(Clause("term", field_name(lang, "trunc"), tok.trunc, TRUNC_BOOST))
            for tok in toks:
                if tok.word in known_words:
                    continue
                self._unknown_word(plan, lang, tok.word, tok.stem)
        prefix = _typing_prefix(text)
        if prefix:
            for lang in self.languages:
                for kind, boost in FIELD_BOOST.items():
                    plan.clauses.append(Clause("prefix", field_name(lang, kind), prefix, boost * PREFIX_BOOST))
        return plan

    def _unknown_word(self, plan: Plan, lang: str, word: str, stem_: str) -> None:
        """A word no language knows: maybe a typo, maybe a compound."""
        if len(word) >= MIN_FUZZY:
            for kind, boost in FIELD_BOOST.items():
                plan.clauses.append(Clause("fuzzy", field_name(lang, kind), stem_, boost * FUZZY_BOOST))
        if len(stem_) >= MIN_COMPOUND:
            expansions = self._containing(lang, stem_) + self._parts(lang, fold(word))
            for term in dict.fromkeys(expansions):
                for kind, boost in FIELD_BOOST.items():
                    plan.clauses.append(Clause("term", field_name(lang, kind), term, boost * COMPOUND_BOOST))
