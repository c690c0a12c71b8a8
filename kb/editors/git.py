"""Small, explicit calls to the real ``git`` of the checkout that holds the knowledge base.

Everything that needs history (versions enforced against a base, review summaries, a
snippet's history, what changed since a translation was made) goes through here, so that
the knowledge base also works without git: each function returns None or an empty list
when the folder is not in a git checkout.
"""

from __future__ import annotations

import difflib
import subprocess
from dataclasses import dataclass
from pathlib import Path

from kb.i18n import gettext


class GitError(Exception):
    """git failed; the message is git's own."""


def _git(cwd: Path, *args: str, check: bool = True) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        if check:
            raise GitError(str(exc)) from exc
        return None
    if done.returncode != 0:
        if check:
            raise GitError(done.stderr.strip() or gettext("%(command)s failed") % {"command": " ".join(["git", *args])})
        return None
    return done.stdout


def toplevel(path: Path) -> Path | None:
    """The root of the git checkout containing *path*, or None."""
    out = _git(Path(path), "rev-parse", "--show-toplevel", check=False)
    return Path(out.strip()) if out else None


def head(path: Path) -> str | None:
    out = _git(Path(path), "rev-parse", "HEAD", check=False)
    return out.strip() if out else None


def resolve(path: Path, ref: str) -> str:
    """The commit *ref* names; GitError with git's message when it names none."""
    return _git(Path(path), "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").strip()


def show(path: Path, ref: str, file: Path) -> str | None:
    """The text of *file* at *ref*, or None when it did not exist there."""
    top = toplevel(path)
    if top is None:
        return None
    relative = Path(file).resolve().relative_to(top).as_posix()
    return _git(top, "show", f"{ref}:{relative}", check=False)


@dataclass(frozen=True)
class Change:
    status: str  # A added, M modified, D deleted, R renamed
    old: Path | None
    new: Path | None


def changes(root: Path, base: str) -> list[Change]:
    """Files under *root* that differ between *base* and the working tree (renames detected)."""
    top = toplevel(root)
    if top is None:
        raise GitError(gettext("%(folder)s is not in a git checkout; --base needs git history") % {"folder": root})
    resolve(root, base)
    relative = Path(root).resolve().relative_to(top).as_posix() or "."
    out = _git(top, "diff", "--name-status", "-M", base, "--", relative)
    found = []
    for line in out.splitlines():
        fields = line.split("\t")
        status = fields[0][0]
        if status == "R":
            found.append(Change("R", top / fields[1], top / fields[2]))
        elif status == "D":
            found.append(Change("D", top / fields[1], None))
        elif status == "A":
            found.append(Change("A", None, top / fields[1]))
        else:
            found.append(Change("M", top / fields[1], top / fields[1]))
    untracked = _git(top, "ls-files", "--others", "--exclude-standard", "--", relative) or ""
    found += [Change("A", None, top / name) for name in untracked.splitlines()]
    return _pair_renames(top, base, found)


RENAME_SIMILARITY = 0.6


def _pair_renames(top: Path, base: str, found: list[Change]) -> list[Change]:
    """Pair a deleted file with a similar new one, as git does for files it already tracks."""
    deleted = [c for c in found if c.status == "D"]
    added = [c for c in found if c.status == "A"]
    for gone in deleted:
        old_text = show(top, base, gone.old) or ""
        best, best_ratio = None, RENAME_SIMILARITY
        for new in added:
            ratio = difflib.SequenceMatcher(a=old_text, b=new.new.read_text(encoding="utf-8", errors="replace")).quick_ratio()
            if ratio >= best_ratio:
                best, best_ratio = new, ratio
        if best is not None:
            found = [c for c in found if c is not gone and c is not best] + [Change("R", gone.old, best.new)]
            added.remove(best)
    return found


@dataclass(frozen=True)
class Commit:
    sha: str
    date: str  # ISO 8601
    author: str
    subject: str
    path: str  # the file's path (from the checkout's root) in this commit; renames are followed


_MARK = "\x1e"


def log(file: Path) -> list[Commit]:
    """Commits that touched *file*, newest first, following renames."""
    top = toplevel(Path(file).parent)
    if top is None:
        return []
    out = _git(top, "log", "--follow", "--name-only", f"--format={_MARK}%H%x1f%aI%x1f%an%x1f%s",
               "--", str(Path(file).resolve()), check=False) or ""
    commits = []
    for entry in out.split(_MARK)[1:]:
        header, _, names = entry.partition("\n")
        fields = header.split("\x1f", 3)
        paths = [name for name in names.splitlines() if name.strip()]
        if len(fields) == 4 and paths:
            commits.append(Commit(*fields, path=paths[0]))
    return commits


def show_commit(top: Path, commit: Commit) -> str | None:
    """The file's text as it was in *commit*."""
    return _git(top, "show", f"{commit.sha}:{commit.path}", check=False)
