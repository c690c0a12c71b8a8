"""Turn what an agent typed, or a pasted customer message, into weighted engine clauses.

The query's language is not known, so it is analysed in every language of the knowledge
base, each analysis against that language's fields. Then, per word:

* its stem is looked up in keywords (weighted highest), title and body; its truncation in
  the truncation field at low weight;
* a word found in no language is treated as a typo (one edit, for words of five letters or
  more) and as a possible compound: vocabulary terms that contain it, or that it is made of;
* the last word, while the agent is still typing, also matches as a prefix (3+ letters);
* a long message keeps only its most telling words, so that every query stays cheap.

Expansions come from an in-memory :class:`Lexicon` of each language, rebuilt only when the
index changes; the engine then matches exact terms only.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from kb.engine import Clause, Engine, field_name
from kb.engine import inverse_document_frequency as engine_idf
from kb.language import personal
from kb.language.analysis import Token, fold, pair, spelling_suggestions, stem, tokens, words
from kb.language.spoken import spoken

FIELD_BOOST = {"text": 1.0}  # where a word stands (keyword, title, body) is weighed at indexing
STEM_KINDS = tuple(FIELD_BOOST)
TRUNC_BOOST = 0.35
ALT_BOOST = 0.7
PART_BOOST = 0.5
FUZZY_BOOST = 0.6
COMPOUND_BOOST = 0.5
PREFIX_BOOST = 0.8
MIN_PREFIX = 3
MIN_FUZZY = 5
MIN_COMPOUND = 5
MIN_NEAR = 5
NEAR_BOOST = 0.6
PAIR_BOOST = 0.5
PAIR_TERMS = 2  # terms of each word tried in a pair (its main term and first alternative)
MAX_SPELLED = 4  # unknown words per query sent to the (slower) Finnish speller
MAX_QUERY_CHARS = 2000  # a pasted message longer than this is cut (the API refuses far longer)
MAX_TERMS = 14  # per language, for long messages
MAX_EXPANSIONS = 12
SHORT_QUERY_WORDS = 6
COMMON_SHARE = 0.2  # terms in more than this share of the snippets...
COMMON_MIN_DOCS = 200  # ...and in more than this many are dropped (only large knowledge bases have them)
MAX_CACHED_WORDS = 50_000  # words whose clauses a planner remembers (per index version)
DISCOURSE_WEIGHT = 0.25  # a pasted message's discourse words (greetings, fillers, days...: kb/language/spoken/)
PERSONAL_WEIGHT = 2.0  # the names of the personal data a message shows: the first thing to act on in public
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_ALPHABET = "abcdefghijklmnopqrstuvwxyz"


@dataclass
class Plan:
    clauses: list[Clause] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # the query's content words, for highlighting


def clean(text: str) -> str:
    return _CONTROL.sub(" ", text)[:MAX_QUERY_CHARS]


_INNER_CAPITAL = re.compile(r"(?<![.!?:\n]\s)(?<!^)(?<=\s)([A-ZÄÖÅÕÜŠŽ][^\W\d_]+)")


def inner_capitalised(text: str) -> set[str]:
    """Lower-cased words written with a capital inside a sentence: names of people, places, shops."""
    return {match.group(1).lower() for match in _INNER_CAPITAL.finditer(text.strip())}


def _scaled(clauses: list[tuple[Clause, bool]], weight: float, group: str) -> list[tuple[Clause, bool]]:
    """*clauses* weighed by *weight*, as evidence of one word (*group*: see Clause.group)."""
    return [(Clause(clause.field, clause.text, clause.boost * weight, group), common) for clause, common in clauses]


def typing_prefix(text: str) -> str | None:
    """The last word when the query does not end in a space or punctuation."""
    if not text or not text[-1].isalnum():
        return None
    last = re.findall(r"[^\W_]+$", text)
    return fold(last[0]) if last and len(last[0]) >= MIN_PREFIX else None


def one_edit(word: str) -> set[str]:
    """Every string one deletion, transposition, substitution or insertion away (folded letters)."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    transposes = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in _ALPHABET}
    inserts = {a + c + b for a, b in splits for c in _ALPHABET}
    return (deletes | transposes | replaces | inserts) - {word}


class Lexicon:
    """The stems of one language (keywords, titles and bodies together) with document counts."""

    def __init__(self, vocabularies: Iterable[dict[str, int]]):
        self.df: dict[str, int] = {}
        for vocabulary in vocabularies:
            for term, count in vocabulary.items():
                self.df[term] = max(self.df.get(term, 0), count)
        self.sorted = sorted(self.df)
        self._joined = "\n" + "\n".join(self.sorted) + "\n"

    def with_prefix(self, prefix: str, limit: int = MAX_EXPANSIONS) -> list[str]:
        start = bisect.bisect_left(self.sorted, prefix)
        end = min(bisect.bisect_left(self.sorted, prefix + "\uffff", start), start + limit * 4)
        return sorted(self.sorted[start:end], key=lambda t: -self.df[t])[:limit]

    def containing(self, part: str, limit: int = MAX_EXPANSIONS) -> list[str]:
        """Longer stems in which *part* stands as a compound member."""
        found = set()
        position = self._joined.find(part)
        while position != -1 and len(found) < limit * 4:
            start = self._joined.rfind("\n", 0, position) + 1
            end = self._joined.find("\n", position)
            term = self._joined[start:end]
            if len(term) >= len(part) + 3:
                found.add(term)
            position = self._joined.find(part, end)
        return sorted(found, key=len)[:limit]

    def near(self, term: str) -> list[str]:
        """Stems that differ from *term* only by one or two final letters (juristi ~ jurist).

        Stands in for the morphology Snowball lacks, Estonian's above all, where a case form
        and the nominative often keep different stems (komisjoni/komisjon, teenuse/teenu).
        """
        if len(term) < MIN_NEAR:
            return []
        found = [t for t in self.with_prefix(term, MAX_EXPANSIONS) if 0 < len(t) - len(term) <= 2]
        found += [term[:cut] for cut in (-1, -2) if len(term[:cut]) >= MIN_NEAR and term[:cut] in self.df]
        return found

    def typo_candidates(self, word: str) -> list[str]:
        """Known stems one edit from *word* that keep its first letter."""
        return sorted((c for c in one_edit(word) if c[:1] == word[:1] and c in self.df), key=lambda t: -self.df[t])


class Planner:
    def __init__(self, engine: Engine, languages: Iterable[str]):
        self.engine = engine
        self.languages = tuple(languages)
        self._lexicons: dict[str, Lexicon] = {}
        self._words: dict[tuple, list[tuple[Clause, bool]]] = {}
        self._generation = -1

    def lexicon(self, lang: str) -> Lexicon:
        self.engine.refresh()  # brings the generation up to date
        if self._generation != self.engine.generation:
            self._lexicons, self._words, self._generation = {}, {}, self.engine.generation
        lexicon = self._lexicons.get(lang)
        if lexicon is None:
            vocabularies = [self.engine.vocabulary(field_name(lang, kind)) for kind in STEM_KINDS]
            lexicon = self._lexicons[lang] = Lexicon(vocabularies)
        return lexicon

    def _parts(self, lexicon: Lexicon, lang: str, word: str) -> list[str]:
        """Known stems a compound *word* ends or starts with (asiantuntijatiimi -> asiantuntija)."""
        parts = []
        for cut in range(3, len(word) - 3):
            head = stem(word[cut:], lang)
            if len(head) >= 4 and head in lexicon.df:
                parts.append(head)
                break
        for cut in range(len(word) - 3, 3, -1):
            modifier = stem(word[:cut], lang)
            if len(modifier) >= 4 and modifier in lexicon.df:
                parts.append(modifier)
                break
        return parts

    def plan(self, text: str, written_in: str | None = None) -> Plan:
        """The clauses of *text*, analysed in every language, or only in *written_in* (a pasted
        message's detected language): read as the other languages too, a message's words found
        nothing more (bench.eval_search: the same hit@3) and cost a third of its time.

        In a message (more than SHORT_QUERY_WORDS words) the words that say what happened decide:
        numbers are left out, greetings, thanks and fillers weigh DISCOURSE_WEIGHT, and an unknown
        capitalised word inside a sentence is taken for a name, not expanded as a typo.
        """
        text = clean(text)
        plan = Plan()
        languages = (written_in,) if written_in in self.languages else self.languages
        analysed = {lang: [tok for tok in tokens(text, lang) if not tok.word.isdigit()] for lang in languages}
        lexicons = {lang: self.lexicon(lang) for lang in languages}
        part_vocab = {lang: self.engine.vocabulary(field_name(lang, "parts")) for lang in languages}

        def known(lang: str, tok: Token) -> bool:
            return any(term in lexicons[lang].df for term in tok.terms) or tok.stem in part_vocab[lang]

        known_words = {tok.word for lang, toks in analysed.items() for tok in toks if known(lang, tok)}
        all_words = {tok.word for toks in analysed.values() for tok in toks}
        plan.words = sorted(all_words)
        # Short or a message by the words typed, whichever languages they are read in.
        short = len({word for word in words(text) if not word.isdigit()}) <= SHORT_QUERY_WORDS
        names = set() if short else inner_capitalised(text)
        found: list[tuple[Clause, bool]] = []
        for lang, toks in analysed.items():
            lexicon = lexicons[lang]
            candidates = [tok for tok in dict.fromkeys(toks) if known(lang, tok)]
            if not short and len(candidates) > MAX_TERMS:  # keep the rarest, most telling words
                candidates.sort(key=lambda tok: (tok.discourse, min(lexicon.df.get(t, 10**9) for t in tok.terms)))
                candidates = candidates[:MAX_TERMS]
            for tok in candidates:
                weight = DISCOURSE_WEIGHT if tok.discourse and not short else 1.0
                clauses = self._cached(("known", lang, tok, short), self._known_word, lexicon, lang, tok, short)
                if clauses and clauses[0][1]:
                    # A common word keeps its own term (one clause): dropped, it left only its
                    # expansions, and a rare compound that contains it spoke for it.
                    clauses = [(clauses[0][0], False), *clauses[1:]]
                found += _scaled(clauses, weight, fold(tok.word))
            unknown = [tok for tok in dict.fromkeys(toks) if tok.word not in known_words and tok.word not in names]
            for position, tok in enumerate(unknown):
                spell = position < MAX_SPELLED
                found += _scaled(self._cached(("unknown", lang, tok, spell), self._unknown_word, lexicon, lang, tok, spell),
                                 1.0, fold(tok.word))
        for lang, toks in analysed.items():
            found += self._pairs(lang, [tok for tok in toks if not tok.discourse])
        if not short:
            found += self._personal_data(text, lexicons)
        prefix = typing_prefix(text)
        if prefix:
            for lang in languages:
                found += _scaled(self._cached(("prefix", lang, prefix), self._prefix, lexicons[lang], lang, prefix),
                                 1.0, prefix)
        # Terms found in a large share of a large knowledge base barely change the ranking (their
        # BM25 weight is near zero) but make the engine score most of the index: they are left
        # out, unless the query has nothing else; a known word's own term always stays.
        plan.clauses = [clause for clause, common in found if not common] or [clause for clause, _ in found]
        return plan

    def _personal_data(self, text: str, lexicons: dict[str, Lexicon]) -> list[tuple[Clause, bool]]:
        """The names of the personal data a message carries (a card or phone number...), searched
        as words of the message: the replies about personal data in public name them."""
        found: list[tuple[Clause, bool]] = []
        for kind in personal.found(text):
            for lang in lexicons:
                toks = tokens(spoken(lang).personal.get(kind, ""), lang)
                for tok in toks:
                    found += _scaled(self._cached(("known", lang, tok, False), self._known_word, lexicons[lang], lang,
                                                  tok, False), PERSONAL_WEIGHT, f"personal:{kind}:{fold(tok.word)}")
                found += self._pairs(lang, toks)
        return found

    def _pairs(self, lang: str, toks: list[Token]) -> list[tuple[Clause, bool]]:
        """Neighbouring words that a snippet has side by side too ("arve maksmist ... edasi lükata"):
        stronger evidence than the two words apart. Each pair is one group, whichever forms meet."""
        name = field_name(lang, "pairs")
        vocabulary = self.engine.vocabulary(name)
        found = []
        for a, b in itertools.pairwise(toks):
            group = f"{fold(a.word)}+{fold(b.word)}"
            for x in a.terms[:PAIR_TERMS]:
                for y in b.terms[:PAIR_TERMS]:
                    term = pair(x, y)
                    if x != y and term in vocabulary:
                        found.append((Clause(name, term, PAIR_BOOST, group), False))
        return found

    def _cached(self, key: tuple, make: Callable[..., list[Clause]], *args) -> list[tuple[Clause, bool]]:
        """A word's clauses, each with whether its term is common: computed once per index
        version, since agents' queries repeat the same few hundred words all day."""
        clauses = self._words.get(key)
        if clauses is None:
            if len(self._words) >= MAX_CACHED_WORDS:
                self._words.clear()
            limit = max(COMMON_MIN_DOCS, COMMON_SHARE * self.engine.doc_count())
            clauses = self._words[key] = [
                (clause, self.engine.vocabulary(clause.field).get(clause.text, 0) > limit) for clause in make(*args)]
        return clauses

    def _clauses(self, lang: str, term: str, weight: float, kinds: dict[str, float] = FIELD_BOOST,
                 idf_cap: float | None = None) -> list[Clause]:
        """Clauses for *term* in the fields that have it: a clause on a field without the term
        finds nothing yet costs the engine a look-up.

        With *idf_cap*, an expansion weighs no more than the word it stands for: a rare compound
        that merely contains the word ("pakkparool" for "pakk"), or a rare near form, would
        otherwise outscore the word itself on rarity alone (Lucene blends the frequencies of a
        fuzzy query's terms for the same reason)."""
        found = []
        for kind, boost in kinds.items():
            name = field_name(lang, kind)
            df = self.engine.vocabulary(name).get(term)
            if df is None:
                continue
            scale = 1.0 if idf_cap is None else min(1.0, idf_cap / self._idf(df))
            found.append(Clause(name, term, boost * weight * scale))
        return found

    def _idf(self, df: int) -> float:
        """The engine's idf of a term in *df* documents."""
        return engine_idf(self.engine.doc_count(), df)

    def _prefix(self, lexicon: Lexicon, lang: str, prefix: str) -> list[Clause]:
        """The last word, still being typed, as the start of known terms."""
        return [clause for term in lexicon.with_prefix(prefix) for clause in self._clauses(lang, term, PREFIX_BOOST)]

    def _known_word(self, lexicon: Lexicon, lang: str, tok: Token, short: bool) -> list[Clause]:
        """A word the texts of *lang* use: its terms, compound relations and near forms."""
        clauses: list[Clause] = []
        # The first of its terms the texts use is the word (a colloquial word's standard one,
        # when only that is used); the others are alternatives. None weighs more than the word.
        used = [term for term in tok.terms if term in lexicon.df]
        cap = self._idf(lexicon.df[used[0]]) if used else None
        for rank, term in enumerate(used):
            clauses += self._clauses(lang, term, 1.0 if rank == 0 else ALT_BOOST, idf_cap=cap if rank else None)
        if tok.stem in self.engine.vocabulary(field_name(lang, "parts")):  # a member of a compound in the texts
            clauses += self._clauses(lang, tok.stem, 1.0, {"parts": PART_BOOST}, idf_cap=cap)
        for part in tok.parts:  # the word is a compound whose members the texts use
            if part in lexicon.df:
                clauses += self._clauses(lang, part, COMPOUND_BOOST, idf_cap=cap)
        if short and not tok.parts and len(tok.stem) >= MIN_COMPOUND and tok.stem in lexicon.df:
            for compound in lexicon.containing(tok.stem):
                clauses += self._clauses(lang, compound, COMPOUND_BOOST, idf_cap=cap)
        for term in lexicon.near(tok.stem) if short else ():
            clauses += self._clauses(lang, term, NEAR_BOOST, idf_cap=cap)
        clauses += self._clauses(lang, tok.trunc, 1.0, {"trunc": TRUNC_BOOST})
        return clauses

    def _unknown_word(self, lexicon: Lexicon, lang: str, tok: Token, spell: bool) -> list[Clause]:
        """A word no language knows: maybe a typo, maybe a compound."""
        expansions: dict[str, float] = {}
        if len(tok.word) >= MIN_FUZZY:
            for term in lexicon.typo_candidates(tok.stem)[:MAX_EXPANSIONS]:
                expansions[term] = FUZZY_BOOST
            if spell:  # Voikko and Vabamorf correct typos and missing diacritics
                for suggestion in spelling_suggestions(tok.word, lang):
                    for fixed in tokens(suggestion, lang):
                        for term in fixed.terms:
                            if term in lexicon.df:
                                expansions.setdefault(term, FUZZY_BOOST)
            for term in lexicon.near(tok.stem):
                expansions.setdefault(term, NEAR_BOOST)
        if len(tok.stem) >= MIN_COMPOUND:
            for term in [*tok.parts, *lexicon.containing(tok.stem), *self._parts(lexicon, lang, fold(tok.word))]:
                if term in lexicon.df:
                    expansions.setdefault(term, COMPOUND_BOOST)
        clauses = [clause for term, weight in expansions.items() for clause in self._clauses(lang, term, weight)]
        return clauses + self._clauses(lang, tok.trunc, 1.0, {"trunc": TRUNC_BOOST})
