"""Answering searches from one index: one result per snippet, shown in the language asked for."""

from __future__ import annotations

import json
from collections import OrderedDict
from pathlib import Path

from kb import engine
from kb.content.kbyaml import KBSettings
from kb.content.model import KINDS, Snippet, snippet_from_dict
from kb.search.planner import Planner

MAX_LIMIT = 50
PARSED_CACHE = 512  # snippets kept parsed, of those shown most recently (about 8 kB each)
KEPT_KIND = "escalation"  # the snippets kept parsed in memory (see SearchService.snippets)


def preload(index_dir: Path) -> None:
    """Read now what a service reads first of the index in service (its vocabulary): ``kb serve``'s
    master does, before it forks, so that the workers share it (kb.engine.reader.preload_vocabulary)."""
    engine.preload_vocabulary(index_dir)


class SearchService:
    """Answers searches from one index. Not thread-safe (Whoosh searchers are not): the API
    serialises every use with one lock per worker (kb/api/services.py)."""

    def __init__(self, index_dir: Path, settings: KBSettings, check_interval: float = 0.0,
                 length_normalisation: float | None = None):
        self.engine = (engine.Engine(index_dir, check_interval) if length_normalisation is None
                       else engine.Engine(index_dir, check_interval, length_normalisation))
        self.settings = settings
        self.planner = Planner(self.engine, settings.languages)
        self._snippets: OrderedDict[str, Snippet] = OrderedDict()
        self._generation = -1
        self._kept: list[Snippet] | None = None  # the escalations (KEPT_KIND)
        self._kept_generation = -1

    def _snippet(self, hit: engine.Hit) -> Snippet:
        """The hit's snippet, parsed; the PARSED_CACHE shown most recently are kept parsed."""
        if self._generation != self.engine.generation:
            self._snippets, self._generation = OrderedDict(), self.engine.generation
        snippet = self._snippets.get(hit.id)
        if snippet is not None:
            self._snippets.move_to_end(hit.id)
            return snippet
        snippet = self._snippets[hit.id] = snippet_from_dict(json.loads(hit.data))
        if len(self._snippets) > PARSED_CACHE:
            self._snippets.popitem(last=False)
        return snippet

    def snippet(self, snippet_id: str) -> Snippet | None:
        """One snippet as the index has it (the index is what agents are served)."""
        data = self.engine.get(snippet_id)
        return None if data is None else snippet_from_dict(json.loads(data))

    def snippets(self, kind: str | None = None) -> list[Snippet]:
        """Every snippet in the index (of *kind*).

        The escalations, which every pasted message is matched against, are kept until the index
        changes. Any other set is read from the index each time it is asked for (a usage report):
        every snippet of 10,000 parsed and kept took about 100 MB in each worker.
        """
        self.engine.refresh()  # brings the generation up to date
        if kind != KEPT_KIND:
            return [snippet_from_dict(json.loads(d)) for d in self.engine.all_data(kind)]
        if self._kept is None or self._kept_generation != self.engine.generation:
            self._kept = [snippet_from_dict(json.loads(d)) for d in self.engine.all_data(KEPT_KIND)]
            self._kept_generation = self.engine.generation
        return list(self._kept)

    def counts(self) -> dict[str, int]:
        """How many snippets of each kind the index has."""
        return {kind: self.engine.count(kind) for kind in KINDS}

    def first_id(self, kind: str) -> str | None:
        """The id of one snippet of *kind* (an example for the API's documentation), or None."""
        data = self.engine.all_data(kind, limit=1)
        return json.loads(data[0])["id"] if data else None

    def search(self, query: str, lang: str | None = None, limit: int = 10, channel: str | None = None,
               kinds: tuple[str, ...] | None = None, written_in: str | None = None) -> dict:
        """Replies for *query*, shown in *lang*. *written_in* is the query's own language when it is
        known (a pasted message's, detected): its words are then read mainly in that language,
        whatever language the replies are shown in."""
        lang = lang or self.settings.source_lang
        self.settings.check_language(lang)
        if channel is not None:
            self.settings.check_channel(channel)
        limit = max(1, min(int(limit), MAX_LIMIT))
        plan = self.planner.plan(query, written_in)
        hits = self.engine.search(plan.clauses, limit, channel=channel, kinds=kinds)
        results = [self.result(self._snippet(hit), lang, channel, hit.score) for hit in hits]
        return {"query": query, "lang": lang, "channel": channel, "words": plan.words, "results": results}

    def result(self, snippet: Snippet, lang: str, channel: str | None, score: float | None = None) -> dict:
        text = snippet.text_for(lang)
        limit = self.settings.channels.get(channel) if channel else None
        use_short = limit is not None and text.short is not None
        return {
            "id": snippet.id,
            "lang": text.lang,
            "requested_lang": lang,
            "fallback": text.lang != lang,
            "title": text.title,
            "body": text.short if use_short else text.body,
            "variant": "short" if use_short else "body",
            "score": None if score is None else round(score, 4),
            "kind": snippet.kind,
            "version": snippet.version,
            "stale": snippet.is_stale(text.lang),
            "source_lang": snippet.source_lang,
            "channels": list(snippet.channels),
            "tags": list(snippet.tags),
            "approval": None if snippet.approval is None else vars(snippet.approval).copy(),
        }

    def generation(self) -> int:
        """Which build and commit of the index answers now; it changes whenever the index does."""
        self.engine.refresh()
        return self.engine.generation

    def check_now(self) -> None:
        """This process just changed the index: look at it on the next search, not after the interval."""
        self.engine.check_now()

    def doc_count(self) -> int:
        return self.engine.doc_count()

    def index_meta(self) -> dict:
        """The index's meta (build and update times), of the build in service now."""
        self.engine.refresh()
        return dict(self.engine.meta)

    def close(self) -> None:
        self.engine.close()
