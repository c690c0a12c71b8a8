"""Load a whole knowledge base folder: settings, every snippet, every problem.

Loading is all-or-nothing per file, never per folder: a broken file is reported and left
out, and every valid snippet is still loaded, so one bad pull request cannot take the
service down.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kb.content.kbyaml import SETTINGS_FILE, KBSettings, SettingsError, load_settings
from kb.content.model import Snippet
from kb.content.problems import Problem
from kb.content.validation import build_snippet
from kb.content.yamlsafe import load_yaml_file_noted
from kb.i18n import gettext

SNIPPET_SUFFIX = ".yaml"
IGNORED_NAMES = {SETTINGS_FILE, "schema.json", "README.md", ".gitattributes", ".gitignore"}


@dataclass
class KnowledgeBase:
    root: Path
    settings: KBSettings
    snippets: dict[str, Snippet] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [problem for problem in self.problems if not problem.is_error]


def walk_files(root: Path) -> Iterator[tuple[str, os.DirEntry]]:
    """``(relative path, directory entry)`` of every file under *root* that is not hidden and
    not one of the settings files, in a stable order (names sorted, folder by folder).

    Walks with ``os.scandir``: at 10,000 files pathlib's ``rglob`` took most of a second,
    and every update of the index starts by looking at every file."""
    def visit(folder: str, prefix: str) -> Iterator[tuple[str, os.DirEntry]]:
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            if entry.name.startswith("."):
                continue
            relative = prefix + entry.name
            if entry.is_dir():
                yield from visit(entry.path, relative + "/")
            elif entry.is_file() and not (not prefix and entry.name in IGNORED_NAMES):
                yield relative, entry

    yield from visit(str(root), "")


def snippet_files(root: Path) -> Iterator[Path]:
    """Every file under *root* that is not hidden, in a stable order."""
    root = Path(root)
    for relative, _ in walk_files(root):
        yield root / relative


def snippet_id_for(root: Path, path: Path) -> str:
    return path.relative_to(root).with_suffix("").as_posix()


def _declared_id(data: object) -> str | None:
    value = data.get("id") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def load_snippet_file(root: Path, path: Path, settings: KBSettings) -> tuple[Snippet | None, list[Problem], str | None]:
    """Load one file: the snippet (None on any error), its problems, and the id it declares."""
    data, problem, notes = load_yaml_file_noted(path)
    saved = [Problem(path, note.line, note.code, note.message) for note in notes]  # warnings: read all the same
    if problem:
        return None, [*saved, Problem(path, problem.line, problem.code, problem.message)], None
    snippet, problems = build_snippet(path, snippet_id_for(root, path), data, settings)
    return snippet, [*saved, *problems], _declared_id(data)


def read_files(root: Path, paths: Iterable[Path], settings: KBSettings, problems: list[Problem],
               declared: dict[str, list[Path]]) -> Iterator[Snippet]:
    """Yield the valid snippet of each file in *paths*, adding every problem to *problems*
    and each declared id's files to *declared* (for :func:`duplicate_ids`)."""
    for path in paths:
        if path.suffix != SNIPPET_SUFFIX:
            problems.append(Problem(path, 1, "KB009", gettext("not read: %(name)s does not end in %(suffix)s")
                                    % {"name": path.name, "suffix": SNIPPET_SUFFIX}))
            continue
        snippet, found, declared_id = load_snippet_file(root, path, settings)
        problems.extend(found)
        if declared_id is not None:
            declared.setdefault(declared_id, []).append(path)
        if snippet is not None:
            yield snippet


def duplicate_ids(root: Path, declared: dict[str, list[Path]]) -> list[Problem]:
    """KB015 for every file that declares an id another file owns: the file whose path
    matches the id owns it, else the first one."""
    problems = []
    for declared_id, paths in declared.items():
        if len(paths) < 2:
            continue
        owner = next((p for p in paths if snippet_id_for(root, p) == declared_id), paths[0])
        for path in paths:
            if path != owner:
                problems.append(Problem(path, 1, "KB015", gettext("id %(id)s is already declared by %(owner)s")
                                        % {"id": repr(declared_id), "owner": owner}))
    return problems


def load_kb(root: Path | str, settings: KBSettings | None = None) -> KnowledgeBase:
    """Load every snippet under *root*; raise :class:`SettingsError` only when kb.yaml is bad."""
    root = Path(root)
    settings = settings or load_settings(root)
    kb = KnowledgeBase(root=root, settings=settings)
    declared: dict[str, list[Path]] = {}
    for snippet in read_files(root, snippet_files(root), settings, kb.problems, declared):
        kb.snippets[snippet.id] = snippet
    for problem in duplicate_ids(root, declared):
        kb.problems.append(problem)
        kb.snippets.pop(snippet_id_for(root, problem.path), None)
    return kb


__all__ = ["KnowledgeBase", "SettingsError", "load_kb", "snippet_files", "load_snippet_file", "read_files", "duplicate_ids"]
