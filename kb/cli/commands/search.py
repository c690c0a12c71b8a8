"""Building the index and searching it: ``kb index``, ``kb search``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from kb.cli.common import add_setting, fail
from kb.i18n import N_, gettext, ngettext

INDEX_WAIT = 120.0  # seconds kb index waits for a reindex of kb serve (a full build of 50k snippets: ~5 min)
KIND_WORDS = {"reply": N_("reply"), "escalation": N_("escalation")}  # how `kb search` shows a result's kind


def cmd_index(args: argparse.Namespace) -> int:
    import sys

    from kb.cli.progress import progress_bar
    from kb.search.guard import IndexBusy, lock_is_held
    from kb.search.watcher import reindex_here

    if lock_is_held(Path(args.index)):
        print(gettext("kb index: another process is writing %(index)s (kb serve reindexing, or another kb index); "
                      "waiting at most %(seconds)s s") % {"index": args.index, "seconds": f"{args.wait:g}"}, file=sys.stderr)
    try:
        # The server's reindexing lock: never two writers (Whoosh would end one with a LockError).
        with progress_bar(gettext("indexing"), gettext("files")) as progress:
            report = reindex_here(Path(args.responses), Path(args.index), full=args.full, wait=args.wait,
                                  progress=progress)  # IndexRefused: kb/cli/main.py
    except IndexBusy:
        fail("index", gettext("%(index)s is still being written by another process; nothing was changed. Run again "
                              "when it has finished, or give a longer --wait") % {"index": args.index})
        return 2
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
    from kb.content.kbyaml import load_settings
    from kb.search.indexing import index_is_current
    from kb.search.service import SearchService
    from kb.search.watcher import reindex_here

    root, index_dir = Path(args.responses), Path(args.index)
    settings = load_settings(root)
    try:
        if args.lang is not None:
            settings.check_language(args.lang)
        if args.channel is not None:
            settings.check_channel(args.channel)
    except ValueError as exc:
        fail("search", exc)
        return 2
    if not index_is_current(root, index_dir):
        reindex_here(root, index_dir)  # under the writers' lock (waiting for it), like kb index
    service = SearchService(index_dir, settings)
    try:
        response = service.search(args.query, lang=args.lang, limit=args.limit, channel=args.channel)
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


def register(sub) -> None:
    index = sub.add_parser("index", help=gettext("build or update the search index"),
                           description=gettext("Build the search index, or update it with only the snippets that "
                                               "changed. A knowledge base with lint errors is refused and the index "
                                               "left as it was."))
    add_setting(index, "responses")
    add_setting(index, "index")
    index.add_argument("--full", action="store_true", help=gettext("rebuild everything even when an update would do"))
    index.add_argument("--wait", type=float, default=INDEX_WAIT, metavar="SECONDS",
                       help=gettext("how long to wait for another process writing the index (default %(default)s)"))
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
    add_setting(search, "responses")
    add_setting(search, "index")
    search.set_defaults(func=cmd_search)
