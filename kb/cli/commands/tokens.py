"""``kb tokens``: revoke an API token for every replica at once, through the shared database.

The tokens file is per machine; this list is in the database every replica uses
(``--database-url``), and every worker reads it every few seconds (:mod:`kb.usage.revocations`).
"""

from __future__ import annotations

import argparse
import json
import sys

from kb.cli.common import add_setting, fail
from kb.i18n import gettext

TOKENS_SETTINGS = ("index", "database_url")


def _open(args: argparse.Namespace):
    from kb.usage.db import open_engine

    return open_engine(args.database_url, args.index)


def cmd_revoke(args: argparse.Namespace) -> int:
    from kb.api.tokens import REVOCATION_SECONDS
    from kb.usage.db import DatabaseError
    from kb.usage.revocations import revoke

    try:
        new = revoke(_open(args), args.name, args.note)
    except (ValueError, DatabaseError) as exc:
        fail("tokens revoke", exc)
        return 2
    if new:
        print(gettext("Token %(name)s is revoked for every server that uses this database; they refuse it within "
                      "%(seconds)d s.") % {"name": args.name, "seconds": round(REVOCATION_SECONDS) + 1})
    else:
        print(gettext("Token %(name)s was revoked already.") % {"name": args.name})
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from kb.usage.db import DatabaseError
    from kb.usage.revocations import restore

    try:
        found = restore(_open(args), args.name)
    except DatabaseError as exc:
        fail("tokens restore", exc)
        return 2
    if not found:
        print(gettext("Token %(name)s was not revoked in the database.") % {"name": args.name})
        return 1
    print(gettext("Token %(name)s is accepted again (unless a tokens file still says revoked: true).")
          % {"name": args.name})
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from kb.usage.db import DatabaseError
    from kb.usage.revocations import listing

    try:
        items = listing(_open(args))
    except DatabaseError as exc:
        fail("tokens revoked", exc)
        return 2
    if args.format == "json":
        json.dump(items, sys.stdout, ensure_ascii=False, indent=2)
        print()
    elif not items:
        print(gettext("No token is revoked in the database."))
    for item in items if args.format == "text" else []:
        print(f"{item['revoked_at']}  {item['name']}  {item['note'] or ''}".rstrip())
    return 0


def register(sub) -> None:
    tokens = sub.add_parser("tokens", help=gettext("revoke an API token for every server at once"),
                            description=gettext("API tokens revoked in the database every server uses "
                                                "(--database-url), so that all of them refuse a leaked token "
                                                "within seconds."))
    actions = tokens.add_subparsers(dest="action", required=True, metavar=gettext("ACTION"))
    revoke = actions.add_parser("revoke", help=gettext("refuse a token on every server"))
    revoke.add_argument("name", help=gettext("the token's name, as in the tokens file or KB_TOKENS"))
    revoke.add_argument("--note", help=gettext("why, kept with the revocation"))
    revoke.set_defaults(func=cmd_revoke)
    restore = actions.add_parser("restore", help=gettext("accept a revoked token again"))
    restore.add_argument("name", help=gettext("the token's name, as in the tokens file or KB_TOKENS"))
    restore.set_defaults(func=cmd_restore)
    revoked = actions.add_parser("revoked", help=gettext("list the tokens revoked in the database"))
    revoked.add_argument("--format", choices=("text", "json"), default="text", help=gettext("output format"))
    revoked.set_defaults(func=cmd_list)
    for parser in (revoke, restore, revoked):
        for name in TOKENS_SETTINGS:
            add_setting(parser, name)
