"""Keeping a served index in step with the responses folder, without stopping the service.

:func:`reindex` is the one way the server changes its index: ``POST /api/v1/reload`` and the
:class:`Watcher` both use it. It runs ``index_kb`` in a child process at a lower CPU priority
(``python -m kb.search.watcher``): indexing a large knowledge base is seconds of pure Python, which in
a serving worker would hold the GIL away from the threads answering requests, and on a busy
machine should yield the CPU to them. The child takes a file lock first, because several
workers and the watcher in the gunicorn master may reindex at once and Whoosh allows one
writer. Workers never need telling: each one's engine notices a new build or commit on its
next request. Broken content raises :class:`kb.search.indexing.IndexRefused` and the old index serves on.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from kb import i18n
from kb.content.kbyaml import SettingsError
from kb.content.problems import Problem
from kb.search.guard import IndexBusy, index_lock, write_status
from kb.search.indexing import IndexRefused, IndexReport, index_is_current, index_kb

log = logging.getLogger(__name__)

NICENESS = 10  # reindexing yields the CPU to serving
REINDEX_TIMEOUT = 1800
EXIT_REFUSED = 3
EXIT_BUSY = 4
RELOAD_WAIT = 5.0  # seconds a reindexing child waits for another writer before answering "busy"

# Held while a child process is being started, and by os.fork() (see guard_forks).
_SPAWN_GUARD = threading.Lock()
_guarding_pid: int | None = None  # the process whose forks are guarded (the gunicorn master)


def guard_forks() -> None:
    """Never let this process fork while one of its threads is starting a child process.

    The gunicorn master forks its workers with ``os.fork()`` while the watcher thread starts
    ``git`` and the reindexing child. A worker forked at the moment a ``Popen`` is being
    created inherits the write end of its exec-status pipe and never closes it (it never
    execs), so that ``Popen`` waits until the worker exits: the watcher hangs. Called once
    in the master; the fork hooks take the same lock as :func:`run_child`. Only there: in a
    gevent worker this real lock, held across a cooperative ``Popen``, would block every
    other greenlet of the worker.
    """
    global _guarding_pid
    if _guarding_pid is None:
        os.register_at_fork(before=_SPAWN_GUARD.acquire, after_in_parent=_SPAWN_GUARD.release,
                            after_in_child=_SPAWN_GUARD.release)
        _guarding_pid = os.getpid()


def run_child(command: list[str], timeout: float, env: dict[str, str]) -> subprocess.CompletedProcess:
    """``subprocess.run`` with captured text output, started under the fork guard."""
    with _SPAWN_GUARD if _guarding_pid == os.getpid() else contextlib.nullcontext():
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def git_head(root: Path) -> str | None:
    """``git rev-parse HEAD`` of the checkout *root* is in, or None outside git."""
    try:
        done = run_child(["git", "-C", str(root), "rev-parse", "HEAD"], 5, {**os.environ, "GIT_OPTIONAL_LOCKS": "0"})
    except (OSError, subprocess.SubprocessError):
        return None
    head = done.stdout.strip()
    return head if done.returncode == 0 and head else None


def content_stamp(root: Path) -> tuple[float, int]:
    """Newest modification time and number of entries under *root*, hidden ones skipped.

    Folders count too: deleting or renaming a file changes its folder's time.
    """
    newest, count = 0.0, 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = [name for name in dirs if not name.startswith(".")]
        for name in [*files, *dirs, "."]:
            if name.startswith(".") and name != ".":
                continue
            try:
                newest = max(newest, os.stat(os.path.join(folder, name)).st_mtime)
            except FileNotFoundError:  # removed while we looked: the next poll sees it
                continue
            count += 1
    return newest, count


def reindex_here(root: Path, index_dir: Path, full: bool = False, wait: float | None = None,
                 progress: Callable[[int, int], None] | None = None) -> IndexReport:
    """``index_kb`` under the index's lock (waiting at most *wait* s: :class:`IndexBusy`), in
    this process; the outcome is recorded for ``/health`` (kb.search.guard)."""
    with index_lock(Path(index_dir), wait):
        try:
            report = index_kb(Path(root), Path(index_dir), full=full, progress=progress)
        except IndexRefused as refused:
            write_status(Path(index_dir), refused.problems, Path(root))
            raise
        except SettingsError as exc:
            write_status(Path(index_dir), [settings_problem(exc)], Path(root))
            raise
        write_status(Path(index_dir), [], Path(root))
        return report


def settings_problem(exc: SettingsError) -> Problem:
    """A broken ``kb.yaml`` as the problem lint reports for it."""
    return Problem(Path(exc.path), exc.line, "KB040", exc.message)


def reindex(root: Path, index_dir: Path, full: bool = False, locale: str | None = None,
            wait: float = RELOAD_WAIT) -> IndexReport:
    """``index_kb`` in a child process at lower priority; raises :class:`IndexRefused` on broken
    content (``kb.yaml`` included), :class:`IndexBusy` when another writer kept the index for
    *wait* seconds, and RuntimeError when the child fails otherwise. The problems' messages are
    in *locale*, by default the language active here (``POST /reload``: the request's)."""
    command = [sys.executable, "-m", "kb.search.watcher", str(root), str(index_dir), "--locale", locale or i18n.active_locale(),
               "--wait", str(wait)]
    command += ["--full"] if full else []
    done = run_child(command, REINDEX_TIMEOUT, dict(os.environ))  # the child imports kb as this process does
    try:
        answer = json.loads(done.stdout.strip().splitlines()[-1]) if done.stdout.strip() else {}
    except ValueError:
        answer = {}
    # The outcome is read from the output, not the exit status: in the gunicorn master the
    # arbiter's SIGCHLD handler may reap the child first, and then the status reads as 0.
    if "problems" in answer:
        raise IndexRefused([_problem_from(item) for item in answer["problems"]])
    if "busy" in answer:
        raise IndexBusy(Path(index_dir), float(answer["busy"]))
    if "failed" in answer:
        raise RuntimeError(f"reindexing failed: {answer['failed']}")
    if "report" not in answer:
        raise RuntimeError(f"reindexing failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")
    report = answer["report"]
    return IndexReport(report["full"], report["snippets"], report["changed"], report["removed"], report["seconds"],
                       [_problem_from(item) for item in report["warnings"]])


def _problem_dict(problem: Problem) -> dict:
    return {"path": str(problem.path), "line": problem.line, "code": problem.code, "message": problem.message}


def _problem_from(item: dict) -> Problem:
    return Problem(Path(item["path"]), int(item["line"]), item["code"], item["message"])


def _child(argv: list[str] | None = None) -> int:
    """``python -m kb.search.watcher ROOT INDEX [--full]``: reindex and print the outcome as JSON."""
    parser = argparse.ArgumentParser(prog="python -m kb.search.watcher", description="Reindex for kb serve (JSON out).")
    parser.add_argument("root")
    parser.add_argument("index")
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--locale", default=i18n.DEFAULT_LOCALE, help="language of the problems' messages")
    parser.add_argument("--wait", type=float, default=RELOAD_WAIT, help="seconds to wait for another writer")
    args = parser.parse_args(argv)
    with contextlib.suppress(OSError):  # where it is not allowed, run at the same priority
        os.nice(NICENESS)
    try:
        with i18n.process_locale(args.locale):
            report = reindex_here(Path(args.root), Path(args.index), full=args.full, wait=args.wait)
    except IndexRefused as refused:
        print(json.dumps({"problems": [_problem_dict(p) for p in refused.problems]}))
        return EXIT_REFUSED
    except SettingsError as exc:
        print(json.dumps({"problems": [_problem_dict(settings_problem(exc))]}))
        return EXIT_REFUSED
    except IndexBusy as busy:
        print(json.dumps({"busy": busy.waited}))
        return EXIT_BUSY
    except OSError as exc:  # a full disk: the new build was removed, the one in service stays
        print(json.dumps({"failed": f"{exc.strerror or exc}: {exc.filename or args.index}"}))
        return 1
    print(json.dumps({"report": {"full": report.full, "snippets": report.snippets, "changed": report.changed,
                                 "removed": report.removed, "seconds": report.seconds,
                                 "warnings": [_problem_dict(p) for p in report.warnings]}}))
    return 0


def log_refused(refused: IndexRefused, root: Path) -> None:
    log.error("knowledge base not reindexed, %s:", refused)
    for problem in refused.problems:
        log.error("  %s:%s: %s %s", _relative(problem.path, root), problem.line, problem.code, problem.message)


def _relative(path: Path, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return str(path)


class Watcher(threading.Thread):
    """Polls the responses folder and its git HEAD; reindexes when either changes.

    One per server (a daemon thread in the gunicorn master), so a change is indexed once,
    not once per worker.
    """

    def __init__(self, root: Path, index_dir: Path, seconds: float,
                 on_reindex: Callable[[IndexReport], None] | None = None):
        super().__init__(name="kb-watcher", daemon=True)
        self.root, self.index_dir, self.seconds = Path(root), Path(index_dir), seconds
        self.on_reindex = on_reindex
        self.wait = RELOAD_WAIT  # for another writer, before trying again at the next poll
        self._stop_event = threading.Event()
        self._last: tuple | None = None

    def stamp(self) -> tuple:
        return (*content_stamp(self.root), git_head(self.root))

    def check(self) -> IndexReport | None:
        """One poll: reindex when the content changed since the last reindex that ended.

        The stamp is kept only once the content was indexed or refused: after a transient
        failure (another writer holding the index, a crash of the child) the next poll tries
        again, so that no edit waits for the next one to be served.
        """
        stamp = self.stamp()
        if stamp == self._last:
            return None
        if self._last is None and index_is_current(self.root, self.index_dir):
            self._last = stamp
            return None
        log.info("change in %s: reindexing", self.root)
        try:
            report = reindex(self.root, self.index_dir, wait=self.wait)
        except IndexRefused as refused:
            self._last = stamp  # refused for good: said once; the next edit is tried again
            log_refused(refused, self.root)
            return None
        except IndexBusy as busy:
            log.warning("not reindexed yet, trying again at the next poll: %s", busy)
            return None
        except RuntimeError as failed:  # e.g. a full disk: one line a poll, and the next poll tries again
            log.error("not reindexed, trying again at the next poll: %s", str(failed).splitlines()[-1][:500])
            return None
        self._last = stamp
        log.info("reindexed %s: %d snippets, %d changed, %d removed in %.2f s", self.root, report.snippets,
                 report.changed, report.removed, report.seconds)
        if self.on_reindex is not None:
            self.on_reindex(report)
        return report

    def run(self) -> None:
        first = True
        while not self._stop_event.wait(0 if first else self.seconds):
            first = False
            try:
                self.check()
            except Exception:  # never let the watcher die: the next poll tries again
                log.exception("watcher poll failed")

    def stop(self) -> None:
        self._stop_event.set()


if __name__ == "__main__":
    sys.exit(_child())
