"""Usage insights over HTTP: ``POST /api/v1/events`` from the panel, ``GET /api/v1/insights``
for team leads (admin token), and the recording hook the search views call.

Each worker opens the usage database once (:class:`Usage`, in ``app.extensions``); when it
cannot, searching goes on unrecorded and these two endpoints answer 503 until it can. Events
are checked before anything is stored: every one must name a search this service recorded (404
``unknown_search``) and a snippet that exists (404 ``unknown_snippet``) and that search showed
(409 ``not_shown``); a malformed one is 400 or 422. One bad event refuses the whole request.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Callable

from flask import Blueprint, Flask, current_app, g, jsonify
from flask import request as flask_request
from sqlalchemy.engine import Engine

from kb.api import params
from kb.api.errors import ApiError, bad_request, invalid
from kb.api.services import services
from kb.i18n import gettext
from kb.usage import prior, reports, revocations, store
from kb.usage.db import DatabaseError, open_engine
from kb.usage.recorder import FLUSH_SECONDS, Recorder, SearchRecord, new_search_id, search_id_age
from kb.usage.schema import EVENT_TYPES

log = logging.getLogger(__name__)
bp = Blueprint("usage", __name__, url_prefix="/api/v1")

MAX_EVENTS = 50
EVENT_FIELDS = ("type", "search_id", "snippet_id", "rank", "lang", "channel", "helpdesk")
REQUIRED_EVENT_FIELDS = ("type", "search_id", "snippet_id")
MAX_RANK = 100
MAX_HELPDESK = 40
# A search may still be on its way to the database (another worker's batch): wait this long
# for one that is this young before calling it unknown.
PENDING_SECONDS = 10 * FLUSH_SECONDS
RETRY_SECONDS = 30.0
PRIOR_SECONDS = 300.0  # how often a worker reads the prior's weights again


class Usage:
    """This worker's usage database and recorder; opened at start, retried when it failed."""

    def __init__(self, url: str, index_dir: str, record: bool, retention_days: int = store.DEFAULT_RETENTION_DAYS,
                 prior_strength: float = 0.0, on_drop: Callable[[int], None] | None = None):
        self.url, self.index_dir, self.record_searches = url, index_dir, record
        self.on_drop = on_drop
        self.unopened_drops = 0  # searches not recorded because the database could not be opened yet
        self.retention_days = retention_days
        self.prior_strength = prior.bounded(prior_strength)
        if self.prior_strength != prior_strength:
            log.warning("usage prior %s is out of bounds; using %s", prior_strength, self.prior_strength)
        self._engine: Engine | None = None
        self._recorder: Recorder | None = None
        self._lock = threading.Lock()
        self._tried = 0.0
        self._weights: prior.Weights = {}
        self._weights_at = 0.0
        self._refreshing = threading.Lock()
        if self.engine() is not None and self.prior_strength:
            self._refresh_weights()  # the first requests already get the prior

    def _refresh_weights(self) -> None:
        if not self._refreshing.acquire(blocking=False):
            return  # another thread is at it
        try:
            self._weights = prior.weights(self._engine) if self._engine is not None else {}
        except Exception:  # the prior is an extra: searching goes on without it
            log.exception("usage prior not refreshed")
        finally:
            self._weights_at = time.monotonic()
            self._refreshing.release()

    def ranked(self, results: list[dict], lang: str, query: str) -> list[dict]:
        """*results* of a typed *query* reordered by the prior (the same list when it is off); its
        weights are read again in the background every PRIOR_SECONDS."""
        if not self.prior_strength:
            return results
        if time.monotonic() - self._weights_at >= PRIOR_SECONDS:
            self._weights_at = time.monotonic()  # one refresh at a time, not one a request
            threading.Thread(target=self._refresh_weights, name="kb-usage-prior", daemon=True).start()
        return prior.rerank(results, self._weights.get(lang, {}), query, lang, self.prior_strength)

    def engine(self) -> Engine | None:
        if self._engine is not None:
            return self._engine
        with self._lock:
            if self._engine is None and (not self._tried or time.monotonic() - self._tried >= RETRY_SECONDS):
                self._tried = time.monotonic()
                try:
                    self._engine = open_engine(self.url, self.index_dir)
                    self._recorder = Recorder(self._engine, retention_days=self.retention_days, on_drop=self.on_drop)
                except DatabaseError as exc:
                    log.error("usage is not recorded: %s", exc)
        return self._engine

    def record(self, record: SearchRecord) -> None:
        if not self.record_searches:
            return
        if self._recorder is not None:
            self._recorder.record(record)
            return
        self.unopened_drops += 1
        if self.on_drop is not None:
            self.on_drop(1)
        if time.monotonic() - self._tried >= RETRY_SECONDS and not self._lock.locked():
            # The database could not be opened: try again, but never in the request's thread.
            threading.Thread(target=self.engine, name="kb-usage-open", daemon=True).start()

    def flush(self) -> None:
        if self._recorder is not None:
            self._recorder.flush()

    def revoked_tokens(self) -> set[str]:
        """The token names revoked in the shared database (raises when it cannot be read)."""
        engine = self.engine()
        if engine is None:
            raise ConnectionError("the usage database cannot be opened")
        return revocations.revoked(engine)

    def status(self) -> dict:
        """What /health says of this worker's recording: searches waiting for the database, and lost."""
        recorder = self._recorder
        return {"recording": self.record_searches,
                "held": recorder.held if recorder is not None else 0,
                "dropped": (recorder.dropped if recorder is not None else 0) + self.unopened_drops}

    def close(self) -> None:
        if self._recorder is not None:
            self._recorder.close()


def init_app(app: Flask) -> None:
    metrics = app.extensions.get("vastaus_metrics")
    usage = Usage(str(app.config.get("DATABASE_URL") or ""), str(app.config["INDEX"]),
                  bool(app.config.get("RECORD_USAGE", True)),
                  int(app.config.get("USAGE_RETENTION_DAYS") or store.DEFAULT_RETENTION_DAYS),
                  float(app.config.get("USAGE_PRIOR") or 0.0),
                  on_drop=metrics.usage_dropped.inc if metrics is not None else None)
    app.extensions["vastaus_usage"] = usage
    atexit.register(usage.close)  # a worker leaving writes what it has queued
    if app.config["TOKENS"].required:  # `kb tokens revoke`: refused by every replica within seconds
        app.config["TOKENS"].watch_revocations(usage.revoked_tokens)


def usage() -> Usage:
    return current_app.extensions["vastaus_usage"]


def with_prior(response: dict, query: str) -> dict:
    """*response* to a typed *query* with its results in the prior's order: a new dict when they
    moved (a cached answer is never changed), the same one otherwise."""
    results = usage().ranked(response["results"], response["lang"], query)
    return response if results is response["results"] else {**response, "results": results}


def record_search(kind: str, query: str | None, response: dict, detected_lang: str | None, channel: str | None,
                  shown: list[str], started: float, incident_id: int | None = None) -> str:
    """Queue what is kept of one answer (never the text of a customer's message); its search_id."""
    search_id = new_search_id()
    usage().record(SearchRecord(search_id, kind, query, response["lang"], detected_lang, channel, tuple(shown),
                                (time.perf_counter() - started) * 1000, incident_id))
    return search_id


def _database() -> Engine:
    engine = usage().engine()
    if engine is None:
        raise ApiError(503, "usage_unavailable", gettext("The usage database is not available; try again later."),
                       headers={"Retry-After": "30"})
    return engine


def _event(number: int, item: object, settings) -> dict:
    """One event, its fields checked (the ones the search can tell are filled in later)."""
    where = {"event": number}
    if not isinstance(item, dict):
        raise bad_request(gettext("Event %(number)d is not a JSON object.") % {"number": number})
    for name in item:
        if name not in EVENT_FIELDS:
            raise invalid(gettext("Event %(number)d: unknown field '%(field)s'; the fields are: %(fields)s.")
                          % {"number": number, "field": name, "fields": ", ".join(EVENT_FIELDS)}, **where)
    for name in REQUIRED_EVENT_FIELDS:
        if not isinstance(item.get(name), str):
            raise bad_request(gettext("Event %(number)d: the field '%(field)s' is required and must be a string.")
                              % {"number": number, "field": name})
    if item["type"] not in EVENT_TYPES:
        raise invalid(gettext("Event %(number)d: type must be one of %(types)s.")
                      % {"number": number, "types": ", ".join(EVENT_TYPES)}, **where)
    rank = item.get("rank")
    if rank is not None and (not isinstance(rank, int) or isinstance(rank, bool) or not 1 <= rank <= MAX_RANK):
        raise invalid(gettext("Event %(number)d: rank must be a whole number from 1 to %(max)d.")
                      % {"number": number, "max": MAX_RANK}, **where)
    helpdesk = params.string_field(item, "helpdesk")
    if helpdesk is not None and not 1 <= len(helpdesk) <= MAX_HELPDESK:
        raise invalid(gettext("Event %(number)d: helpdesk must be 1 to %(max)d characters.")
                      % {"number": number, "max": MAX_HELPDESK}, **where)
    try:
        lang, channel = params.language(item.get("lang"), settings), params.channel(item.get("channel"), settings)
    except ApiError as error:  # say which event, as for every other field
        raise ApiError(error.status, error.code, gettext("Event %(number)d: %(message)s")
                       % {"number": number, "message": error.message}, details=where) from None
    return {"type": item["type"], "search_id": item["search_id"], "snippet_id": item["snippet_id"], "rank": rank,
            "lang": lang, "channel": channel, "helpdesk": helpdesk}


def _recorded(engine: Engine, search_ids: set[str]) -> dict[str, store.Shown]:
    """The searches among *search_ids*, waiting briefly for young ones still being written."""
    usage().flush()  # this worker's own searches are written first
    deadline = time.monotonic() + PENDING_SECONDS
    while True:
        found = store.shown(engine, search_ids)
        pending = [sid for sid in search_ids - set(found)
                   if (age := search_id_age(sid)) is not None and -1.0 <= age <= PENDING_SECONDS]
        if not pending or time.monotonic() >= deadline:
            return found
        time.sleep(FLUSH_SECONDS / 4)


@bp.post("/events")
def post_events():
    """Inserts, copies and dismissals from the panel; all stored, or none."""
    settings = services().settings
    body = params.json_body(("events",), required=("events",))
    items = body["events"]
    if not isinstance(items, list):
        raise bad_request(gettext("'events' must be a list of events."))
    if not 1 <= len(items) <= MAX_EVENTS:
        raise invalid(gettext("Send from 1 to %(max)d events at a time.") % {"max": MAX_EVENTS})
    events = [_event(number, item, settings) for number, item in enumerate(items, 1)]
    engine = _database()
    found = _recorded(engine, {event["search_id"] for event in events})
    for number, event in enumerate(events, 1):
        search = found.get(event["search_id"])
        if search is None:
            raise ApiError(404, "unknown_search", gettext("Event %(number)d: there is no search %(id)s.")
                           % {"number": number, "id": repr(event["search_id"])}, details={"event": number})
        if services().snippet(event["snippet_id"]) is None:
            raise ApiError(404, "unknown_snippet", gettext("Event %(number)d: there is no snippet %(id)s.")
                           % {"number": number, "id": repr(event["snippet_id"])}, details={"event": number})
        if event["snippet_id"] not in search.result_ids:
            raise ApiError(409, "not_shown", gettext("Event %(number)d: search %(search)s did not show %(id)s.")
                           % {"number": number, "search": event["search_id"], "id": event["snippet_id"]},
                           details={"event": number})
        event["rank"] = event["rank"] or search.result_ids.index(event["snippet_id"]) + 1
        event["lang"] = event["lang"] or search.lang
        event["channel"] = event["channel"] or search.channel
    stored = store.add_events(engine, events)
    return jsonify({"stored": stored}), 201


def may_see_insights(token) -> bool:
    """Admin tokens only; with no tokens configured, only a server on loopback shows them."""
    if current_app.config["TOKENS"].required:
        return token is not None and token.admin and not token.revoked
    return bool(current_app.config["LOOPBACK"])


def report(since_text: str | None, lang_text: str | None) -> dict:
    """The usage report for request parameters ``since`` (a period such as ``30d``; dates are
    for the command line) and ``lang``, checked here."""
    since_text = reports.DEFAULT_SINCE if since_text is None else since_text  # given empty: refused
    try:
        if not reports.API_PERIOD.fullmatch(since_text):
            raise ValueError(gettext("%(value)s is not a period: give e.g. 30d, 12h, 2w or a date such as 2026-11-01")
                             % {"value": repr(since_text)})
        since = reports.parse_since(since_text)
    except ValueError as exc:
        raise invalid(str(exc)) from None
    lang = params.language(lang_text, services().settings)
    engine = _database()
    usage().flush()  # this worker's latest searches are in it (other workers' within FLUSH_SECONDS)
    return reports.build(engine, services().snippets(), since, lang)


@bp.get("/insights")
def insights():
    """``kb usage report --format json`` over HTTP."""
    if not may_see_insights(g.get("token")):
        raise ApiError(403, "forbidden", gettext("Usage insights need an admin token."))
    return jsonify(report(flask_request.args.get("since"), flask_request.args.get("lang")))
