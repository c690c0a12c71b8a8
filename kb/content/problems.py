"""A located problem in the knowledge base: ``path:line: KBnnn message``.

The message is translated when the problem is found (into the language active then: the
command line's, or the API request's); the hint when it is read. Codes are never translated.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kb.content.rules import RULES, Severity
from kb.i18n import gettext


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    code: str
    message: str

    @property
    def severity(self) -> Severity:
        return RULES[self.code].severity

    @property
    def hint(self) -> str:
        """How to fix it, in the active language."""
        return gettext(RULES[self.code].hint)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def __str__(self) -> str:
        """The one way a problem is shown on a line: ``path:line: KBnnn message``."""
        return f"{self.path}:{self.line}: {self.code} {self.message}"

    def as_dict(self) -> dict:
        return {
            "path": str(self.path),
            "line": self.line,
            "code": self.code,
            "rule": RULES[self.code].name,
            "severity": self.severity.value,
            "message": self.message,
            "hint": self.hint,
        }


class Refused(Exception):
    """Work refused because of problems in the knowledge base; nothing was changed.

    The message says what was refused, ``problems`` why. The command line shows every kind of
    refusal the same way (kb/cli/main.py), so each refusing module only subclasses this.
    """

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = list(problems or [])
