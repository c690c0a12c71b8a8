"""One writer at a time, and what the last attempt to write found.

Every writer of an index folder (``kb index``, the server's reindexing child, the start of
``kb serve``) takes the same file lock in it first: Whoosh allows one writer and answers a
second one with a raw ``LockError``. A writer that finds the lock taken waits a bounded
time and then gives up with :class:`IndexBusy`, which each caller turns into its own
clear answer (a message, ``409``, a retry at the next poll).

The outcome of the last attempt is kept beside the index (``status.json``): the problems
that made it refuse the content, or none. The workers of ``kb serve`` are other processes
than the one that reindexed, and ``/health`` reads it from there.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

from kb.content.problems import Problem

LOCK_FILE = ".reindex.lock"
STATUS_FILE = "status.json"
STATUS_PROBLEMS = 20  # problems kept for /health; the count says how many there were
POLL_SECONDS = 0.05


class IndexBusy(Exception):
    """Another process is writing the index and did not finish within the wait."""

    def __init__(self, index_dir: Path, waited: float):
        super().__init__(f"another process is writing the index {index_dir} (waited {waited:.0f} s)")
        self.index_dir, self.waited = Path(index_dir), waited


@contextlib.contextmanager
def index_lock(index_dir: Path, wait: float | None = None) -> Iterator[None]:
    """Hold the index's writer lock; wait at most *wait* seconds for it (None: as long as it takes)."""
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / LOCK_FILE, "a") as handle:
        if wait is None:
            fcntl.flock(handle, fcntl.LOCK_EX)
        else:
            _take_within(handle, index_dir, wait)
        try:
            yield
        finally:
            # Explicitly: a worker forked while we hold the lock shares it until unlocked.
            fcntl.flock(handle, fcntl.LOCK_UN)


def _take_within(handle, index_dir: Path, wait: float) -> None:
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
        if time.monotonic() >= deadline:
            raise IndexBusy(index_dir, wait)
        time.sleep(POLL_SECONDS)


def lock_is_held(index_dir: Path) -> bool:
    """True while some process holds the writer lock (for messages before waiting)."""
    path = Path(index_dir) / LOCK_FILE
    if not path.exists():
        return False
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def write_status(index_dir: Path, problems: list[Problem], root: Path) -> None:
    """Record the outcome of an attempt to reindex *root*: its problems, or none (it worked)."""
    status = {
        "at": time.time(),
        "count": len(problems),
        "problems": [{"path": _relative(problem.path, root), "line": problem.line, "code": problem.code,
                      "message": problem.message} for problem in problems[:STATUS_PROBLEMS]],
    }
    path = Path(index_dir) / STATUS_FILE
    tmp = path.with_name(f".{STATUS_FILE}.{os.getpid()}.tmp")
    with contextlib.suppress(OSError):  # a full disk must not turn a refusal into a crash
        tmp.write_text(json.dumps(status, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)


def read_status(index_dir: Path) -> dict:
    """The last attempt's outcome (``{"count": 0, ...}`` when nothing was recorded)."""
    try:
        status = json.loads((Path(index_dir) / STATUS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"at": None, "count": 0, "problems": []}
    return status if isinstance(status, dict) else {"at": None, "count": 0, "problems": []}


def _relative(path: Path, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return Path(path).name
