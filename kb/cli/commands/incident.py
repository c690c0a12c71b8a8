"""``kb incident``: declaring, updating, ending and listing incidents (outage mode).

They are kept in the usage database (``--database-url``, SQLite beside the index by default),
the same one ``kb serve`` reads: every worker and replica shows a change within seconds.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys

from kb.cli.common import add_setting, fail
from kb.i18n import gettext

INCIDENT_SETTINGS = ("responses", "index", "database_url", "timezone", "incident_wind_down_minutes")


def _state(state: str) -> str:
    return gettext("active") if state == "active" else gettext("winding down")


def _open(args: argparse.Namespace):
    from kb.usage.db import open_engine

    return open_engine(args.database_url, args.index)


def _zone(args: argparse.Namespace):
    from kb.incidents.times import zone

    return zone(args.timezone)


def _wind_down(args: argparse.Namespace) -> datetime.timedelta:
    return datetime.timedelta(minutes=args.incident_wind_down_minutes)


def _checked(args: argparse.Namespace, replies: tuple[str, ...]):
    """The declaration of *args*, checked against the knowledge base (area length, replies)."""
    from kb.content.kbyaml import load_settings
    from kb.content.loader import load_kb
    from kb.incidents.store import Declaration, check_declaration

    settings = load_settings(args.responses)
    snippets = load_kb(args.responses).snippets if replies else {}

    def is_reply(snippet_id: str) -> bool:
        snippet = snippets.get(snippet_id)
        return snippet is not None and snippet.kind == "reply"

    declaration = Declaration(getattr(args, "area", None), args.next_update, args.note, replies)
    return check_declaration(declaration, settings, is_reply)


def print_incident(shown: dict, out=None) -> None:
    """One incident for people: its id, state and area, then what agents are told."""
    out = out or sys.stdout
    print(gettext("Incident %(id)d (%(state)s): %(area)s") % {**shown, "state": _state(shown["state"])}, file=out)
    if shown["next_update"]:
        print("  " + gettext("next update at %(next_update)s (%(next_update_at)s)") % shown, file=out)
    if shown["note"]:
        print("  " + gettext("note: %(note)s") % shown, file=out)
    print("  " + gettext("reply: %(replies)s") % {"replies": ", ".join(shown["replies"])}, file=out)
    print("  " + gettext("started %(started_at)s") % shown
          + ("; " + gettext("ended %(ended_at)s") % shown if shown["ended_at"] else ""), file=out)


def _show(args: argparse.Namespace, incident) -> None:
    shown = incident.as_dict(_zone(args), _wind_down(args))
    if args.format == "json":
        print(json.dumps(shown, ensure_ascii=False, indent=2))
    else:
        print_incident(shown)


def _run(command: str, args: argparse.Namespace, work) -> int:
    """Run *work*; a refusal (bad value, unknown id, database down) is one clear line, status 2."""
    from kb.content.kbyaml import SettingsError
    from kb.incidents.store import IncidentError
    from kb.usage.db import DatabaseError

    try:
        work()
    except (IncidentError, DatabaseError, SettingsError, ValueError) as exc:
        fail(f"incident {command}", exc)
        return 2
    return 0


def cmd_start(args: argparse.Namespace) -> int:
    from kb.incidents import store

    def work() -> None:
        declaration = _checked(args, tuple(args.reply or [args.incident_reply]))
        _show(args, store.start(_open(args), declaration, _zone(args)))

    return _run("start", args, work)


def cmd_update(args: argparse.Namespace) -> int:
    from kb.incidents import store

    def work() -> None:
        declaration = _checked(args, ())
        _show(args, store.change(_open(args), args.id, declaration, _zone(args)))

    return _run("update", args, work)


def cmd_end(args: argparse.Namespace) -> int:
    from kb.incidents import store

    return _run("end", args, lambda: _show(args, store.end(_open(args), args.id)))


def cmd_list(args: argparse.Namespace) -> int:
    from kb.incidents import store

    def work() -> None:
        tz, wind_down = _zone(args), _wind_down(args)
        shown = [incident.as_dict(tz, wind_down) for incident in store.current(_open(args), wind_down)]
        if args.format == "json":
            print(json.dumps({"incidents": shown}, ensure_ascii=False, indent=2))
            return
        if not shown:
            print(gettext("No incident is active or winding down."))
        for item in shown:
            print_incident(item)

    return _run("list", args, work)


def _common(parser: argparse.ArgumentParser, *extra: str) -> None:
    for name in (*INCIDENT_SETTINGS, *extra):
        add_setting(parser, name)
    parser.add_argument("--format", choices=("text", "json"), default="text", help=gettext("output format"))


def _details(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--next-update", metavar="HH:MM",
                        help=gettext("when the next update is promised, local time, e.g. 14:30 (empty clears it)"))
    parser.add_argument("--note", help=gettext("a short note agents see in the banner (empty clears it)"))


def register(sub) -> None:
    incident = sub.add_parser("incident", help=gettext("outage mode: declare, update and end an incident"),
                              description=gettext("Declare an incident so that every agent answers messages about "
                                                  "it first with the same reply, area and next update time."))
    actions = incident.add_subparsers(dest="action", required=True, metavar=gettext("ACTION"))
    start = actions.add_parser("start", help=gettext("declare an incident; prints it with its id"))
    start.add_argument("--area", required=True, help=gettext("the area affected, e.g. Tampere"))
    _details(start)
    start.add_argument("--reply", action="append", metavar="ID",
                       help=gettext("the reply pinned for messages about it (again for more; the first is "
                                    "pinned, the others widen what counts as about it)"))
    _common(start, "incident_reply")
    start.set_defaults(func=cmd_start)
    update = actions.add_parser("update", help=gettext("change the next update time or the note"))
    update.add_argument("id", type=int, help=gettext("the incident's id"))
    update.add_argument("--area", help=gettext("the area affected, e.g. Tampere"))
    _details(update)
    _common(update)
    update.set_defaults(func=cmd_update)
    end = actions.add_parser("end", help=gettext("end an incident: the resolved reply is pinned for the wind-down"))
    end.add_argument("id", type=int, help=gettext("the incident's id"))
    _common(end)
    end.set_defaults(func=cmd_end)
    listing = actions.add_parser("list", help=gettext("the incidents active or winding down"))
    _common(listing)
    listing.set_defaults(func=cmd_list)
