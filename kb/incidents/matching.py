"""Is a customer's message about the incident? Decided from the search's own reading of it.

Two signs, either enough, and no word list of our own:

* **ranking**: among the first :data:`RANK_WINDOW` results the search found for the message, one
  of the incident's replies (its pinned reply, the others it names, the resolved reply) scores
  at least :data:`MARGIN` of the best score: the search itself reads the message as this case;
* **keywords**: the message, analysed as the search analyses it (kb.language.analysis: lemmas,
  stems, compound parts, spoken forms), holds every content word of one of those replies'
  keyword phrases of two or more words in the message's language ("netti ei toimi": *netti*
  and *toimia*). One-word keywords are left to the ranking: alone, a word such as "tõrge"
  (glitch) is as likely to be about a payment.

The replies' keywords are what editors maintain for the search, so a new way customers say
"the network is down" is added once, in the reply, and both the search and the incident
follow it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from kb.content.model import Snippet
from kb.language.analysis import tokens

RANK_WINDOW = 3
MARGIN = 0.75
MIN_PHRASE_WORDS = 2

Phrase = tuple[frozenset[str], ...]  # the terms of each content word of a keyword phrase


@dataclass(frozen=True)
class Topic:
    """What says a message is about an incident: its replies' ids and keyword phrases per language."""

    reply_ids: frozenset[str]
    phrases: dict[str, tuple[Phrase, ...]]


def _terms(token) -> frozenset[str]:
    return frozenset((*token.terms, *token.parts))


@lru_cache(maxsize=50_000)
def _phrase(keyword: str, lang: str) -> Phrase:
    return tuple(frozenset(token.terms) for token in tokens(keyword, lang))


def topic(snippets: Iterable[Snippet]) -> Topic:
    """The topic of an incident whose replies are *snippets*."""
    phrases: dict[str, list[Phrase]] = {}
    ids = set()
    for snippet in snippets:
        ids.add(snippet.id)
        for lang, text in snippet.texts.items():
            for keyword in text.keywords:
                phrase = _phrase(keyword, lang)
                if len(phrase) >= MIN_PHRASE_WORDS:
                    phrases.setdefault(lang, []).append(phrase)
    return Topic(frozenset(ids), {lang: tuple(dict.fromkeys(items)) for lang, items in phrases.items()})


def ranks_first(results: list[dict], reply_ids: frozenset[str]) -> bool:
    """Does one of *reply_ids* stand among the first results, close to the best score?"""
    window = results[:RANK_WINDOW]
    if not window or not window[0].get("score"):
        return False
    best = float(window[0]["score"])
    return any(item["id"] in reply_ids and float(item.get("score") or 0.0) >= MARGIN * best for item in window)


def says_keywords(message: str, lang: str, topic_: Topic) -> bool:
    """Does *message* (written in *lang*) hold all the content words of one of the topic's phrases?"""
    phrases = topic_.phrases.get(lang)
    if not phrases:
        return False
    words = [_terms(token) for token in tokens(message, lang)]
    present = frozenset().union(*words) if words else frozenset()
    return any(all(terms & present for terms in phrase) for phrase in phrases)


def is_about(message: str, lang: str, results: list[dict], topic_: Topic) -> bool:
    """Is *message*, written in *lang*, whose search found *results* (best first), about the topic?"""
    return ranks_first(results, topic_.reply_ids) or says_keywords(message, lang, topic_)
