"""Outage mode over HTTP: declaring incidents (admin tokens), listing them for the panel, and
pinning the incident's reply in ``/suggest`` (:func:`for_message`).

Each worker keeps a :class:`kb.incidents.board.Board` of the current incidents, read from the
usage database every few seconds; a write here refreshes this worker's board at once. When the
database is down, declaring answers 503 and searching goes on without outage mode.
"""

from __future__ import annotations

import atexit
import datetime
import logging
import threading

from flask import Blueprint, Flask, current_app, g, jsonify

from kb.api import params
from kb.api.errors import ApiError, bad_request, invalid
from kb.api.services import services
from kb.api.usage import may_see_insights, usage
from kb.content.model import Snippet
from kb.i18n import gettext
from kb.incidents import matching, store
from kb.incidents.board import Board
from kb.incidents.store import ACTIVE, AREA_VARIABLE, NEXT_UPDATE_VARIABLE, Declaration, Incident
from kb.incidents.times import zone

log = logging.getLogger(__name__)
bp = Blueprint("incidents", __name__, url_prefix="/api/v1")

START_FIELDS = ("area", "next_update", "note", "replies")
UPDATE_FIELDS = ("area", "next_update", "note")
TOPICS_KEPT = 16


def init_app(app: Flask) -> None:
    app.config["TIMEZONE_INFO"] = zone(str(app.config.get("TIMEZONE") or "Europe/Helsinki"))
    wind_down = datetime.timedelta(minutes=int(app.config.get("INCIDENT_WIND_DOWN_MINUTES") or 0))
    board = Board(lambda: app.extensions["vastaus_usage"].engine(), wind_down)
    app.extensions["vastaus_incidents"] = board
    app.extensions["vastaus_topics"] = ({}, threading.Lock())
    atexit.register(board.close)


def board() -> Board:
    return current_app.extensions["vastaus_incidents"]


def _shown(incident: Incident) -> dict:
    return incident.as_dict(current_app.config["TIMEZONE_INFO"], board().wind_down)


def _resolved_reply() -> str:
    return str(current_app.config["INCIDENT_RESOLVED_REPLY"])


def _topic(incident: Incident) -> tuple[matching.Topic, dict[str, Snippet]]:
    """The incident's topic (its replies and the resolved reply) and those replies by id,
    remembered per index generation: looking them up costs more than the search."""
    svc = services()
    ids = tuple(dict.fromkeys((*incident.replies, _resolved_reply())))
    key = (ids, svc.generation())
    cache, lock = current_app.extensions["vastaus_topics"]
    with lock:
        found = cache.get(key)
    if found is None:
        snippets = {snippet.id: snippet for snippet in map(svc.snippet, ids) if snippet is not None}
        found = (matching.topic(snippets.values()), snippets)
        with lock:
            if len(cache) > TOPICS_KEPT:
                cache.clear()
            cache[key] = found
    return found


def _variables(incident: Incident) -> dict:
    variables = {AREA_VARIABLE: incident.area}
    if incident.next_update:
        variables[NEXT_UPDATE_VARIABLE] = incident.next_update
    return variables


def _pinned(snippet: Snippet, lang: str, channel: str | None, results: list[dict]) -> dict | None:
    """*snippet* as the first result, marked pinned; None when it may not be sent on *channel*."""
    if channel is not None and snippet.channels and channel not in snippet.channels:
        return None
    found = next((item for item in results if item["id"] == snippet.id), None)
    return {**(found or services().result(snippet, lang, channel)), "pinned": True}


def for_message(message: str, written_in: str, lang: str, channel: str | None,
                results: list[dict]) -> tuple[dict | None, list[dict], int | None]:
    """For ``/suggest``: the ``incident`` the message is about (or None), the results with its
    reply pinned first, and the incident's id to record with the search. Outage mode is an
    extra: whatever goes wrong in it, the suggestions are answered as without it."""
    try:
        return _for_message(message, written_in, lang, channel, results)
    except Exception:
        log.exception("incidents: outage mode skipped for one suggestion")
        return None, results, None


def _for_message(message: str, written_in: str, lang: str, channel: str | None,
                 results: list[dict]) -> tuple[dict | None, list[dict], int | None]:
    incidents = board().current()
    if not incidents:
        return None, results, None
    folded = message.casefold()
    # Several at once (Tampere and Tallinn): the one whose area the message names, else the newest active.
    incidents = sorted(incidents, key=lambda i: (i.area.casefold() not in folded, i.state(board().wind_down) != ACTIVE))
    for incident in incidents:
        topic, replies = _topic(incident)
        if not matching.is_about(message, written_in, results, topic):
            continue
        state = incident.state(board().wind_down)
        reply_id = incident.reply if state == ACTIVE else _resolved_reply()
        snippet = replies.get(reply_id)
        pinned = None if snippet is None else _pinned(snippet, lang, channel, results)
        if pinned is None:
            return None, results, None
        shown = _shown(incident)
        carried = {key: shown[key] for key in ("id", "area", "next_update", "next_update_at", "note", "state")}
        carried.update(reply=reply_id, variables=_variables(incident))
        return carried, [pinned, *(item for item in results if item["id"] != reply_id)], incident.id
    return None, results, None


# -- the endpoints ------------------------------------------------------------------------------

def _admin_only() -> None:
    if not may_see_insights(g.get("token")):
        raise ApiError(403, "forbidden", gettext("Declaring and changing incidents needs an admin token."))


def _database():
    engine = usage().engine()
    if engine is None:
        raise ApiError(503, "database_unavailable", gettext("The usage database, where incidents are kept, is not "
                                                            "available; try again later."), headers={"Retry-After": "30"})
    return engine


def _declaration(body: dict, replies: tuple[str, ...]) -> Declaration:
    values = {name: params.string_field(body, name) for name in ("area", "next_update", "note")}
    declaration = Declaration(values["area"], values["next_update"], values["note"], replies)

    def is_reply(snippet_id: str) -> bool:
        snippet = services().snippet(snippet_id)
        return snippet is not None and snippet.kind == "reply"

    try:
        return store.check_declaration(declaration, services().settings, is_reply)
    except store.UnknownReply as exc:  # as for any other snippet id that does not exist (render, events)
        raise ApiError(404, "unknown_snippet", str(exc)) from None
    except store.IncidentError as exc:
        raise invalid(str(exc)) from None


def _replies(body: dict) -> tuple[str, ...]:
    replies = body.get("replies")
    if replies is None:
        return (str(current_app.config["INCIDENT_REPLY"]),)
    if not isinstance(replies, list) or not replies or not all(isinstance(item, str) for item in replies):
        raise bad_request(gettext("'replies' must be a list of reply ids, the first the one pinned."))
    return tuple(replies)


def _written(incident: Incident, status: int = 200):
    board().refresh()  # this worker shows it at once; the others within seconds
    return jsonify(_shown(incident)), status


def _known(change):
    try:
        return change()
    except store.NotFound as exc:
        raise ApiError(404, "unknown_incident", str(exc)) from None
    except store.AlreadyEnded as exc:
        raise ApiError(409, "incident_ended", str(exc)) from None


@bp.get("/incidents")
def list_incidents():
    """The current incidents, for the panel's banner: active first, then winding down."""
    return jsonify({"incidents": [_shown(incident) for incident in board().current()]})


@bp.post("/incidents")
def start_incident():
    _admin_only()
    body = params.json_body(START_FIELDS, required=("area",))
    declaration = _declaration(body, _replies(body))
    if declaration.area is None:
        raise bad_request(gettext("The field 'area' must be a string."))
    engine = _database()
    return _written(store.start(engine, declaration, current_app.config["TIMEZONE_INFO"]), 201)


@bp.patch("/incidents/<int:incident_id>")
def update_incident(incident_id: int):
    _admin_only()
    body = params.json_body(UPDATE_FIELDS)
    declaration = _declaration(body, ())
    engine = _database()
    return _written(_known(lambda: store.change(engine, incident_id, declaration,
                                                current_app.config["TIMEZONE_INFO"])))


@bp.post("/incidents/<int:incident_id>/end")
def end_incident(incident_id: int):
    _admin_only()
    engine = _database()
    return _written(_known(lambda: store.end(engine, incident_id)))
