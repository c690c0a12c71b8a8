"""The times team leads declare ("14:30", in the knowledge base's time zone) and the moments
they stand for; stored times are naive UTC (kb.usage.db.now)."""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kb.i18n import gettext

CLOCK = re.compile(r"^\s*([01]?[0-9]|2[0-3])[:.]([0-5][0-9])\s*$")  # 14:30, also 14.30 and 9:05


def zone(name: str) -> ZoneInfo:
    """The time zone *name* (the ``timezone`` setting); ValueError saying what to give."""
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(gettext("%(zone)s is not a time zone; give one such as Europe/Helsinki")
                         % {"zone": repr(name)}) from exc


def parse_clock(text: str) -> str:
    """``HH:MM`` for what a team lead typed (``14:30``, ``14.30``, ``9:05``); ValueError otherwise."""
    match = CLOCK.match(text)
    if not match:
        raise ValueError(gettext("%(value)s is not a time of day: give the next update as HH:MM, for example 14:30")
                         % {"value": repr(text)})
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def next_moment(clock: str, tz: ZoneInfo, at: datetime.datetime) -> datetime.datetime:
    """The next time the local clock shows *clock* ("HH:MM") after *at* (naive UTC): today, or
    tomorrow when it has already passed; naive UTC like *at*."""
    hour, minute = (int(part) for part in clock.split(":"))
    local_now = at.replace(tzinfo=datetime.UTC).astimezone(tz)
    moment = datetime.datetime.combine(local_now.date(), datetime.time(hour, minute), tz)
    if moment <= local_now:
        moment = datetime.datetime.combine(local_now.date() + datetime.timedelta(days=1), datetime.time(hour, minute),
                                           tz)
    return moment.astimezone(datetime.UTC).replace(tzinfo=None)


def iso(moment: datetime.datetime | None, tz: ZoneInfo) -> str | None:
    """A stored time (naive UTC) as ISO 8601 in the local zone, with its UTC offset."""
    if moment is None:
        return None
    return moment.replace(tzinfo=datetime.UTC).astimezone(tz).isoformat(timespec="seconds")
