"""``kb serve``: the API and the plugin's pages under gunicorn."""

from __future__ import annotations

import argparse

from kb.cli.common import add_setting
from kb.config import SERVE_SETTINGS
from kb.i18n import gettext


def cmd_serve(args: argparse.Namespace) -> int:
    from kb.api.server import serve
    from kb.config import values

    return serve(values(args, SERVE_SETTINGS))


def register(sub) -> None:
    serve = sub.add_parser("serve", help=gettext("run the API and the plugin's pages"),
                           description=gettext("Serve the HTTP API (/api/v1) and the plugin under gunicorn. Listens on "
                                               "loopback by default; any other address needs API tokens. Builds the "
                                               "index first when it is missing or older than the content, and "
                                               "reindexes when the responses folder changes. API tokens come from "
                                               "--tokens-file and/or the environment variable KB_TOKENS. Rate limits "
                                               "are per worker: each of N workers allows the configured rate divided "
                                               "by N."))
    for name in SERVE_SETTINGS:
        add_setting(serve, name)
    serve.set_defaults(func=cmd_serve)
