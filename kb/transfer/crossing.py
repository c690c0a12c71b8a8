"""Vastaus's search, reaching replies that have no text in the imported reply's language yet.

The search reads a query in every language, so an Estonian reply finds the replies whose
Estonian texts use its words. A reply with only its Finnish (and English) text is found
through the word list the knowledge base's own translations give (:mod:`kb.transfer.bilingual`):
:mod:`kb.search.crosslang` lets each Estonian word of the query also look for its Finnish and
English translations, as one piece of evidence with the word itself, so a reply is found by
what it says in whichever language it says it. This module decides what a word translates to:
its learned translations, its compound members' and its cognates.
"""

from __future__ import annotations

from kb.content.kbyaml import KBSettings
from kb.language.analysis import Token
from kb.search import crosslang
from kb.search.service import SearchService
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
# Once the replies' Estonian keywords grew (each language its own customers' words), 0.3 fell to
# 10/10 and 8/10, while 0.2, 0.15 and 0.1 give 10/10 and 10/10: 0.2, the edge nearest the old value.
DIRECT_WEIGHT = 0.2


class Bridge:
    """Searches with a query's words in its own language and translated into the others."""

    def __init__(self, service: SearchService, settings: KBSettings):
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
                for word in crosslang.vocabulary(self.service, target):
                    by_letter.setdefault(word[:1], []).append(word)
                self._by_letter[target] = by_letter
            self._cognates_cache[key] = cognates(term, self._by_letter[target].get(term[:1], []))
        return self._cognates_cache[key]

    def translations(self, tok: Token, written: str, target: str) -> dict[str, float]:
        """The terms of *target* that one word of *written* may stand for, each with its weight."""
        wordlist = self.wordlist(written, target)
        candidates = [(term, TRANSLATION_WEIGHT * weight) for term, weight in wordlist.translate(tok.stem)]
        candidates += [(term, PART_WEIGHT * weight) for part in tok.parts for term, weight in wordlist.translate(part)]
        candidates += [(term, COGNATE_WEIGHT * ratio) for term, ratio in self._cognates(tok.stem, target)]
        vocabulary = crosslang.vocabulary(self.service, target)
        terms: dict[str, float] = {}
        for term, weight in candidates:
            if term in vocabulary:
                terms[term] = max(terms.get(term, 0.0), weight)
        return terms

    def search(self, query: str, written: str) -> list[tuple[str, float, str]]:
        """``(id, score, the reply's source text)``, best first, for *query* written in *written*."""
        hits = crosslang.search(self.service, query, content_tokens(query, written), written,
                                lambda tok, target: self.translations(tok, written, target), DIRECT_WEIGHT, LIMIT)
        found = []
        for snippet_id, score in hits:
            snippet = self.service.snippet(snippet_id)
            text = snippet.text_for(snippet.source_lang)
            found.append((snippet_id, score, f"{text.title}\n{text.body}"))
        return found


__all__ = ["DIRECT_WEIGHT", "Bridge"]
