"""Helpers of the fault tests: a document source that blocks, for killing a build midway."""

from __future__ import annotations

import os
import time
from collections.abc import Generator
from pathlib import Path


def blocking_source(folder: str, seconds: float) -> Generator:
    """A DocSource for ``engine.build`` (called through functools.partial in a worker process):
    says which process it runs in, then blocks as a long analysis would, yielding nothing."""
    Path(folder, f"worker-{os.getpid()}").write_text(str(os.getpid()))
    time.sleep(seconds)
    return None
    yield  # a generator, like every DocSource


KILLED_BUILD = """\
import sys
from functools import partial
sys.path[:0] = {paths!r}
from kb import engine
from support.faults import blocking_source
sources = [partial(blocking_source, {folder!r}, 120), partial(blocking_source, {folder!r}, 120)]
engine.build({index!r}, ["fi"], sources, {{}}, jobs=2)
"""
