"""Vastaus's search, reaching replies that have no text in the imported reply's language yet.

The search reads a query in every language, so an Estonian reply finds the replies whose
Estonian texts use its words. A reply with only its Finnish (and English) text is found
through the word list the knowledge base's own translations give (:mod:`kb.transfer.bilingual`):
each Estonian word of the query also looks for its Finnish and English translations, as one
piece of evidence with the word itself (the engine scores a word's best form, whatever the
language), so a reply is found by what it says in whichever language it says it. The search
code itself is not changed: this adds clauses to the plan the search makes.
"""

from __future__ import annotations

import itertools

from kb.content.kbyaml import KBSettings
from kb.engine import FIELD_KINDS, Clause, field_name
from kb.language.analysis import fold, pair
from kb.search.planner import PAIR_BOOST
from kb.transfer.bilingual import COGNATE_WEIGHT, WordList, cognates, content_tokens, learn

LIMIT = 10  # hits looked at; the best two are proposed
TRANSLATION_WEIGHT = 1.0  # a learned translation counts as the word itself, times its probability
PART_WEIGHT = 0.5  # a compound member's translation (tööpäev: päev -> päivä)
# The words matched in the texts of the query's own language count this share: those texts are
# found with every expansion of the search (forms, pairs, compounds), translations only through
# the word list, so at full weight a reply already translated on a near topic outranks the
# untranslated reply that says the same thing. Measured on the Estonian team's Zammad file (right
# best hits with the replies' Estonian texts / without them): 1.0 gives 9/10 and 6/10, 0.5 10/10
# and 7/10, 0.3 and 0.2 10/10 and 9/10 (bench/import_match.py prints the rates of every format).
DIRECT_WEIGHT = 0.3


class Bridge:
    """Searches with a query's words in its own language and translated into the others."""

    def __init__(self, service, settings: KBSettings):
        self.service = service
        self.settings = settings
        self._lists: dict[tuple[str, str], WordList] = {}
        self._snippets = None
        self._by_letter: dict[str, dict[str, list[str]]] = {}
        self._cognates_cache: dict[tuple[str, str], list[tuple[str, float]]] = {}

    def wordlist(self, source: str, target: str) -> WordList:
        key = (source, target)
        if key not in self._lists:
            if self._snippets is None:
                self._snippets = self.service.snippets()
            self._lists[key] = learn(self._snippets, source, target)
        return self._lists[key]

    def _cognates(self, term: str, target: str) -> list[tuple[str, float]]:
        """Cognates of *term* among the terms the *target* texts use (looked up by first letter, once)."""
        key = (term, target)
        if key not in self._cognates_cache:
            if target not in self._by_letter:
                by_letter: dict[str, list[str]] = {}
                for word in self.service.engine.vocabulary(field_name(target, "text")):
                    by_letter.setdefault(word[:1], []).append(word)
                self._by_letter[target] = by_letter
            self._cognates_cache[key] = cognates(term, self._by_letter[target].get(term[:1], []))
        return self._cognates_cache[key]

    def _translations(self, tok, written: str, target: str) -> dict[str, float]:
        """The terms of *target* that one word of *written* may stand for, each with its weight."""
        wordlist = self.wordlist(written, target)
        terms: dict[str, float] = {}
        candidates = [(term, TRANSLATION_WEIGHT * weight) for term, weight in wordlist.translate(tok.stem)]
        candidates += [(term, PART_WEIGHT * weight) for part in tok.parts for term, weight in wordlist.translate(part)]
        candidates += [(term, COGNATE_WEIGHT * ratio) for term, ratio in self._cognates(tok.stem, target)]
        vocabulary = self.service.engine.vocabulary(field_name(target, "text"))
        for term, weight in candidates:
            if term in vocabulary:
                terms[term] = max(terms.get(term, 0.0), weight)
        return terms

    def clauses(self, text: str, written: str) -> list[Clause]:
        """Clauses for *text*'s words translated into every other language of the knowledge base:
        each word's terms as one group with the word itself, and neighbouring words' as pairs."""
        found: list[Clause] = []
        toks = content_tokens(text, written)
        for target in self.settings.languages:
            if target == written:
                continue
            name, pairs_name = field_name(target, "text"), field_name(target, "pairs")
            pair_vocabulary = self.service.engine.vocabulary(pairs_name)
            translated = {tok: self._translations(tok, written, target) for tok in dict.fromkeys(toks)}
            for tok, terms in translated.items():
                found += [Clause(name, term, weight, fold(tok.word)) for term, weight in terms.items()]
            for a, b in itertools.pairwise(toks):
                group = f"{fold(a.word)}+{fold(b.word)}"
                for x, wx in translated[a].items():
                    for y, wy in translated[b].items():
                        term = pair(x, y)
                        if x != y and term in pair_vocabulary:
                            found.append(Clause(pairs_name, term, PAIR_BOOST * wx * wy, group))
        return found

    def search(self, query: str, written: str, original: str) -> list[tuple[str, float, str]]:
        """``(id, score, the reply's source text)``, best first, for *query* written in *written*."""
        plan = self.service.planner.plan(query, {written: 1.0})
        own = {field_name(written, kind) for kind in FIELD_KINDS}
        direct = [Clause(c.field, c.text, c.boost * DIRECT_WEIGHT, c.group) if c.field in own else c for c in plan.clauses]
        hits = self.service.engine.search(direct + self.clauses(query, written), LIMIT, channel=None, kinds=None)
        found = []
        for hit in hits:
            snippet = self.service.snippet(hit.id)
            text = snippet.text_for(snippet.source_lang)
            found.append((hit.id, hit.score, f"{text.title}\n{text.body}"))
        return found


__all__ = ["DIRECT_WEIGHT", "Bridge"]
