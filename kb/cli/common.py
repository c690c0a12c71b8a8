"""What every command shares: adding a setting as a flag, and showing problems."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TextIO

from kb.config import add_argument as add_setting  # the one way to add a runtime setting as a flag
from kb.content.problems import Problem

__all__ = ["add_setting", "fail", "print_problems"]


def print_problems(problems: Iterable[Problem], stream: TextIO | None = None) -> None:
    """One ``path:line: KBnnn message`` line a problem, on standard error by default."""
    for problem in problems:
        print(problem, file=stream or sys.stderr)


def fail(command: str, message: object, stream: TextIO | None = None) -> None:
    """``kb COMMAND: message`` on standard error: how every command says it could not do its work."""
    print(f"kb {command}: {message}", file=stream or sys.stderr)
