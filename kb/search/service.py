"""Answering searches from one index: one result per snippet, shown in the language asked for."""

from __future__ import annotations

import json
from pathlib import Path

from kb import engine
from kb.content.kbyaml import KBSettings
from kb.content.model import Snippet, snippet_from_dict
from kb.search.planner import Planner

MAX_LIMIT = 50


class SearchService:
    """Answers searches from one index. Not thread-safe (Whoosh searchers are not): the API
    serialises every use with one lock per worker (kb/api/services.py)."""

    def __init__(self, index_dir: Path, settings: KBSettings, check_interval: float = 0.0,
                 length_normalisation: float | None = None):
        self.engine = (engine.Engine(index_dir, check_interval) if length_normalisation is None
                       else engine.Engine(index_dir, check_interval, length_normalisation))
        self.settings = settings
        self.planner = Planner(self.engine, settings.languages)
        self._snippets: dict[str, Snippet] = {}
        self._generation = -1
        self._all: list[Snippet] | None = None
        self._all_generation = -1

    def _snippet(self, hit: engine.Hit) -> Snippet:
        if self._generation != self.engine.generation:
            self._snippets, self._generation = {}, self.engine.generation
        snippet = self._snippets.get(hit.id)
        if snippet is None:
            snippet = self._snippets[hit.id] = snippet_from_dict(json.loads(hit.data))
        return snippet

    def snippet(self, snippet_id: str) -> Snippet | None:
        """One snippet as the index has it (the index is what agents are served)."""
        data = self.engine.get(snippet_id)
        return None if data is None else snippet_from_dict(json.loads(data))

    def snippets(self, kind: str | None = None) -> list[Snippet]:
        """Every snippet in the index (of *kind*), cached until the index changes."""
        self.engine.refresh()  # brings the generation up to date
        if self._all is None or self._all_generation != self.engine.generation:
            self._all = [snippet_from_dict(json.loads(d)) for d in self.engine.all_data()]
            self._all_generation = self.engine.generation
        return [s for s in self._all if kind is None or s.kind == kind]

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
        plan = self.planner.plan(query, None if written_in is None else {written_in: 1.0})
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
