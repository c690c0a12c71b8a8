"""Word-level differences between two texts, for people: reviewers and translators.

A line diff of a reply body says "the paragraph changed"; a word diff says which words.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Piece:
    op: str  # "same", "removed", "added"
    text: str  # words joined by single spaces


def diff_words(old: str | None, new: str | None) -> list[Piece]:
    """Differences word by word; line breaks and runs of spaces count as one space."""
    old_words, new_words = (old or "").split(), (new or "").split()
    pieces: list[Piece] = []
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(Piece("same", " ".join(old_words[a1:a2])))
            continue
        if a2 > a1:
            pieces.append(Piece("removed", " ".join(old_words[a1:a2])))
        if b2 > b1:
            pieces.append(Piece("added", " ".join(new_words[b1:b2])))
    return pieces


def as_text(pieces: list[Piece]) -> str:
    """``[-removed-]{+added+}``, as ``git diff --word-diff`` writes it."""
    marks = {"same": "{}", "removed": "[-{}-]", "added": "{{+{}+}}"}
    return " ".join(marks[p.op].format(p.text) for p in pieces)


def as_markdown(pieces: list[Piece]) -> str:
    """~~removed~~ and **added**, with Markdown's special characters escaped."""
    marks = {"same": "{}", "removed": "~~{}~~", "added": "**{}**"}
    return " ".join(marks[p.op].format(_escape(p.text)) for p in pieces)


def _escape(text: str) -> str:
    return re.sub(r"([\\`*_~|<>\[\]])", r"\\\1", text)


def changed(pieces: list[Piece]) -> bool:
    return any(p.op != "same" for p in pieces)
