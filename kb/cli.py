"""The ``kb`` command line: one sub-command per task, each a small function."""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path

from kb import __version__
from kb.config import SERVE_SETTINGS, add_argument, setting


def _add_setting(parser: argparse.ArgumentParser, name: str) -> None:
    spec = setting(name)
    parser.add_argument(spec.flag, dest=name, default=spec.value(), type=spec.type,
                        help=f"{spec.help} Default: {spec.default} (env {spec.env}).")


def cmd_lint(args: argparse.Namespace) -> int:
    from kb.lint import format_json, format_text, lint

    report = lint(Path(args.responses), base=args.base)
    print(format_json(report) if args.format == "json" else format_text(report))
    return report.exit_code


def cmd_approve(args: argparse.Namespace) -> int:
    from kb.approve import ApprovalError, approve

    date = datetime.date.fromisoformat(args.date) if args.date else None
    try:
        snippet = approve(Path(args.responses), args.id, args.by, date)
    except ApprovalError as exc:
        print(f"kb approve: {exc}", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem.path}:{problem.line}: {problem.code} {problem.message}", file=sys.stderr)
        return 1
    assert snippet.approval is not None
    print(f"approved {snippet.id} version {snippet.version} by {snippet.approval.by} ({snippet.approval.digest})")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from kb.kbsettings import load_settings
    from kb.schema import SCHEMA_FILE, schema_json

    text = schema_json(load_settings(Path(args.responses)))
    if args.write:
        target = Path(args.responses) / SCHEMA_FILE
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}")
    else:
        sys.stdout.write(text)
    return 0


def _print_problems(problems) -> None:
    for problem in problems:
        print(f"{problem.path}:{problem.line}: {problem.code} {problem.message}", file=sys.stderr)


def cmd_index(args: argparse.Namespace) -> int:
    from kb.search import IndexRefused, index_kb

    try:
        report = index_kb(Path(args.responses), Path(args.index), full=args.full)
    except IndexRefused as exc:
        _print_problems(exc.problems)
        print(f"kb index: {exc}. Fix them (see `kb lint`) and run again.", file=sys.stderr)
        return 1
    how = "built" if report.full else "updated"
    print(f"{how} index {args.index}: {report.snippets} snippets, {report.changed} changed, "
          f"{report.removed} removed in {report.seconds:.2f} s")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    import json

    from kb.kbsettings import load_settings
    from kb.search import SearchService, index_is_current, index_kb

    root, index_dir = Path(args.responses), Path(args.index)
    settings = load_settings(root)
    if not index_is_current(root, index_dir):
        index_kb(root, index_dir)
    service = SearchService(index_dir, settings)
    try:
        response = service.search(args.query, lang=args.lang, limit=args.limit, channel=args.channel)
    except ValueError as exc:
        print(f"kb search: {exc}", file=sys.stderr)
        return 2
    finally:
        service.close()
    if args.json:
        print(json.dumps(response, ensure_ascii=False, indent=2))
        return 0
    if not response["results"]:
        print("no matching replies")
    for rank, result in enumerate(response["results"], 1):
        marks = [result["kind"]] + (["stale"] if result["stale"] else []) + (
            [f"shown in {result['lang']}"] if result["fallback"] else [])
        print(f"{rank}. {result['id']}  {result['title']}  [{', '.join(marks)}]  score {result['score']}")
        print("   " + " ".join(result["body"].split())[:160])
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from kb.config import values
    from kb.serve import serve

    return serve(values(args, SERVE_SETTINGS))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kb", description="Vastaus: canned replies for customer service.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    lint = sub.add_parser("lint", help="check every snippet; exit 1 on errors",
                          description="Check every snippet file and kb.yaml. Exit 0 when there are no errors "
                                      "(warnings never fail), 1 otherwise.")
    _add_setting(lint, "responses")
    lint.add_argument("--format", choices=["text", "json"], default="text", help="output format (default text)")
    lint.add_argument("--base", help="also compare with this git ref (e.g. origin/main): version bumps, "
                                     "removed and renamed ids")
    lint.set_defaults(func=cmd_lint)

    approve = sub.add_parser("approve", help="record the approval of an escalation snippet",
                             description="Record who approved an escalation snippet's wording, today's date and "
                                         "a digest over every language's texts.")
    approve.add_argument("id", help="snippet id, e.g. escalation/legal")
    approve.add_argument("--by", required=True, help="who approved the wording")
    approve.add_argument("--date", help="approval date YYYY-MM-DD (default today)")
    _add_setting(approve, "responses")
    approve.set_defaults(func=cmd_approve)

    schema = sub.add_parser("schema", help="print the snippet JSON Schema",
                            description="Print the JSON Schema of the snippet format for this knowledge base.")
    _add_setting(schema, "responses")
    schema.add_argument("--write", action="store_true", help="write it to schema.json in the responses folder")
    schema.set_defaults(func=cmd_schema)

    index = sub.add_parser("index", help="build or update the search index",
                           description="Build the search index, or update it with only the snippets that changed. "
                                       "A knowledge base with lint errors is refused and the index left as it was.")
    _add_setting(index, "responses")
    _add_setting(index, "index")
    index.add_argument("--full", action="store_true", help="rebuild everything even when an update would do")
    index.set_defaults(func=cmd_index)

    search = sub.add_parser("search", help="find replies for a few words or a customer's message",
                            description="Search in every language; show results in --lang. Builds the index "
                                        "first when it is missing or older than the content.")
    search.add_argument("query", help="words or a pasted message, as plain text")
    search.add_argument("--lang", help="language to show results in (default: the source language)")
    search.add_argument("--limit", type=int, default=5, help="how many results (default 5, at most 50)")
    search.add_argument("--channel", help="only replies allowed on this channel, in its short variant when present")
    search.add_argument("--json", action="store_true", help="print JSON")
    _add_setting(search, "responses")
    _add_setting(search, "index")
    search.set_defaults(func=cmd_search)

    serve = sub.add_parser("serve", help="run the API and the plugin's pages",
                           description="Serve the HTTP API (/api/v1) and the plugin under gunicorn. Listens on "
                                       "loopback by default; any other address needs API tokens. Builds the index "
                                       "first when it is missing or older than the content, and reindexes when the "
                                       "responses folder changes. API tokens come from --tokens-file and/or the environment "
                                       "variable KB_TOKENS. Rate limits are per worker: each of N workers "
                                       "allows the configured rate divided by N.")
    for name in SERVE_SETTINGS:
        add_argument(serve, name)
    serve.set_defaults(func=cmd_serve)

    from kb import cli_git, cli_plugin, cli_translations

    cli_git.register(sub, _add_setting)
    cli_plugin.register(sub, _add_setting)
    cli_translations.register(sub, _add_setting)
    return parser


def main(argv: list[str] | None = None) -> int:
    from kb.gitutil import GitError
    from kb.kbsettings import SettingsError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (SettingsError, GitError) as exc:
        print(f"kb: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
