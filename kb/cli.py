"""The ``kb`` command line: one sub-command per task, each a small function."""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path

from kb import __version__
from kb.config import SERVE_SETTINGS, add_argument, help_text, setting
from kb.i18n import N_, gettext, ngettext

KIND_WORDS = {"reply": N_("reply"), "escalation": N_("escalation")}  # how `kb search` shows a result's kind


def _add_setting(parser: argparse.ArgumentParser, name: str) -> None:
    spec = setting(name)
    parser.add_argument(spec.flag, dest=name, default=spec.value(), type=spec.type, help=help_text(spec))


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
    print(gettext("approved %(id)s version %(version)d by %(by)s (%(digest)s)")
          % {"id": snippet.id, "version": snippet.version, "by": snippet.approval.by, "digest": snippet.approval.digest})
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from kb.kbsettings import load_settings
    from kb.schema import SCHEMA_FILE, schema_json

    text = schema_json(load_settings(Path(args.responses)))
    if args.write:
        target = Path(args.responses) / SCHEMA_FILE
        target.write_text(text, encoding="utf-8")
        print(gettext("wrote %(path)s") % {"path": target})
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
        count = len(exc.problems)
        refused = ngettext("The knowledge base has %(count)d error; the index was not changed.",
                           "The knowledge base has %(count)d errors; the index was not changed.", count) % {"count": count}
        print(f"kb index: {refused} " + gettext("Fix them (see `kb lint`) and run again."), file=sys.stderr)
        return 1
    counts = {"index": args.index, "snippets": report.snippets, "changed": report.changed, "removed": report.removed,
              "seconds": report.seconds}
    if report.full:
        print(ngettext("built index %(index)s: %(snippets)d snippet, %(changed)d changed, %(removed)d removed "
                       "in %(seconds).2f s",
                       "built index %(index)s: %(snippets)d snippets, %(changed)d changed, %(removed)d removed "
                       "in %(seconds).2f s", report.snippets) % counts)
    else:
        print(ngettext("updated index %(index)s: %(snippets)d snippet, %(changed)d changed, %(removed)d removed "
                       "in %(seconds).2f s",
                       "updated index %(index)s: %(snippets)d snippets, %(changed)d changed, %(removed)d removed "
                       "in %(seconds).2f s", report.snippets) % counts)
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    import json

    from kb.kbsettings import load_settings
    from kb.search import SearchService, index_is_current, index_kb

    root, index_dir = Path(args.responses), Path(args.index)
    settings = load_settings(root)
    if args.lang is not None and args.lang not in settings.languages:
        print("kb search: " + gettext("unknown language %(lang)s; use one of %(choices)s")
              % {"lang": repr(args.lang), "choices": ", ".join(settings.languages)}, file=sys.stderr)
        return 2
    if args.channel is not None and args.channel not in settings.channels:
        print("kb search: " + gettext("unknown channel %(channel)s; use one of %(choices)s")
              % {"channel": repr(args.channel), "choices": ", ".join(settings.channels)}, file=sys.stderr)
        return 2
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
        print(gettext("no matching replies"))
    for rank, result in enumerate(response["results"], 1):
        marks = [gettext(KIND_WORDS.get(result["kind"], result["kind"]))] + ([gettext("stale")] if result["stale"] else []) + (
            [gettext("shown in %(lang)s") % {"lang": result["lang"]}] if result["fallback"] else [])
        score = gettext("score %(score)s") % {"score": result["score"]}
        print(f"{rank}. {result['id']}  {result['title']}  [{', '.join(marks)}]  {score}")
        print("   " + " ".join(result["body"].split())[:160])
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from kb.config import values
    from kb.serve import serve

    return serve(values(args, SERVE_SETTINGS))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kb", description=gettext("Vastaus: canned replies for customer service."))
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}",
                        help=gettext("show program's version number and exit"))
    sub = parser.add_subparsers(dest="command", required=True, metavar=gettext("COMMAND"))

    lint = sub.add_parser("lint", help=gettext("check every snippet; exit 1 on errors"),
                          description=gettext("Check every snippet file and kb.yaml. Exit 0 when there are no errors "
                                              "(warnings never fail), 1 otherwise."))
    _add_setting(lint, "responses")
    lint.add_argument("--format", choices=["text", "json"], default="text",
                      help=gettext("output format (default text)"))
    lint.add_argument("--base", help=gettext("also compare with this git ref (e.g. origin/main): version bumps, "
                                             "removed and renamed ids"))
    lint.set_defaults(func=cmd_lint)

    approve = sub.add_parser("approve", help=gettext("record the approval of an escalation snippet"),
                             description=gettext("Record who approved an escalation snippet's wording, today's date "
                                                 "and a digest over every language's texts."))
    approve.add_argument("id", help=gettext("snippet id, e.g. escalation/legal"))
    approve.add_argument("--by", required=True, help=gettext("who approved the wording"))
    approve.add_argument("--date", help=gettext("approval date YYYY-MM-DD (default today)"))
    _add_setting(approve, "responses")
    approve.set_defaults(func=cmd_approve)

    schema = sub.add_parser("schema", help=gettext("print the snippet JSON Schema"),
                            description=gettext("Print the JSON Schema of the snippet format for this knowledge base."))
    _add_setting(schema, "responses")
    schema.add_argument("--write", action="store_true", help=gettext("write it to schema.json in the responses folder"))
    schema.set_defaults(func=cmd_schema)

    index = sub.add_parser("index", help=gettext("build or update the search index"),
                           description=gettext("Build the search index, or update it with only the snippets that "
                                               "changed. A knowledge base with lint errors is refused and the index "
                                               "left as it was."))
    _add_setting(index, "responses")
    _add_setting(index, "index")
    index.add_argument("--full", action="store_true", help=gettext("rebuild everything even when an update would do"))
    index.set_defaults(func=cmd_index)

    search = sub.add_parser("search", help=gettext("find replies for a few words or a customer's message"),
                            description=gettext("Search in every language; show results in --lang. Builds the index "
                                                "first when it is missing or older than the content."))
    search.add_argument("query", help=gettext("words or a pasted message, as plain text"))
    search.add_argument("--lang", help=gettext("language to show results in (default: the source language)"))
    search.add_argument("--limit", type=int, default=5, help=gettext("how many results (default 5, at most 50)"))
    search.add_argument("--channel",
                        help=gettext("only replies allowed on this channel, in its short variant when present"))
    search.add_argument("--json", action="store_true", help=gettext("print JSON"))
    _add_setting(search, "responses")
    _add_setting(search, "index")
    search.set_defaults(func=cmd_search)

    serve = sub.add_parser("serve", help=gettext("run the API and the plugin's pages"),
                           description=gettext("Serve the HTTP API (/api/v1) and the plugin under gunicorn. Listens on "
                                               "loopback by default; any other address needs API tokens. Builds the "
                                               "index first when it is missing or older than the content, and "
                                               "reindexes when the responses folder changes. API tokens come from "
                                               "--tokens-file and/or the environment variable KB_TOKENS. Rate limits "
                                               "are per worker: each of N workers allows the configured rate divided "
                                               "by N."))
    for name in SERVE_SETTINGS:
        add_argument(serve, name)
    serve.set_defaults(func=cmd_serve)

    from kb import cli_git, cli_plugin, cli_transfer, cli_translations

    cli_git.register(sub, _add_setting)
    cli_plugin.register(sub, _add_setting)
    cli_translations.register(sub, _add_setting)
    cli_transfer.register(sub, _add_setting)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``kb``; its messages, ``--help`` included, are in the environment's language (LANG, LANGUAGE)."""
    from kb.i18n import argparse_messages, environment_locale, process_locale

    with process_locale(environment_locale()), argparse_messages():
        return _run(argv)


def _run(argv: list[str] | None) -> int:
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
