"""``GET /api/v1/openapi.json``: the API described as OpenAPI 3.0, written here as data.

The knowledge base's own facts (languages, channels, variables and their maximum lengths)
and this server's limits are filled in when the document is served, so it describes this
server exactly; a test runs schemathesis against a live ``kb serve`` with it.
"""

from __future__ import annotations

import copy

from flask import Blueprint, current_app, jsonify

from kb import __version__
from kb.api.services import services
from kb.content.kbyaml import KBSettings
from kb.incidents.store import AREA_VARIABLE, MAX_REPLIES, NOTE_MAX_CHARS
from kb.incidents.times import CLOCK
from kb.search.service import MAX_LIMIT
from kb.usage.reports import REPORT_KEYS
from kb.usage.schema import EVENT_TYPES

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict | str, description: str) -> dict:
    schema = _ref(schema) if isinstance(schema, str) else schema
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict:
    return _json("Error", description)


STR = {"type": "string"}
NULLABLE_STR = {"type": "string", "nullable": True}
BOOL = {"type": "boolean"}
INT = {"type": "integer"}
STR_LIST = {"type": "array", "items": STR}
# What /health says of the database and Redis: the last background check of this worker.
SHARED_CHECK = {"reachable": {"type": "boolean", "nullable": True, "description": "null before the first check."},
                "latency_ms": {"type": "number"}, "checked_at": STR, "error": STR}
RATE_LIMITED = {**_error("Too many requests from this token; wait Retry-After seconds."),
                "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}}}
COMMON = {"401": _error("No API token, or one that is not valid or was revoked."), "429": RATE_LIMITED}
UNAVAILABLE = {"503": _error("There is no search index yet.")}
JSON_BODY = {"413": _error("The request body is too large."),
             "415": _error("The request body is not sent as JSON.")}


CONTENT_STATE = {
    "stale": {"type": "boolean", "description": "Some file of the content is newer than the index served."},
    "problems": {"type": "array", "items": {"$ref": "#/components/schemas/Problem"},
                 "description": "Problems of kb.yaml and of the last refused reindex (at most 20)."},
    "problem_count": INT,
}


def _obj(properties: dict, required: tuple[str, ...] | None = None, closed: bool = False) -> dict:
    """An object schema; every property is required unless *required* says which are."""
    schema: dict = {"type": "object", "properties": properties,
                    "required": list(properties) if required is None else list(required)}
    if not schema["required"]:
        del schema["required"]  # OpenAPI 3.0 does not allow an empty list
    if closed:
        schema["additionalProperties"] = False
    return schema


SCHEMAS: dict = {
    "Error": _obj({"error": {**_obj({"code": STR, "message": STR}), "additionalProperties": True}}),
    "Approval": {**_obj({"by": STR, "date": STR, "digest": STR}), "nullable": True},
    "Result": _obj({
        "id": STR, "lang": STR, "requested_lang": STR, "fallback": BOOL, "title": STR, "body": STR,
        "variant": {"type": "string", "enum": ["body", "short"]}, "score": {"type": "number", "nullable": True},
        "kind": {"type": "string", "enum": ["reply", "escalation"]}, "version": INT, "stale": BOOL,
        "source_lang": STR, "channels": STR_LIST, "tags": STR_LIST, "approval": _ref("Approval"),
    }),
    "SearchResponse": _obj({"query": STR, "lang": STR, "channel": NULLABLE_STR, "words": STR_LIST,
                            "results": {"type": "array", "items": _ref("Result")},
                            "search_id": {"type": "string", "description": "Names this answer in POST /events."}}),
    "Escalation": _obj({"id": STR, "lang": STR, "title": STR, "body": STR, "version": INT,
                        "approval": _ref("Approval"), "matched": STR_LIST}),
    "Text": _obj({"title": STR, "body": STR, "short": NULLABLE_STR, "keywords": STR_LIST,
                  "source_version": {"type": "integer", "nullable": True}}),
    "Display": _obj({"lang": STR, "requested_lang": STR, "fallback": BOOL, "title": STR, "body": STR,
                     "short": NULLABLE_STR, "stale": BOOL, "guidance": NULLABLE_STR}),
    "Problem": _obj({"path": STR, "line": INT, "code": STR, "message": STR}),
    "Health": _obj({"status": {"type": "string", "enum": ["ok", "degraded"],
                               "description": "degraded: the last good index serves, but the content on disk has "
                                              "problems or is newer than it, or the database or Redis did not "
                                              "answer the last check (searching goes on)."},
                    "snippets": INT, **CONTENT_STATE,
                    "database": _obj({"url": STR, **SHARED_CHECK}, required=("url", "reachable")),
                    "rate_limits": _obj({"storage": STR, "shared": BOOL, **SHARED_CHECK},
                                        required=("storage", "shared", "reachable")),
                    "usage": _obj({"recording": BOOL, "held": INT, "dropped": INT})}),
    "Version": _obj({
        **CONTENT_STATE,
        "version": STR, "api": STR, "revision": NULLABLE_STR, "languages": STR_LIST,
        "snippets": _obj({"total": INT, "reply": INT, "escalation": INT}),
        "index": _obj({"built_at": NULLABLE_STR, "updated_at": NULLABLE_STR}),
        "language_names": {"type": "object", "description": "Language code -> the language's own name, from kb.yaml.",
                           "additionalProperties": STR},
        "channels": {"type": "object", "description": "Channel -> character limit (null: none), from kb.yaml.",
                     "additionalProperties": {"type": "integer", "nullable": True}},
        "variables": {"type": "object", "description": "Placeholder variable -> its format (time, date, datetime, "
                      "number or null), maximum length, description, example and default, from kb.yaml.",
                      "additionalProperties": _obj({"format": NULLABLE_STR, "max_length": INT, "description": STR,
                                                    "example": STR, "default": NULLABLE_STR})},
    }),
    "EventsResponse": _obj({"stored": INT}),
    "Insights": {**_obj({key: {} for key in REPORT_KEYS}),
                 "description": "The usage report; the keys are described in the team leads' docs (Insights)."},
    "ReloadRequest": _obj({"full": BOOL}, required=(), closed=True),
    "ReloadResponse": _obj({"full": BOOL, "snippets": INT, "changed": INT, "removed": INT, "warnings": INT,
                            "seconds": {"type": "number"}}),
}
NULLABLE_TIME = {"type": "string", "nullable": True, "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$",
                 "description": "HH:MM in the server's time zone (setting timezone)."}
NULLABLE_MOMENT = {"type": "string", "nullable": True, "format": "date-time"}
INCIDENT_STATE = {"type": "string", "enum": ["active", "winding_down"]}
SCHEMAS["Incident"] = _obj({
    "id": INT, "area": STR, "next_update": NULLABLE_TIME,
    "next_update_at": {**NULLABLE_MOMENT, "description": "The moment next_update stands for, with its UTC offset."},
    "note": NULLABLE_STR, "reply": {**STR, "description": "The reply pinned while the incident is active."},
    "replies": STR_LIST, "state": INCIDENT_STATE, "started_at": {"type": "string", "format": "date-time"},
    "ended_at": NULLABLE_MOMENT, "updated_at": {"type": "string", "format": "date-time"}})
SCHEMAS["IncidentList"] = _obj({"incidents": {"type": "array", "items": _ref("Incident"),
                                              "description": "Active first, then those winding down."}})
SCHEMAS["SuggestIncident"] = _obj({
    "id": INT, "area": STR, "next_update": NULLABLE_TIME, "next_update_at": NULLABLE_MOMENT, "note": NULLABLE_STR,
    "state": INCIDENT_STATE, "reply": {**STR, "description": "The reply pinned first: the incident's, or the "
                                              "resolved reply while winding down."},
    "variables": {"type": "object", "description": "Values of the placeholders the incident fills in "
                  "(outage.area, and outage.next_update when declared).", "additionalProperties": STR}})
SCHEMAS["SuggestResponse"] = {"allOf": [_ref("SearchResponse"), _obj({
    "detected_lang": NULLABLE_STR, "escalations": {"type": "array", "items": _ref("Escalation")},
    "incident": {**_ref("SuggestIncident"), "description": "Only when the message is about a current incident; "
                 "results[0] is then its reply, with pinned: true."}},
    required=("detected_lang", "escalations"))]}
SCHEMAS["Snippet"] = _obj({
    "id": STR, "kind": STR, "version": INT, "source_lang": STR, "channels": STR_LIST, "tags": STR_LIST,
    "texts": {"type": "object", "additionalProperties": _ref("Text")},
    "guidance": {"type": "object", "additionalProperties": STR}, "approval": _ref("Approval"),
    "triggers": {"type": "object", "additionalProperties": STR_LIST},
    "stale": {"type": "object", "additionalProperties": BOOL}, "display": _ref("Display"),
}, required=("id", "kind", "version", "source_lang", "channels", "tags", "texts", "guidance", "approval",
             "triggers", "stale"))
SCHEMAS["RenderResponse"] = _obj({
    "id": STR, "kind": STR, "version": INT, "lang": STR, "requested_lang": STR, "fallback": BOOL, "stale": BOOL,
    "channel": NULLABLE_STR, "channel_allowed": BOOL, "variant": {"type": "string", "enum": ["body", "short"]},
    "title": STR, "text": STR, "missing": STR_LIST, "used": STR_LIST, "length": INT,
    "limit": {"type": "integer", "nullable": True}, "over_limit": BOOL,
})


# Typed variables (kb.yaml `format`) take ISO values; render writes them in the reply's language.
VALUE_FORMATS = {
    "time": {"pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "14:30"},
    "date": {"format": "date", "example": "2026-11-22"},
    "datetime": {"format": "date-time", "example": "2026-11-22T14:30:00Z"},
    "number": {"pattern": r"^-?[0-9]{1,15}(\.[0-9]{1,6})?$", "example": "1234.5"},
}


INCIDENT_ERRORS = {
    "400": _error("The body is not a JSON object, or a field is not a string."),
    "403": _error("The token is not an admin token."),
    "422": _error("A value is not allowed: an area too long or empty, a time not HH:MM, an unknown field."),
    "503": _error("The usage database, where incidents are kept, is not available."),
}


def _param(name: str, schema: dict, description: str, required: bool = False, where: str = "query") -> dict:
    return {"name": name, "in": where, "required": required, "description": description, "schema": schema}


def _paths(lang: dict, channel: dict, limit: dict, example_id: str | None) -> dict:
    return {
        "/api/v1/search": {"get": {
            "operationId": "search", "summary": "Find replies for words an agent types.",
            "parameters": [
                _param("q", {"$ref": "#/components/schemas/Query"}, "Words or a pasted message.", required=True),
                _param("lang", lang, "Language to show results in (default: the source language)."),
                _param("limit", limit, "How many results."),
                _param("channel", channel, "Only replies for this channel, short variant on limited channels."),
            ],
            "responses": {"200": _json("SearchResponse", "Results, best first."),
                          "400": _error("A parameter is missing or not a number."),
                          "414": _error("The query is longer than the limit."),
                          "422": _error("Unknown language or channel, or limit out of range."),
                          **COMMON, **UNAVAILABLE},
        }},
        "/api/v1/suggest": {"post": {
            "operationId": "suggest", "summary": "Replies and escalations for a customer's message.",
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("SuggestRequest")}}},
            "responses": {"200": _json("SuggestResponse", "Escalations the message calls for, then replies."),
                          "400": _error("The body is not a JSON object with a message."),
                          "422": _error("A value is not allowed (unknown field, language, too long)."),
                          **JSON_BODY, **COMMON, **UNAVAILABLE},
        }},
        "/api/v1/snippets/{id}": {"get": {
            "operationId": "getSnippet", "summary": "One snippet in every language.",
            "parameters": [_param("id", {**STR, **({"example": example_id} if example_id else {})},
                                  "Snippet id, e.g. outage/acknowledge.", True, "path"),
                           _param("lang", lang, "Also show the text for this language as `display`.")],
            "responses": {"200": _json("Snippet", "The snippet."), "404": _error("No such snippet."),
                          "422": _error("Unknown language."), **COMMON, **UNAVAILABLE},
        }},
        "/api/v1/render": {"post": {
            "operationId": "render", "summary": "A reply with its placeholders filled in.",
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("RenderRequest")}}},
            "responses": {"200": _json("RenderResponse", "The text; missing variables stay as {{name}}."),
                          "400": _error("The body is not a JSON object with id and lang."),
                          "404": _error("No such snippet."),
                          "422": _error("Unknown language, channel or variable, or a value too long."),
                          **JSON_BODY, **COMMON, **UNAVAILABLE},
        }},
        "/api/v1/reload": {"post": {
            "operationId": "reload", "summary": "Reindex the knowledge base now (admin token).",
            "requestBody": {"required": False, "content": {"application/json": {"schema": _ref("ReloadRequest")}}},
            "responses": {"200": _json("ReloadResponse", "The index is up to date."),
                          "400": _error("The body is not a JSON object."),
                          "403": _error("The token is not an admin token."),
                          "409": {**_error("Another process is writing the index (a reindex, kb index); "
                                           "nothing was changed: try again after Retry-After seconds."),
                                  "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}}},
                          "422": _error("The knowledge base has errors (listed in error.problems); "
                                        "the old index serves on."),
                          "503": _error("Reindexing failed on the server (e.g. a full disk); the old index serves on."),
                          **JSON_BODY, **COMMON},
        }},
        "/api/v1/events": {"post": {
            "operationId": "postEvents", "summary": "Report inserts, copies and dismissals of shown replies.",
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("EventsRequest")}}},
            "responses": {"201": _json("EventsResponse", "Every event was stored."),
                          "400": _error("The body is not a JSON object with a list of events."),
                          "404": _error("An event names a search this service did not record (unknown_search) or a "
                                        "snippet that does not exist (unknown_snippet); error.event says which. "
                                        "Nothing was stored."),
                          "409": _error("An event names a snippet its search did not show (not_shown); nothing was "
                                        "stored."),
                          "422": _error("An event has a value not allowed (error.event says which); nothing was "
                                        "stored."),
                          "503": _error("The usage database is not available."),
                          **JSON_BODY, **COMMON, **UNAVAILABLE},
        }},
        "/api/v1/insights": {"get": {
            "operationId": "insights", "summary": "The usage report (admin token).",
            "parameters": [_param("since", {"type": "string", "default": "30d", "pattern": "^[0-9]{1,4}[hdw]$"},
                                  "Period back from now: hours, days or weeks, e.g. 12h, 30d, 2w."),
                           _param("lang", lang, "Only this language.")],
            "responses": {"200": _json("Insights", "What was used, not used and searched in vain."),
                          "403": _error("The token is not an admin token."),
                          "422": _error("The period or language is not valid."),
                          "503": _error("The usage database is not available."), **COMMON, **UNAVAILABLE},
        }},
        "/api/v1/incidents": {
            "get": {"operationId": "listIncidents", "summary": "The current incidents, for the panel.",
                    "responses": {"200": _json("IncidentList", "Active incidents, then those winding down."),
                                  **COMMON}},
            "post": {"operationId": "startIncident", "summary": "Declare an incident (admin token).",
                     "requestBody": {"required": True, "content": {"application/json": {
                         "schema": _ref("IncidentStart")}}},
                     "responses": {"201": _json("Incident", "The incident, with its id."), **INCIDENT_ERRORS,
                                   "404": _error("A reply it names is not a reply of the knowledge base "
                                                 "(unknown_snippet); nothing was stored."),
                                   **JSON_BODY, **COMMON}},
        },
        "/api/v1/incidents/{id}": {"patch": {
            "operationId": "updateIncident", "summary": "Change an active incident (admin token).",
            "parameters": [_param("id", INT, "The incident's id.", True, "path")],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("IncidentUpdate")}}},
            "responses": {"200": _json("Incident", "The incident as changed."), **INCIDENT_ERRORS,
                          "404": _error("No such incident."), "409": _error("The incident has ended."),
                          **JSON_BODY, **COMMON},
        }},
        "/api/v1/incidents/{id}/end": {"post": {
            "operationId": "endIncident", "summary": "End an incident: its wind-down begins (admin token).",
            "parameters": [_param("id", INT, "The incident's id.", True, "path")],
            "responses": {"200": _json("Incident", "The incident, winding down."),
                          "403": INCIDENT_ERRORS["403"], "503": INCIDENT_ERRORS["503"],
                          "404": _error("No such incident."), "409": _error("The incident has ended already."),
                          **COMMON},
        }},
        "/api/v1/health": {"get": {
            "operationId": "health", "summary": "Whether the service answers.", "security": [],
            "responses": {"200": _json("Health", "Serving."), **UNAVAILABLE},
        }},
        "/api/v1/version": {"get": {
            "operationId": "version", "summary": "Code version, content revision, index times.", "security": [],
            "responses": {"200": _json("Version", "What is served."), "429": RATE_LIMITED, **UNAVAILABLE},
        }},
        "/api/v1/snippets/{id}/history": {"get": {
            "operationId": "snippetHistory", "summary": "The snippet's versions with date, author and commit, from git.",
            "parameters": [_param("id", {**STR, **({"example": example_id} if example_id else {})},
                                  "Snippet id, e.g. outage/acknowledge.", True, "path")],
            "responses": {"200": {"description": "Oldest first; empty when the knowledge base is not a git checkout.",
                                  "content": {"application/json": {"schema": {
                                      "type": "object", "required": ["id", "version", "history"],
                                      "properties": {"id": {"type": "string"}, "version": {"type": "integer"},
                                                     "history": {"type": "array", "items": {"type": "object"}}}}}}},
                          "404": _error("No such snippet."), **COMMON, **UNAVAILABLE},
        }},
        "/api/v1/i18n/{lang}": {"get": {
            "operationId": "pluginStrings", "summary": "The plugin's interface strings in a language (Babel catalogs).",
            "security": [],
            "parameters": [{"name": "lang", "in": "path", "required": True,
                            "description": "Language tag; unknown ones give English.",
                            "schema": {"type": "string", "minLength": 1}}],  # any tag: negotiated
            "responses": {"200": {"description": "msgid -> translation, or [singular, plural] for plural entries.",
                                  "content": {"application/json": {"schema": {
                                      "type": "object", "required": ["lang", "messages", "plural"],
                                      "properties": {"lang": {"type": "string"}, "plural": {"type": "string"},
                                                     "messages": {"type": "object"}}}}}},
                          "429": RATE_LIMITED},
        }},
        "/api/v1/openapi.json": {"get": {
            "operationId": "openapi", "summary": "This document.", "security": [],
            "responses": {"200": {"description": "OpenAPI 3.0 document.",
                                  "content": {"application/json": {"schema": {"type": "object"}}}},
                          "429": RATE_LIMITED},
        }},
    }


def document(settings: KBSettings, max_query: int, max_message: int, tokens_required: bool,
             example_id: str | None = None) -> dict:
    """The OpenAPI document for a server with *settings* and these limits.

    In JSON bodies an optional field may also be null, which means the same as leaving it out.
    """
    lang = {"type": "string", "enum": list(settings.languages)}
    channel = {"type": "string", "enum": list(settings.channels)}
    limit = {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 10}

    def optional(schema: dict) -> dict:  # null stands for "not given"; an enum must list it (OAS 3.0.3)
        return {**schema, "nullable": True, **({"enum": [*schema["enum"], None]} if "enum" in schema else {})}

    schemas = copy.deepcopy(SCHEMAS)
    schemas["Query"] = {"type": "string", "maxLength": max_query}
    # At least one character that is not white space: a blank message is refused (422).
    message = {"type": "string", "minLength": 1, "maxLength": max_message, "pattern": r"\S"}
    schemas["SuggestRequest"] = _obj({"message": message, "lang": optional(lang),
                                      "channel": optional(channel), "limit": optional(limit)},
                                     required=("message",), closed=True)
    variables = {name: {"type": "string", "maxLength": spec.max_length, "description": spec.description,
                        **VALUE_FORMATS.get(getattr(spec, "format", None), {})}
                 for name, spec in settings.variables.items()}
    schemas["RenderRequest"] = _obj({
        "id": {**STR, **({"example": example_id} if example_id else {})}, "lang": lang,
        "channel": optional(channel),
        "variables": optional({"type": "object", "properties": variables, "additionalProperties": False}),
    }, required=("id", "lang"), closed=True)
    schemas["Event"] = _obj({
        "type": {"type": "string", "enum": list(EVENT_TYPES)},
        "search_id": {**STR, "description": "The search_id of the answer that showed the snippet."},
        "snippet_id": STR,
        "rank": optional({"type": "integer", "minimum": 1, "maximum": 100,
                          "description": "Position in the list shown, 1 first (default: where the search put it)."}),
        "lang": optional(lang), "channel": optional(channel),
        "helpdesk": optional({"type": "string", "minLength": 1, "maxLength": 40}),
    }, required=("type", "search_id", "snippet_id"), closed=True)
    area = {"type": "string", "minLength": 1, "pattern": r"[^\s\x00-\x1f\x7f]",  # something printable
            **({"maxLength": settings.variables[AREA_VARIABLE].max_length} if AREA_VARIABLE in settings.variables
               else {})}
    clock = {"type": "string", "pattern": CLOCK.pattern + "|^$", "example": "14:30",
             "description": "HH:MM (also H:MM or HH.MM), local time; empty clears it."}
    note = {"type": "string", "maxLength": NOTE_MAX_CHARS, "description": "Empty clears it."}
    schemas["IncidentStart"] = _obj({
        "area": area, "next_update": optional(clock), "note": optional(note),
        "replies": optional({"type": "array", "items": STR, "minItems": 1, "maxItems": MAX_REPLIES,
                             "description": "Reply ids, the first pinned (default: setting incident_reply)."}),
    }, required=("area",), closed=True)
    schemas["IncidentUpdate"] = _obj({"area": optional(area), "next_update": optional(clock), "note": optional(note)},
                                     required=(), closed=True)
    schemas["EventsRequest"] = _obj({"events": {"type": "array", "minItems": 1, "maxItems": 50,
                                                "items": _ref("Event")}}, closed=True)
    doc = {
        "openapi": "3.0.3",
        "info": {"title": "Vastaus API", "version": __version__,
                 "description": "Canned customer-service replies in " + ", ".join(settings.languages.values())
                 + ". Errors are {\"error\": {\"code\", \"message\"}}, the message in the Accept-Language."},
        "paths": _paths(lang, channel, limit, example_id),
        "components": {"schemas": schemas},
    }
    if tokens_required:
        doc["components"]["securitySchemes"] = {"bearerAuth": {"type": "http", "scheme": "bearer"}}
        doc["security"] = [{"bearerAuth": []}]
    return doc


@bp.get("/openapi.json")
def openapi_document():
    config = current_app.config
    svc = services()
    try:
        example = svc.first_id("reply")
    except FileNotFoundError:  # no index yet: the document is still useful
        example = None
    return jsonify(document(svc.settings, config["MAX_QUERY_CHARS"], config["MAX_MESSAGE_CHARS"],
                            config["TOKENS"].required, example))
