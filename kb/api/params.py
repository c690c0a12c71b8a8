"""Reading and checking request input, with errors people can act on.

The rule for statuses: input that cannot be understood (not JSON, a missing field, a field
of the wrong type) is 400; well-formed input with a value the knowledge base does not allow
(an unknown language or channel, a number out of range, a value too long) is 422.
"""

from __future__ import annotations

import json
import re

from flask import current_app, request

from kb.api.errors import ApiError, bad_request, invalid, unsupported_media_type
from kb.content.kbyaml import KBSettings, UnknownChoice
from kb.i18n import gettext
from kb.search.service import MAX_LIMIT

DEFAULT_LIMIT = 10
WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,9}")


def json_body(fields: tuple[str, ...], required: tuple[str, ...] = ()) -> dict:
    """The request's JSON object; only *fields* are allowed and *required* must be present."""
    if not request.is_json:
        raise unsupported_media_type()
    raw = request.get_data(cache=True)  # raises 413 beyond MAX_CONTENT_LENGTH
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise bad_request(gettext("The request body is not valid JSON.")) from None
    except RecursionError:  # [[[[... deeper than Python's stack
        raise bad_request(too_deep()) from None
    check_text(body)
    if not isinstance(body, dict):
        raise bad_request(gettext("The request body must be a JSON object."))
    for name in body:
        if name not in fields:
            raise invalid(gettext("Unknown field '%(field)s'; the fields are: %(fields)s.")
                          % {"field": name, "fields": ", ".join(fields)})
    for name in required:
        if name not in body:
            raise bad_request(gettext("The field '%(field)s' is required.") % {"field": name})
    return body


MAX_DEPTH = 32  # no request of the API nests more than three levels


def too_deep() -> str:
    return gettext("The request body is nested too deeply; the limit is %(limit)d levels.") % {"limit": MAX_DEPTH}


def lone_surrogate() -> str:
    return gettext("The request contains a lone surrogate (such as \\ud800), which is not a character; "
                   "send text as valid Unicode.")


def has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_text(value: object) -> None:
    """Refuse (400) JSON nested deeper than MAX_DEPTH or holding a lone surrogate in any key or
    string: JSON's ``\\ud800`` escapes make one, and it cannot be written out again as UTF-8."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if has_lone_surrogate(item):
                raise bad_request(lone_surrogate())
        elif isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise bad_request(too_deep())
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


def string_field(body: dict, name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise bad_request(gettext("The field '%(field)s' must be a string.") % {"field": name})
    return value


def query_text(name: str = "q") -> str:
    """The search text from the query string, at most ``MAX_QUERY_CHARS`` long (414 beyond)."""
    if name not in request.args:
        raise bad_request(gettext("The query parameter '%(name)s' is required.") % {"name": name})
    text = request.args[name]
    limit = current_app.config["MAX_QUERY_CHARS"]
    if len(text) > limit:
        raise ApiError(414, "query_too_long", gettext("The query is too long; the limit is %(limit)d characters.")
                       % {"limit": limit})
    return text


def message_text(body: dict) -> str:
    message = string_field(body, "message") or ""
    limit = current_app.config["MAX_MESSAGE_CHARS"]
    if len(message) > limit:
        raise invalid(gettext("The message is too long; the limit is %(limit)d characters.") % {"limit": limit})
    if not message.strip():
        raise invalid(gettext("The message is empty."))
    return message


def language(value: object, settings: KBSettings, name: str = "lang") -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad_request(gettext("The field '%(field)s' must be a string.") % {"field": name})
    try:
        settings.check_language(value)
    except UnknownChoice as exc:
        raise invalid(str(exc)) from None
    return value


def channel(value: object, settings: KBSettings) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad_request(gettext("The field '%(field)s' must be a string.") % {"field": "channel"})
    try:
        settings.check_channel(value)
    except UnknownChoice as exc:
        raise invalid(str(exc)) from None
    return value


def limit(value: object) -> int:
    """How many results: a whole number from 1 to ``MAX_LIMIT``; query strings give text."""
    if value is None:
        return DEFAULT_LIMIT
    if isinstance(value, str):
        if not WHOLE_NUMBER.fullmatch(value):
            raise bad_request(gettext("'limit' must be a whole number."))
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise bad_request(gettext("'limit' must be a whole number."))
    if not 1 <= value <= MAX_LIMIT:
        raise invalid(gettext("'limit' must be between 1 and %(max)d.") % {"max": MAX_LIMIT})
    return value
