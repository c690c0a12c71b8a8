"""``kb import`` and ``kb export``: canned replies from and to the helpdesks teams already use."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kb.cli.common import add_setting, fail
from kb.i18n import N_, gettext, ngettext

STATUSES = {  # how the summary names what happened to a record, and what would happen in a dry run
    "created": (N_("created"), N_("would create")),
    "overwritten": (N_("replaced"), N_("would replace")),
    "unchanged": (N_("unchanged"), N_("unchanged")),
    "skipped": (N_("skipped"), N_("would skip")),
    "invalid": (N_("not valid"), N_("not valid")),
    "merged": (N_("translation added"), N_("would add translation")),
}


def _print_report(report, stream) -> None:
    if report.unmapped:
        print(gettext("placeholders without a counterpart (%(count)d):") % {"count": len(report.unmapped)}, file=stream)
        for line in report.unmapped:
            print(f"  {line}", file=stream)
    if report.notes:
        print(gettext("notes (%(count)d):") % {"count": len(report.notes)}, file=stream)
        for line in report.notes:
            print(f"  {line}", file=stream)
    if report.html_converted:
        print(gettext("HTML converted to text: %(count)d texts (scripts, styles or embedded objects removed from "
                      "%(removed)d)") % {"count": report.html_converted, "removed": report.html_removed}, file=stream)


def cmd_match(args: argparse.Namespace) -> int:
    """``--match``: write the mapping file and say what it proposes."""
    from kb.transfer import TransferError, match_file
    from kb.transfer.matching import NEW, mapping_text

    output = args.mapping or f"{Path(args.file).stem}.mapping.yaml"
    if Path(output).exists() and not args.force:
        fail("import", gettext("%(file)s exists, perhaps already checked by someone; give another --mapping or use "
                               "--force to write over it") % {"file": output})
        return 2
    try:
        proposals, report, titles = match_file(args.format, Path(args.file), Path(args.responses), lang=args.lang,
                                               dynamic_content=args.dynamic_content, locales=args.locales)
    except TransferError as exc:
        fail("import", exc)
        return 2
    command = f"kb import {args.format} {args.file}" + (f" --lang {args.lang}" if args.lang else "") + \
        f" --apply {output}"
    Path(output).write_text(mapping_text(proposals, command, titles), encoding="utf-8")
    for item in proposals:
        best = f"{item.best[1]:.1f}" if item.best else "-"
        print(f"{item.snippet:<34} {best:>6}  {item.lang}  ({item.key})")
    _print_report(report, sys.stdout)
    matched = sum(1 for item in proposals if item.snippet != NEW)
    print(gettext("%(matched)d matched to an existing reply, %(new)d new; the mapping is in %(file)s")
          % {"matched": matched, "new": len(proposals) - matched, "file": output})
    print(gettext("next: check the mapping, then run %(command)s") % {"command": command})
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from kb.cli.progress import progress_bar
    from kb.transfer import TransferError, apply_file, import_file

    if args.match:
        return cmd_match(args)
    try:
        if args.apply:
            result = apply_file(args.format, Path(args.file), Path(args.responses), Path(args.apply), lang=args.lang,
                                into=args.into, force=args.force, dry_run=args.dry_run,
                                dynamic_content=args.dynamic_content, locales=args.locales)
        else:
            with progress_bar(gettext("importing"), gettext("replies")) as progress:
                result = import_file(args.format, Path(args.file), Path(args.responses), lang=args.lang,
                                     into=args.into, force=args.force, dry_run=args.dry_run,
                                     dynamic_content=args.dynamic_content, locales=args.locales, progress=progress)
    except TransferError as exc:
        fail("import", exc)
        return 2
    for outcome in result.outcomes:
        status = gettext(STATUSES[outcome.status][1 if result.dry_run else 0])
        print(f"{status:<14} {outcome.id}  ({outcome.source})")
        for message in outcome.messages:
            print(f"               {message}")
    _print_report(result.report, sys.stdout)
    counts = {status: result.count(status) for status in STATUSES}
    if counts["merged"]:
        print(ngettext("%(count)d translation added to an existing reply", "%(count)d translations added to existing "
                       "replies", counts["merged"]) % {"count": counts["merged"]})
    print(gettext("%(created)d created, %(overwritten)d replaced, %(unchanged)d unchanged, %(skipped)d skipped, "
                  "%(invalid)d not valid") % counts)
    if result.dry_run:
        print(gettext("dry run: nothing was written"))
    elif counts["created"] or counts["overwritten"] or counts["merged"]:
        print(gettext("next: review the new files and run `kb lint`"))
    return result.exit_code


def cmd_export(args: argparse.Namespace) -> int:
    from kb.transfer import TransferError, export_kb
    from kb.transfer.sheet import BOM

    try:
        text, report, count = export_kb(args.format, Path(args.responses), lang=args.lang,
                                        dynamic_content=args.dynamic_content, locales=args.locales)
    except TransferError as exc:
        fail("export", exc)
        return 2
    if args.output in (None, "-"):
        sys.stdout.write(text.removeprefix(BOM))
        where = gettext("standard output")
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        where = args.output
    print(ngettext("exported %(count)d snippet to %(where)s", "exported %(count)d snippets to %(where)s", count)
          % {"count": count, "where": where}, file=sys.stderr)
    _print_report(report, sys.stderr)
    return 0


def register(sub) -> None:
    from kb.transfer import FORMATS

    formats = "; ".join(f"{name}: {gettext(fmt.description)}" for name, fmt in FORMATS.items())
    parser = sub.add_parser(
        "import", help=gettext("turn a helpdesk's macros or canned responses into snippet files"),
        description=gettext("Read the macros, canned responses or text modules exported from a helpdesk (or a "
                            "spreadsheet saved as CSV) and write a snippet file for each, valid for `kb lint`. "
                            "Placeholders are translated through helpdesks: in kb.yaml, HTML becomes text, and what "
                            "cannot be carried over is reported. Existing files are never changed without --force. "
                            "Formats: %(formats)s.") % {"formats": formats})
    parser.add_argument("format", choices=list(FORMATS), help=gettext("the file's format"))
    parser.add_argument("file", help=gettext("the file exported from the helpdesk"))
    parser.add_argument("--lang", help=gettext("language of the file's replies (default: the source language of "
                                               "kb.yaml); Zendesk Dynamic Content and the sheet carry their own"))
    parser.add_argument("--into", metavar="CATEGORY",
                        help=gettext("category (folder under the responses folder) for the new snippets; default: "
                                     "the helpdesk's folder or category, else imported"))
    parser.add_argument("--dynamic-content", metavar="FILE",
                        help=gettext("zendesk: the Dynamic Content items (GET /api/v2/dynamic_content/items)"))
    parser.add_argument("--locales", metavar="FILE",
                        help=gettext("zendesk: the account's locales (GET /api/v2/locales), to read locale ids"))
    parser.add_argument("--force", action="store_true",
                        help=gettext("replace the imported languages of snippet files that exist already"))
    parser.add_argument("--dry-run", action="store_true", help=gettext("show what would be written; write nothing"))
    steps = parser.add_mutually_exclusive_group()
    steps.add_argument("--match", action="store_true",
                       help=gettext("replies a team already has in another language: propose, for each, the existing "
                                    "reply it translates (or new) in a mapping file to check; writes no snippet"))
    steps.add_argument("--apply", metavar="MAPPING",
                       help=gettext("merge each reply as the checked mapping file says: as a translation of its "
                                    "reply, or as a new reply written in its language"))
    parser.add_argument("--mapping", metavar="FILE",
                        help=gettext("--match: where to write the mapping (default: FILE.mapping.yaml here)"))
    add_setting(parser, "responses")
    parser.set_defaults(func=cmd_import)

    parser = sub.add_parser(
        "export", help=gettext("write the snippets in a helpdesk's import format"),
        description=gettext("Write every snippet as macros, canned responses or text modules for a helpdesk's own "
                            "canned-response feature (or as a spreadsheet CSV), with placeholders in the helpdesk's "
                            "names. Refuses a knowledge base with lint errors. Single-language formats use --lang and "
                            "the source text where a translation is missing; escalations keep their approved "
                            "wording and are marked in their title. Formats: %(formats)s.") % {"formats": formats})
    parser.add_argument("format", choices=list(FORMATS), help=gettext("the helpdesk's format"))
    parser.add_argument("--lang", help=gettext("language to export (default: the source language; the sheet and "
                                               "zendesk --dynamic-content: every language)"))
    parser.add_argument("-o", "--output", metavar="FILE", help=gettext("file to write (default: standard output)"))
    parser.add_argument("--dynamic-content", action="store_true",
                        help=gettext("zendesk: every language, as Dynamic Content items the macros refer to"))
    parser.add_argument("--locales", metavar="FILE",
                        help=gettext("zendesk: the account's locales (GET /api/v2/locales), for the items' locale ids"))
    add_setting(parser, "responses")
    parser.set_defaults(func=cmd_export)
