"""Which escalations a customer's message calls for: trigger phrases found in the message.

A trigger phrase matches when its words stand one after another in the message, each
message word being "the same word" as the trigger's: the same stem or lemma (so
"lakimieheen" meets "lakimies"), a compound that ends in it ("kuluttajariitalautakuntaan"
meets "lautakunta"), or, for Finnish and Estonian, a stem that differs only by one or two
final letters ("juristi" meets "jurist"), which covers case forms Snowball leaves apart.
The message is read in every language of the knowledge base, each phrase in its own, so a
customer who writes English in a Finnish thread still meets "lawyer". Stop words are skipped on
both sides, except the question words of ``kb.language.stopwords.TRIGGER_QUESTIONS`` ("who",
"kes", "kuka"): a trigger that asks who did something matches only a message that asks it too.

Deliberately not a prefix or truncation match: "toimittaja" (journalist) must not fire on
"toimii" (works), nor "kuluttajariitalautakunta" on "kulut" (costs). Matching is exact and
explainable: escalation wording is approved text, and agents see which phrases called for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kb.content.model import Snippet
from kb.language.analysis import Token, fold, tokens, truncation, words
from kb.language.stopwords import TRIGGER_QUESTIONS

NEAR_LANGS = ("fi", "et")  # languages whose case forms Snowball often leaves with different stems
MIN_NEAR = 5
BUCKET = 4  # words are looked up by the first letters of their stem, then compared exactly


def trigger_tokens(text: str, lang: str) -> list[Token]:
    """The content words of *text*, and its question words (TRIGGER_QUESTIONS), in order."""
    questions = TRIGGER_QUESTIONS.get(lang, frozenset())
    found: list[Token] = []
    for word in words(text):
        if word in questions:
            found.append(Token(word, fold(word), truncation(word)))
        else:
            found += tokens(word, lang)
    return found


def _keys(tok: Token) -> set[str]:
    return {term[:BUCKET] for term in (*tok.terms, *tok.parts)}


def same_word(trigger: Token, word: Token, lang: str) -> bool:
    """Is the message *word* the trigger's word, in an inflected form or as a compound's head?"""
    terms = set(word.terms)
    if terms & set(trigger.terms) or trigger.stem in word.parts:
        return True
    if lang in NEAR_LANGS:
        for a in trigger.terms:
            for b in terms:
                short, long_ = sorted((a, b), key=len)
                if len(short) >= MIN_NEAR and long_.startswith(short) and len(long_) - len(short) <= 2:
                    return True
    return False


@dataclass(frozen=True)
class _Pattern:
    snippet_id: str
    phrase: str
    terms: tuple[Token, ...]


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
        # analysis language -> first letters of the first word's terms -> patterns
        self._patterns: dict[str, dict[str, list[_Pattern]]] = {}
        for snippet in snippets:
            self.snippets[snippet.id] = snippet
            for lang, phrases in snippet.triggers.items():
                for phrase in phrases:
                    self._add(snippet.id, phrase, lang)

    def _add(self, snippet_id: str, phrase: str, phrase_lang: str) -> None:
        """A phrase is read in its own language only: the message is read in every language, so
        an English phrase meets English words in a Finnish message, while read as Finnish the
        English "moron" became "moro", a Finnish greeting."""
        if not tokens(phrase, phrase_lang):
            return  # only stop words in its own language: it would match almost any message
        toks = tuple(trigger_tokens(phrase, phrase_lang))
        table = self._patterns.setdefault(phrase_lang, {})
        for key in {term[:BUCKET] for term in toks[0].terms}:
            table.setdefault(key, []).append(_Pattern(snippet_id, phrase, toks))

    def match(self, message: str) -> list[Match]:
        """Escalations whose triggers occur in *message*, the most urgent first (their
        ``priority``), then in the order they first occur."""
        found: dict[str, dict[str, int]] = {}  # snippet id -> phrase -> first position
        for lang in self.languages:
            table = self._patterns.get(lang)
            if not table:
                continue
            found_words = trigger_tokens(message, lang)
            for position, word in enumerate(found_words):
                candidates = {id(p): p for key in _keys(word) for p in table.get(key, ())}
                for pattern in candidates.values():
                    following = found_words[position:position + len(pattern.terms)]
                    if len(following) == len(pattern.terms) and all(
                            same_word(t, w, lang) for t, w in zip(pattern.terms, following, strict=True)):
                        phrases = found.setdefault(pattern.snippet_id, {})
                        phrases[pattern.phrase] = min(phrases.get(pattern.phrase, position), position)
        ordered = sorted(found.items(), key=lambda item: (self.snippets[item[0]].priority, min(item[1].values())))
        return [
            Match(self.snippets[sid], tuple(sorted(phrases, key=lambda p: (phrases[p], p))))
            for sid, phrases in ordered
        ]
