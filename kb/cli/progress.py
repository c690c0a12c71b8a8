"""Signs of life for long work (a full build of 50,000 snippets takes minutes): a tqdm bar
on standard error when it is a terminal, and nothing at all when it is piped, redirected or
read by a program, so that scripts and ``--format json`` see exactly what they did before."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from typing import TextIO


def _size(stream: TextIO) -> tuple[int, int]:
    """The terminal's columns and lines; one that says 0 (a fresh pseudo-terminal, where tqdm
    would then draw nothing) gets 80 by 24."""
    try:
        size = os.get_terminal_size(stream.fileno())
    except (OSError, ValueError):
        return 80, 24
    return size.columns or 80, size.lines or 24


@contextlib.contextmanager
def progress_bar(description: str, unit: str, stream: TextIO | None = None) -> Iterator[Callable[[int, int], None]]:
    """Yield ``update(done, total)``; a bar appears only on a terminal, and once work is told."""
    stream = stream or sys.stderr
    if not stream.isatty():
        yield lambda done, total: None
        return
    from tqdm import tqdm

    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            columns, lines = _size(stream)
            bar = tqdm(total=total, desc=description, unit=unit, file=stream, leave=False, ncols=columns, nrows=lines)
        bar.total = total
        bar.update(done - bar.n)

    try:
        yield update
    finally:
        if bar is not None:
            bar.close()
