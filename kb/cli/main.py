"""The ``kb`` command: a parser built from the registry of command groups, and ``main``.

Every command group is a module under :mod:`kb.cli.commands` with a ``register(sub)``
function. Work refused because of problems in the knowledge base (:class:`Refused`: an
index, an approval, an export) is shown here, once, the same way for every command.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import sys

from kb import __version__
from kb.cli.commands import GROUPS
from kb.cli.common import fail, print_problems
from kb.i18n import gettext


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kb", description=gettext("Vastaus: canned replies for customer service."))
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}",
                        help=gettext("show program's version number and exit"))
    sub = parser.add_subparsers(dest="command", required=True, metavar=gettext("COMMAND"))
    for group in GROUPS:
        importlib.import_module(f"kb.cli.commands.{group}").register(sub)
    return parser


def os_error_message(exc: OSError) -> str:
    """What went wrong with the file system, and what to do about a full disk."""
    where = exc.filename or "?"
    if exc.errno == errno.ENOSPC:
        return gettext("no space left on the disk while writing %(path)s; free some space and run again (what was "
                       "being written was not kept: the index in service and finished files are as they were)") \
            % {"path": where}
    return gettext("cannot use %(path)s: %(reason)s") % {"path": where, "reason": exc.strerror or exc}


def main(argv: list[str] | None = None) -> int:
    """Run ``kb``; its messages, ``--help`` included, are in the environment's language (LANG, LANGUAGE)."""
    from kb.i18n import argparse_messages, environment_locale, process_locale

    with process_locale(environment_locale()), argparse_messages():
        return _run(argv)


def _run(argv: list[str] | None) -> int:
    from kb.content.kbyaml import SettingsError
    from kb.content.problems import Refused
    from kb.editors.git import GitError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except Refused as refused:
        print_problems(refused.problems)
        fail(args.command, refused)
        return 1
    except (SettingsError, GitError) as exc:
        print(f"kb: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a full disk, a read-only folder: said plainly, never a traceback
        fail(args.command, os_error_message(exc))
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
