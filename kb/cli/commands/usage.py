"""``kb usage``: the usage report, keyword proposals, and purging old usage data."""

from __future__ import annotations

import argparse
import json
import sys

from kb.cli.common import add_setting, fail
from kb.i18n import gettext

USAGE_SETTINGS = ("responses", "index", "database_url")


def _open(args: argparse.Namespace):
    from kb.usage.db import open_engine

    return open_engine(args.database_url, args.index)


def _snippets(args: argparse.Namespace) -> list:
    from kb.content.loader import load_kb

    return list(load_kb(args.responses).snippets.values())


def _period(args: argparse.Namespace):
    from kb.usage.reports import parse_since

    return parse_since(args.since)


def _language(args: argparse.Namespace) -> str | None:
    from kb.content.kbyaml import load_settings

    if args.lang is not None:
        load_settings(args.responses).check_language(args.lang)
    return args.lang


def print_report(report: dict, out=None) -> None:
    """The report for people: one section per key of the JSON."""
    out = out or sys.stdout
    totals = report["totals"]
    print(gettext("Usage from %(since)s to %(until)s") % report, file=out)
    print(gettext("%(searches)d searches, %(suggests)d suggestions for messages, %(zero_results)d found nothing; "
                  "%(inserts)d inserted, %(copies)d copied, %(dismissals)d dismissed") % totals, file=out)
    print("\n" + gettext("Most used replies:"), file=out)
    for item in report["most_used"] or [{"snippet_id": "-", "lang": "", "channel": None, "uses": 0}]:
        print(f"  {item['uses']:5d}  {item['snippet_id']}  {item['lang']}  {item['channel'] or ''}".rstrip(), file=out)
    print("\n" + gettext("Searches that found nothing:"), file=out)
    for lang, entry in report["zero_results"].items():
        for item in entry["queries"]:
            print(f"  {item['count']:5d}  {lang}  {item['query']}", file=out)
    print("\n" + gettext("Picks ranked 4th or lower:"), file=out)
    for item in report["low_rank_picks"]:
        print(f"  {item['count']:5d}  #{item['rank']}  {item['snippet_id']}  {item['lang']}  {item['query'] or ''}",
              file=out)
    print("\n" + gettext("Uses per language (of which translations):"), file=out)
    for lang, entry in report["translations"].items():
        print(f"  {lang}  {entry['uses']:5d}  ({entry['translated']})", file=out)
    print("\n" + gettext("Replies not used in this period (%(count)d):") % {"count": len(report["unused"])}, file=out)
    for snippet_id in report["unused"]:
        print(f"  {snippet_id}", file=out)
    print_incidents(report["incidents"], out)


def print_incidents(incidents: list[dict], out) -> None:
    """Per incident: replies sent per language and channel, and the running total over time."""
    print("\n" + gettext("Incidents:"), file=out)
    if not incidents:
        print("  -", file=out)
    for item in incidents:
        ended = item["ended_at"] or gettext("still active")
        print("  " + gettext("#%(id)d %(area)s, %(started_at)s to %(ended)s: %(uses)d replies sent from "
                             "%(suggestions)d suggestions") % {**item, "ended": ended}, file=out)
        for row in item["by_language_channel"]:
            print(f"    {row['uses']:5d}  {row['lang']}  {row['channel'] or ''}".rstrip(), file=out)
        timeline = item["timeline"]
        totals = ", ".join(str(bucket["total"]) for bucket in timeline["buckets"])
        print("    " + gettext("running total every %(minutes)d minutes: %(totals)s")
              % {"minutes": timeline["bucket_minutes"], "totals": totals}, file=out)


def cmd_report(args: argparse.Namespace) -> int:
    from kb.usage.db import DatabaseError
    from kb.usage.reports import build

    try:
        since, lang = _period(args), _language(args)
        report = build(_open(args), _snippets(args), since, lang)
    except (ValueError, DatabaseError) as exc:
        fail("usage report", exc)
        return 2
    if args.format == "json":
        json.dump(report, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        print_report(report)
    return 0


def cmd_keywords(args: argparse.Namespace) -> int:
    from kb.usage.db import DatabaseError
    from kb.usage.keywords import propose

    try:
        since, lang = _period(args), _language(args)
        proposals = propose(_open(args), _snippets(args), since, lang, min_count=args.min_count)
    except (ValueError, DatabaseError) as exc:
        fail("usage keywords", exc)
        return 2
    if args.format == "json":
        json.dump(proposals, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    if not proposals:
        print(gettext("No keywords to propose: no word was typed often enough before a reply was used."))
    for snippet_id, langs in proposals.items():
        for lang, items in langs.items():
            words = ", ".join(f"{item['keyword']} ({item['count']})" for item in items)
            print(f"{snippet_id}  {lang}: {words}")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    from kb.usage.db import DatabaseError
    from kb.usage.store import purge

    try:
        removed = purge(_open(args), args.usage_retention_days)
    except (ValueError, DatabaseError) as exc:
        fail("usage purge", exc)
        return 2
    print(gettext("Removed %(searches)d searches and %(events)d events older than %(days)d days.")
          % {**removed, "days": args.usage_retention_days})
    return 0


def _common(parser: argparse.ArgumentParser, period: bool = True) -> None:
    for name in USAGE_SETTINGS:
        add_setting(parser, name)
    if period:
        parser.add_argument("--since", default="30d",
                            help=gettext("period: 30d, 12h, 2w back from now, or a date (default: 30d)"))
        parser.add_argument("--lang", help=gettext("only this language"))
        parser.add_argument("--format", choices=("text", "json"), default="text", help=gettext("output format"))


def register(sub) -> None:
    usage = sub.add_parser("usage", help=gettext("usage insights: report, keyword proposals, purge"),
                           description=gettext("What agents searched for, used and missed, from the usage database "
                                               "(--database-url; SQLite beside the index by default)."))
    actions = usage.add_subparsers(dest="action", required=True, metavar=gettext("ACTION"))
    report = actions.add_parser("report", help=gettext("most and least used replies, searches that found nothing"))
    _common(report)
    report.set_defaults(func=cmd_report)
    keywords = actions.add_parser("keywords", help=gettext("propose keywords from what agents typed before using a reply"))
    _common(keywords)
    keywords.add_argument("--min-count", type=int, default=2,
                          help=gettext("propose a word typed before at least this many uses (default: 2)"))
    keywords.set_defaults(func=cmd_keywords)
    purge = actions.add_parser("purge", help=gettext("remove usage data older than the retention"))
    _common(purge, period=False)
    add_setting(purge, "usage_retention_days")
    purge.set_defaults(func=cmd_purge)
