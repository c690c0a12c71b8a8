"""Sub-commands of the editors' git workflow: ``kb review``, ``kb history``, ``kb new``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from kb.cli.common import add_setting, fail
from kb.i18n import gettext


def cmd_review(args: argparse.Namespace) -> int:
    from kb.content.kbyaml import load_settings
    from kb.editors.lint import lint
    from kb.editors.review import compare
    from kb.editors.review_output import review_markdown, review_text

    root = Path(args.responses)
    changes = compare(root, load_settings(root), args.base)
    report = lint(root, base=args.base)
    render = review_markdown if args.format == "markdown" else review_text
    sys.stdout.write(render(changes, report.problems, args.base))
    return report.exit_code


def cmd_history(args: argparse.Namespace) -> int:
    from kb.editors.history import snippet_path, versions

    root = Path(args.responses)
    if not snippet_path(root, args.id).exists() and not versions(root, args.id):
        fail("history", gettext("no snippet %(id)s in %(folder)s") % {"id": repr(args.id), "folder": root})
        return 1
    found = versions(root, args.id)
    if args.json:
        print(json.dumps([vars(v) for v in found], ensure_ascii=False, indent=2))
        return 0
    if not found:
        print(gettext("%(id)s: no git history (%(folder)s is not in a git checkout)") % {"id": args.id, "folder": root})
    for entry in found:
        when = (entry.date or "")[:10] or gettext("now")
        version = gettext("version %(version)s") % {"version": entry.version}
        commit = entry.sha[:10] if entry.sha else gettext("working tree")
        print(f"{version}  {when}  {entry.author or '-'}  {commit}  {entry.subject}")
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    from kb.editors.skeleton import SkeletonError, new_snippet

    try:
        path = new_snippet(Path(args.responses), args.id, args.kind)
    except SkeletonError as exc:
        fail("new", exc)
        return 1
    print(gettext("wrote %(path)s; fill in the texts and keywords, then run `kb lint`") % {"path": path})
    return 0


def register(sub) -> None:
    review = sub.add_parser("review", help=gettext("summarise content changes since a git base for a pull request"),
                            description=gettext("Per changed snippet: version change, word-level differences of each "
                                                "language, translations that became stale, channel lengths and lint "
                                                "findings."))
    review.add_argument("--base", required=True, help=gettext("git ref to compare with, e.g. origin/main"))
    review.add_argument("--format", choices=["text", "markdown"], default="text",
                        help=gettext("markdown is meant for a pull-request comment"))
    add_setting(review, "responses")
    review.set_defaults(func=cmd_review)

    history = sub.add_parser("history", help=gettext("versions of a snippet with date, author and commit"),
                             description=gettext("List the commits that changed a snippet, with the version it had."))
    history.add_argument("id", help=gettext("snippet id, e.g. outage/acknowledge"))
    history.add_argument("--json", action="store_true", help=gettext("print JSON"))
    add_setting(history, "responses")
    history.set_defaults(func=cmd_history)

    new = sub.add_parser("new", help=gettext("write a new snippet skeleton"),
                         description=gettext("Write responses/ID.yaml with every language and the schema comment."))
    new.add_argument("id", help=gettext("snippet id, e.g. delivery/wrong-address"))
    new.add_argument("--kind", choices=["reply", "escalation"], default="reply", help=gettext("default reply"))
    add_setting(new, "responses")
    new.set_defaults(func=cmd_new)
