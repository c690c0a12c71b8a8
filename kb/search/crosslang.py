"""A search whose words also look for their translations: ``kb import --match`` only.

The search reads a query in every language, but a word of one language ("arve") is not the
word another language's texts use ("lasku"). ``kb import --match`` knows translations (a word
list learned from the knowledge base, :mod:`kb.transfer.bilingual`) and gives them here: each
word of the query then also looks for its translations in the other languages' texts, as one
piece of evidence with the word itself (the engine scores a word's best form, whatever the
language), and neighbouring words as pairs. The plan of the query itself is the planner's,
unchanged; agents' searches never come here.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from kb.engine import FIELD_KINDS, Clause, field_name
from kb.language.analysis import Token, fold, pair
from kb.search.planner import PAIR_BOOST
from kb.search.service import SearchService

Translate = Callable[[Token, str], dict[str, float]]  # a word, a target language -> its terms there, weighted


def vocabulary(service: SearchService, lang: str) -> dict[str, int]:
    """The terms the *lang* texts use (keywords, titles, bodies) with their document counts."""
    return service.engine.vocabulary(field_name(lang, "text"))


def translated_clauses(service: SearchService, toks: list[Token], written: str, translate: Translate) -> list[Clause]:
    """Clauses for the words *toks* of *written* translated into every other language."""
    found: list[Clause] = []
    for target in service.settings.languages:
        if target == written:
            continue
        name, pairs_name = field_name(target, "text"), field_name(target, "pairs")
        pair_vocabulary = service.engine.vocabulary(pairs_name)
        terms = {tok: translate(tok, target) for tok in dict.fromkeys(toks)}
        for tok, weighted in terms.items():
            found += [Clause(name, term, weight, fold(tok.word)) for term, weight in weighted.items()]
        for a, b in itertools.pairwise(toks):
            group = f"{fold(a.word)}+{fold(b.word)}"
            for x, wx in terms[a].items():
                for y, wy in terms[b].items():
                    term = pair(x, y)
                    if x != y and term in pair_vocabulary:
                        found.append(Clause(pairs_name, term, PAIR_BOOST * wx * wy, group))
    return found


def search(service: SearchService, query: str, toks: list[Token], written: str, translate: Translate,
           own_weight: float, limit: int) -> list[tuple[str, float]]:
    """``(id, score)`` best first: the planner's plan of *query* read as *written*, its clauses on
    *written*'s own fields weighed by *own_weight*, plus *toks* translated by *translate*."""
    plan = service.planner.plan(query, written)
    own = {field_name(written, kind) for kind in FIELD_KINDS}
    clauses = [Clause(c.field, c.text, c.boost * own_weight, c.group) if c.field in own else c for c in plan.clauses]
    hits = service.engine.search(clauses + translated_clauses(service, toks, written, translate), limit, channel=None,
                                 kinds=None)
    return [(hit.id, hit.score) for hit in hits]
