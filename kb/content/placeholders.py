"""Placeholders ``{{name.path}}``: find them, check them, fill them.

Filling is plain substitution from a mapping of names to strings. Nothing in a snippet or
in a variable value is ever evaluated, formatted or interpreted, so a customer name such
as ``{{x}}`` or ``<b>`` stays exactly those characters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

PLACEHOLDER = re.compile(r"\{\{\s*([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*)\s*\}\}")
_BRACES = re.compile(r"\{\{|\}\}")


def placeholders(text: str) -> set[str]:
    """The variable names used in *text*."""
    return set(PLACEHOLDER.findall(text))


def malformed_placeholders(text: str) -> list[str]:
    """Stray ``{{`` or ``}}`` that are not part of a well-formed placeholder."""
    stripped = PLACEHOLDER.sub("", text)
    found = []
    for match in _BRACES.finditer(stripped):
        start = max(match.start() - 12, 0)
        found.append(stripped[start : match.end() + 12].strip())
    return found


@dataclass(frozen=True)
class Rendered:
    """A filled text and what could not be filled."""

    text: str
    missing: tuple[str, ...]
    used: tuple[str, ...]


def fill(text: str, values: Mapping[str, str], keep_missing: bool = True) -> Rendered:
    """Substitute *values* into *text*; missing names stay as ``{{name}}`` and are listed."""
    missing: list[str] = []
    used: list[str] = []

    def substitute(match: re.Match) -> str:
        name = match.group(1)
        value = values.get(name)
        if value is None:
            if name not in missing:
                missing.append(name)
            return match.group(0) if keep_missing else ""
        if name not in used:
            used.append(name)
        return str(value)

    return Rendered(PLACEHOLDER.sub(substitute, text), tuple(missing), tuple(used))


def longest_length(text: str, max_lengths: Mapping[str, int]) -> int:
    """Length of *text* when every known placeholder is filled at its maximum length."""
    filled = fill(text, {name: "x" * length for name, length in max_lengths.items()})
    return len(filled.text)
