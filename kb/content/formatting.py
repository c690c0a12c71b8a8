"""Values of typed placeholders, formatted for the reply's language by Babel.

A helpdesk sends times and dates in ISO form ("14:30", "2026-11-22"); customers read them
in their own convention: 14.30 in Finnish, 14:30 in Estonian, 2:30 PM in English. The
variable's ``format`` in kb.yaml says which values are typed; words around the value
("klo", "kell", "at") belong to the snippet's text, where translators control them.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_decimal

FORMATS = ("time", "date", "datetime", "number")


class FormatError(ValueError):
    """A value does not have the form its variable's format needs."""


def format_value(value: str, fmt: str | None, lang: str) -> str:
    """*value* formatted as *fmt* for *lang*; untyped values are returned unchanged."""
    if fmt is None:
        return value
    try:
        if fmt == "time":
            return format_time(datetime.time.fromisoformat(value), "short", locale=lang)
        if fmt == "date":
            return format_date(datetime.date.fromisoformat(value), "medium", locale=lang)
        if fmt == "datetime":
            return format_datetime(datetime.datetime.fromisoformat(value), "short", locale=lang)
        if fmt == "number":
            return format_decimal(Decimal(value), locale=lang)
    except (ValueError, InvalidOperation) as exc:
        examples = {"time": "14:30", "date": "2026-11-22", "datetime": "2026-11-22T14:30", "number": "1234.5"}
        raise FormatError(f"{value!r} is not a {fmt}; send it in ISO form such as {examples[fmt]}") from exc
    raise FormatError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
