"""Finding replies: ``GET /api/v1/search`` for what an agent types, ``POST /api/v1/suggest``
for a customer's whole message (its language detected, its escalations found)."""

from __future__ import annotations

import time

from flask import Blueprint, current_app, jsonify
from flask import request as flask_request

from kb.api import incidents, params
from kb.api.services import services
from kb.api.usage import record_search, with_prior
from kb.incidents.matching import RANK_WINDOW
from kb.search.service import MAX_LIMIT
from kb.search.triggers import Match

bp = Blueprint("search", __name__, url_prefix="/api/v1")

SUGGEST_FIELDS = ("message", "lang", "channel", "limit")


@bp.get("/search")
def search():
    """The answer of ``kb search --json``, with the ``search_id`` the panel reports events with."""
    started = time.perf_counter()
    svc = services()
    settings = svc.settings
    query = params.query_text("q")
    lang = params.language(flask_request.args.get("lang"), settings)
    channel = params.channel(flask_request.args.get("channel"), settings)
    limit = params.limit(flask_request.args.get("limit"))
    response, hit = svc.cached_search(query, lang=lang, limit=limit, channel=channel)
    current_app.extensions["vastaus_metrics"].search_cache.labels("hit" if hit else "miss").inc()
    response = with_prior(response, query)
    shown = [result["id"] for result in response["results"]]
    search_id = record_search("search", query, response, None, channel, shown, started)
    return jsonify({**response, "search_id": search_id})  # a new dict: the cached answer stays as it was


def escalation_result(match: Match, lang: str) -> dict:
    """An escalation exactly as approved (never a short variant, never filled in)."""
    snippet = match.snippet
    text = snippet.text_for(lang)
    return {
        "id": snippet.id,
        "lang": text.lang,
        "title": text.title,
        "body": text.body,
        "version": snippet.version,
        "approval": None if snippet.approval is None else vars(snippet.approval).copy(),
        "matched": list(match.phrases),
    }


@bp.post("/suggest")
def suggest():
    """Replies for a customer's message; the escalations it calls for come first, separately.
    During an incident, a message about it gets the incident's reply pinned first, and the
    answer carries the ``incident`` (kb/api/incidents.py).

    The message itself is never recorded: only the language it was written in and the ids shown.
    """
    started = time.perf_counter()
    svc = services()
    settings = svc.settings
    body = params.json_body(SUGGEST_FIELDS, required=("message",))
    message = params.message_text(body)
    lang = params.language(body.get("lang"), settings)
    channel = params.channel(body.get("channel"), settings)
    limit = params.limit(body.get("limit"))
    # The message is read in its own language, even when the agent wants replies in another one.
    written_in = svc.detect_language(message)
    detected = None
    if lang is None:
        detected = lang = written_in
    escalations = [escalation_result(match, lang) for match in svc.match_escalations(message)]
    shown = {item["id"] for item in escalations}
    # Escalations already shown are not repeated among the results; ask for enough to fill them
    # (and for the few an incident looks at).
    response = svc.search(message, lang=lang, limit=min(max(limit + len(shown), RANK_WINDOW), MAX_LIMIT),
                          channel=channel, written_in=written_in)
    incident, results, incident_id = incidents.for_message(message, written_in, lang, channel, response["results"])
    response["results"] = [result for result in results if result["id"] not in shown][:limit]
    listed = [item["id"] for item in escalations] + [result["id"] for result in response["results"]]
    search_id = record_search("suggest", None, response, written_in, channel, listed, started, incident_id)
    extra = {} if incident is None else {"incident": incident}
    return jsonify({"detected_lang": detected, **response, "escalations": escalations, **extra,
                    "search_id": search_id})
