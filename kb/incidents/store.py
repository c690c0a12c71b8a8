"""Declared incidents in the usage database: starting, updating, ending and reading them.

Every function takes the engine of kb.usage.db and works the same on SQLite and PostgreSQL.
What is checked against the knowledge base (the area's length, the replies) is checked in
:func:`check_declaration` first, by whoever declares: the command line and the API.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.engine import Engine

from kb.content.kbyaml import KBSettings
from kb.i18n import gettext
from kb.incidents.times import iso, next_moment, parse_clock
from kb.usage import schema
from kb.usage.db import now

AREA_VARIABLE = "outage.area"  # its max_length in kb.yaml is the longest area accepted
NEXT_UPDATE_VARIABLE = "outage.next_update"
NOTE_MAX_CHARS = 500
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_REPLIES = 5
ACTIVE, WINDING_DOWN, ENDED = "active", "winding_down", "ended"


class IncidentError(ValueError):
    """A declaration or change that cannot be made; the message says why and what to give."""


class NotFound(IncidentError):
    """No incident has that id."""


class UnknownReply(IncidentError):
    """A reply named for the incident is not a reply of the knowledge base."""


class AlreadyEnded(IncidentError):
    """The incident has ended: it cannot be changed or ended again."""


@dataclass(frozen=True)
class Incident:
    """One incident as stored (times naive UTC)."""

    id: int
    area: str
    next_update: str | None
    next_update_at: datetime.datetime | None
    note: str | None
    replies: tuple[str, ...]
    started_at: datetime.datetime
    ended_at: datetime.datetime | None
    updated_at: datetime.datetime

    @property
    def reply(self) -> str:
        return self.replies[0]

    def state(self, wind_down: datetime.timedelta, at: datetime.datetime | None = None) -> str:
        """active, winding_down (ended less than *wind_down* ago) or ended."""
        if self.ended_at is None:
            return ACTIVE
        return WINDING_DOWN if (at or now()) < self.ended_at + wind_down else ENDED

    def as_dict(self, tz: ZoneInfo, wind_down: datetime.timedelta, at: datetime.datetime | None = None) -> dict:
        """The incident object of the API and of ``kb incident --format json`` (docs: team leads)."""
        return {"id": self.id, "area": self.area, "next_update": self.next_update,
                "next_update_at": iso(self.next_update_at, tz), "note": self.note, "reply": self.reply,
                "replies": list(self.replies), "state": self.state(wind_down, at),
                "started_at": iso(self.started_at, tz), "ended_at": iso(self.ended_at, tz),
                "updated_at": iso(self.updated_at, tz)}


@dataclass(frozen=True)
class Declaration:
    """What a team lead gives; None leaves a field as it is (in an update)."""

    area: str | None = None
    next_update: str | None = None  # "" clears it
    note: str | None = None  # "" clears it
    replies: tuple[str, ...] = ()


def _clean_text(value: str, longest: int, empty: str, too_long: str) -> str:
    """*value* on one line with single spaces; IncidentError *empty* or *too_long* (a message
    with %(length)d and %(max)d) when it cannot be used."""
    text = " ".join(CONTROL.sub(" ", value).split())  # one line; PostgreSQL refuses NUL in text
    if not text:
        raise IncidentError(empty)
    if len(text) > longest:
        raise IncidentError(too_long % {"length": len(text), "max": longest})
    return text


def check_declaration(declaration: Declaration, settings: KBSettings,
                      reply_exists: Callable[[str], bool]) -> Declaration:
    """*declaration* with its texts tidied and its time as ``HH:MM``; IncidentError for a value
    that cannot be used: an area longer than ``outage.area`` allows, a time not ``HH:MM``, a
    reply that is not in the knowledge base."""
    area = declaration.area
    if area is not None:
        variable = settings.variables.get(AREA_VARIABLE)
        if variable is None:
            raise IncidentError(gettext("kb.yaml declares no variable %(name)s, which an incident's area fills in.")
                                % {"name": AREA_VARIABLE})
        area = _clean_text(area, variable.max_length, gettext("The area is empty; name the area the disruption "
                                                              "affects, for example Tampere."),
                           gettext("The area is %(length)d characters long; it may be at most %(max)d (the "
                                   "max_length of outage.area in kb.yaml)."))
    next_update = declaration.next_update
    if next_update:
        try:
            next_update = parse_clock(next_update)
        except ValueError as exc:
            raise IncidentError(str(exc)) from None
    note = declaration.note
    if note is not None and " ".join(CONTROL.sub(" ", note).split()):
        note = _clean_text(note, NOTE_MAX_CHARS, "", gettext("The note is %(length)d characters long; it may be "
                                                            "at most %(max)d."))
    elif note is not None:
        note = ""  # blank: clears the note
    replies = tuple(dict.fromkeys(reply.strip() for reply in declaration.replies))
    if len(replies) > MAX_REPLIES:
        raise IncidentError(gettext("Give at most %(max)d replies.") % {"max": MAX_REPLIES})
    for reply in replies:
        if not reply_exists(reply):
            raise UnknownReply(gettext("There is no reply %(id)s in the knowledge base; give the id of a reply, "
                                        "for example outage/acknowledge.") % {"id": repr(reply)})
    return Declaration(area, next_update, note, replies)


def _incident(row) -> Incident:
    return Incident(row.id, row.area, row.next_update, row.next_update_at, row.note,
                    tuple(filter(None, row.replies.split("\n"))), row.started_at, row.ended_at, row.updated_at)


def get(engine: Engine, incident_id: int) -> Incident:
    """The incident *incident_id*; :class:`NotFound` when there is none."""
    with engine.connect() as conn:
        row = conn.execute(select(schema.incidents).where(schema.incidents.c.id == incident_id)).first()
    if row is None:
        raise NotFound(gettext("There is no incident %(id)s.") % {"id": incident_id})
    return _incident(row)


def start(engine: Engine, declaration: Declaration, tz: ZoneInfo, at: datetime.datetime | None = None) -> Incident:
    """Declare an incident from a checked *declaration* (area and at least one reply given)."""
    if not declaration.area or not declaration.replies:
        raise IncidentError(gettext("An incident needs an area and a reply."))
    stamp = at or now()
    clock = declaration.next_update or None
    with engine.begin() as conn:
        new_id = conn.execute(schema.incidents.insert().values(
            area=declaration.area, next_update=clock, next_update_at=clock and next_moment(clock, tz, stamp),
            note=declaration.note or None, replies="\n".join(declaration.replies), started_at=stamp,
            ended_at=None, updated_at=stamp)).inserted_primary_key[0]
    return get(engine, new_id)


def change(engine: Engine, incident_id: int, declaration: Declaration, tz: ZoneInfo,
           at: datetime.datetime | None = None) -> Incident:
    """Update an active incident: the fields *declaration* gives (the next update's moment is
    counted from now); :class:`AlreadyEnded` once it has ended."""
    stamp = at or now()
    values: dict = {"updated_at": stamp}
    if declaration.area is not None:
        values["area"] = declaration.area
    if declaration.next_update is not None:
        clock = declaration.next_update or None
        values.update(next_update=clock, next_update_at=clock and next_moment(clock, tz, stamp))
    if declaration.note is not None:
        values["note"] = declaration.note or None
    if declaration.replies:
        values["replies"] = "\n".join(declaration.replies)
    return _write_active(engine, incident_id, values)


def end(engine: Engine, incident_id: int, at: datetime.datetime | None = None) -> Incident:
    """End an active incident now: the wind-down begins."""
    stamp = at or now()
    return _write_active(engine, incident_id, {"ended_at": stamp, "updated_at": stamp})


def _write_active(engine: Engine, incident_id: int, values: dict) -> Incident:
    table = schema.incidents
    with engine.begin() as conn:
        changed = conn.execute(update(table).where(table.c.id == incident_id, table.c.ended_at.is_(None))
                               .values(**values)).rowcount
    if not changed:
        incident = get(engine, incident_id)  # NotFound, or it has ended
        raise AlreadyEnded(gettext("Incident %(id)s ended at %(at)s UTC; declare a new one with kb incident start.")
                           % {"id": incident.id, "at": incident.ended_at.isoformat(timespec="minutes")})
    return get(engine, incident_id)


def current(engine: Engine, wind_down: datetime.timedelta, at: datetime.datetime | None = None) -> list[Incident]:
    """Active incidents, newest first, then the ones winding down, most recently ended first."""
    table = schema.incidents
    stamp = at or now()
    with engine.connect() as conn:
        rows = conn.execute(select(table).where(or_(table.c.ended_at.is_(None), table.c.ended_at > stamp - wind_down))
                            .order_by(table.c.id.desc())).all()
    return ordered(map(_incident, rows), wind_down, stamp)


def ordered(incidents: Iterable[Incident], wind_down: datetime.timedelta, at: datetime.datetime) -> list[Incident]:
    """*incidents* still current at *at*: active first (newest first), then winding down."""
    found = [incident for incident in incidents if incident.state(wind_down, at) != ENDED]
    return sorted(found, key=lambda i: (i.ended_at is not None, -(i.ended_at or i.started_at).timestamp(), -i.id))


def between(engine: Engine, since: datetime.datetime, until: datetime.datetime | None = None) -> list[Incident]:
    """Incidents that were on at some time from *since* to *until* (default now), oldest first."""
    table = schema.incidents
    condition = or_(table.c.ended_at.is_(None), table.c.ended_at >= since)
    if until is not None:
        condition = condition & (table.c.started_at <= until)
    with engine.connect() as conn:
        rows = conn.execute(select(table).where(condition).order_by(table.c.id)).all()
    return [_incident(row) for row in rows]
