"""The knowledge base's own checks: ``kb lint``, ``kb approve``, ``kb schema``."""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path

from kb.cli.common import add_setting
from kb.i18n import gettext


def cmd_lint(args: argparse.Namespace) -> int:
    from kb.editors.lint import fix_saved_files, format_json, format_text, lint

    if args.fix:
        for path in fix_saved_files(Path(args.responses)):
            print(gettext("fixed %(path)s: UTF-8 without BOM, LF line endings") % {"path": path}, file=sys.stderr)
    report = lint(Path(args.responses), base=args.base)
    print(format_json(report) if args.format == "json" else format_text(report))
    return report.exit_code


def cmd_approve(args: argparse.Namespace) -> int:
    from kb.editors.approve import approve

    date = datetime.date.fromisoformat(args.date) if args.date else None
    snippet = approve(Path(args.responses), args.id, args.by, date)  # ApprovalError: refused (kb/cli/main.py)
    assert snippet.approval is not None
    print(gettext("approved %(id)s version %(version)d by %(by)s (%(digest)s)")
          % {"id": snippet.id, "version": snippet.version, "by": snippet.approval.by, "digest": snippet.approval.digest})
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from kb.content.kbyaml import load_settings
    from kb.content.schema import SCHEMA_FILE, schema_json

    text = schema_json(load_settings(Path(args.responses)))
    if args.write:
        target = Path(args.responses) / SCHEMA_FILE
        target.write_text(text, encoding="utf-8")
        print(gettext("wrote %(path)s") % {"path": target})
    else:
        sys.stdout.write(text)
    return 0


def register(sub) -> None:
    lint = sub.add_parser("lint", help=gettext("check every snippet; exit 1 on errors"),
                          description=gettext("Check every snippet file and kb.yaml. Exit 0 when there are no errors "
                                              "(warnings never fail), 1 otherwise."))
    add_setting(lint, "responses")
    lint.add_argument("--format", choices=["text", "json"], default="text",
                      help=gettext("output format (default text)"))
    lint.add_argument("--base", help=gettext("also compare with this git ref (e.g. origin/main): version bumps, "
                                             "removed and renamed ids"))
    lint.add_argument("--fix", action="store_true",
                      help=gettext("first remove byte-order marks and change CRLF or CR line endings to LF "
                                   "(KB003, KB004) in place"))
    lint.set_defaults(func=cmd_lint)

    approve = sub.add_parser("approve", help=gettext("record the approval of an escalation snippet"),
                             description=gettext("Record who approved an escalation snippet's wording, today's date "
                                                 "and a digest over every language's texts."))
    approve.add_argument("id", help=gettext("snippet id, e.g. escalation/legal"))
    approve.add_argument("--by", required=True, help=gettext("who approved the wording"))
    approve.add_argument("--date", help=gettext("approval date YYYY-MM-DD (default today)"))
    add_setting(approve, "responses")
    approve.set_defaults(func=cmd_approve)

    schema = sub.add_parser("schema", help=gettext("print the snippet JSON Schema"),
                            description=gettext("Print the JSON Schema of the snippet format for this knowledge base."))
    add_setting(schema, "responses")
    schema.add_argument("--write", action="store_true", help=gettext("write it to schema.json in the responses folder"))
    schema.set_defaults(func=cmd_schema)
