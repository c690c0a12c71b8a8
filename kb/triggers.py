"""Which escalations a customer's message calls for: trigger phrases found in the message.

A trigger phrase matches when its words, analysed like search terms, stand one after another
in the message. Both are analysed in the same language, and every language of the knowledge
base is tried, so "lakimieheen" meets the trigger "lakimies" through Finnish stems and a
customer who writes English in a Finnish thread still meets "lawyer". For Finnish and
Estonian, whose words change inside as they inflect, the truncations of the words may match
too. Stop words are skipped on both sides, so "puhun lakimiehen kanssa" meets "lakimies".

Matching is exact and explainable on purpose: escalation wording is approved legal and
communications text, and agents are shown exactly which phrases called for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kb.analysis import tokens
from kb.model import Snippet

TRUNC_LANGS = ("fi", "et")  # languages whose inflection changes the stem: truncations match too


@dataclass(frozen=True)
class _Pattern:
    snippet_id: str
    phrase: str
    terms: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    snippet: Snippet
    phrases: tuple[str, ...]  # the trigger phrases found, as written in the snippet


class TriggerMatcher:
    """Finds the trigger phrases of a set of escalation snippets in messages.

    Built once per index generation (phrases are analysed here, not per message); matching a
    message is one pass over its words per language and term kind.
    """

    def __init__(self, snippets: Iterable[Snippet], languages: Iterable[str]):
        self.languages = tuple(languages)
        self.snippets: dict[str, Snippet] = {}
        # (analysis language, "stem" | "trunc") -> first term -> patterns starting with it
        self._patterns: dict[tuple[str, str], dict[str, list[_Pattern]]] = {}
        for snippet in snippets:
            self.snippets[snippet.id] = snippet
            for lang, phrases in snippet.triggers.items():
                for phrase in phrases:
                    self._add(snippet.id, phrase, lang)

    def _add(self, snippet_id: str, phrase: str, phrase_lang: str) -> None:
        if not tokens(phrase, phrase_lang):
            return  # only stop words in its own language: it would match almost any message
        for lang in self.languages:
            toks = tokens(phrase, lang)
            if not toks:
                continue  # only stop words: it would match everything
            kinds = {"stem": tuple(t.stem for t in toks)}
            if lang in TRUNC_LANGS:
                kinds["trunc"] = tuple(t.trunc for t in toks)
            for kind, terms in kinds.items():
                table = self._patterns.setdefault((lang, kind), {})
                table.setdefault(terms[0], []).append(_Pattern(snippet_id, phrase, terms))

    def match(self, message: str) -> list[Match]:
        """Escalations whose triggers occur in *message*, in the order they first occur."""
        found: dict[str, dict[str, int]] = {}  # snippet id -> phrase -> first position
        for lang in self.languages:
            toks = tokens(message, lang)
            for kind in ("stem", "trunc"):
                table = self._patterns.get((lang, kind))
                if not table:
                    continue
                terms = [getattr(t, kind) for t in toks]
                for position, term in enumerate(terms):
                    for pattern in table.get(term, ()):
                        end = position + len(pattern.terms)
                        if tuple(terms[position:end]) == pattern.terms:
                            phrases = found.setdefault(pattern.snippet_id, {})
                            phrases[pattern.phrase] = min(phrases.get(pattern.phrase, position), position)
        ordered = sorted(found.items(), key=lambda item: min(item[1].values()))
        return [
            Match(self.snippets[sid], tuple(sorted(phrases, key=lambda p: (phrases[p], p))))
            for sid, phrases in ordered
        ]
