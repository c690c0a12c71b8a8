"""Load a whole knowledge base folder: settings, every snippet, every problem.

Loading is all-or-nothing per file, never per folder: a broken file is reported and left
out, and every valid snippet is still loaded, so one bad pull request cannot take the
service down.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kb.kbsettings import SETTINGS_FILE, KBSettings, SettingsError, load_settings
from kb.model import Snippet
from kb.problems import Problem
from kb.validate import build_snippet
from kb.yamlsafe import load_yaml_file

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


def snippet_files(root: Path) -> Iterator[Path]:
    """Every file under *root* that is not hidden, in a stable order."""
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        if len(relative.parts) == 1 and path.name in IGNORED_NAMES:
            continue
        yield path


def snippet_id_for(root: Path, path: Path) -> str:
    return path.relative_to(root).with_suffix("").as_posix()


def _declared_id(data: object) -> str | None:
    value = data.get("id") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def load_snippet_file(root: Path, path: Path, settings: KBSettings) -> tuple[Snippet | None, list[Problem], str | None]:
    """Load one file: the snippet (None on any error), its problems, and the id it declares."""
    data, problem = load_yaml_file(path)
    if problem:
        return None, [Problem(path, problem.line, problem.code, problem.message)], None
    snippet, problems = build_snippet(path, snippet_id_for(root, path), data, settings)
    return snippet, problems, _declared_id(data)


def load_kb(root: Path | str, settings: KBSettings | None = None) -> KnowledgeBase:
    """Load every snippet under *root*; raise :class:`SettingsError` only when kb.yaml is bad."""
    root = Path(root)
    settings = settings or load_settings(root)
    kb = KnowledgeBase(root=root, settings=settings)
    declared: dict[str, list[Path]] = {}
    for path in snippet_files(root):
        if path.suffix != SNIPPET_SUFFIX:
            kb.problems.append(Problem(path, 1, "KB009", f"not read: {path.name} does not end in {SNIPPET_SUFFIX}"))
            continue
        snippet, problems, declared_id = load_snippet_file(root, path, settings)
        kb.problems.extend(problems)
        if declared_id is not None:
            declared.setdefault(declared_id, []).append(path)
        if snippet is not None:
            kb.snippets[snippet.id] = snippet
    for declared_id, paths in declared.items():
        if len(paths) < 2:
            continue
        # The file whose path matches the id owns it; every other declarer is the duplicate.
        owner = next((p for p in paths if snippet_id_for(root, p) == declared_id), paths[0])
        for path in paths:
            if path != owner:
                kb.problems.append(Problem(path, 1, "KB015", f"id {declared_id!r} is already declared by {owner}"))
                kb.snippets.pop(snippet_id_for(root, path), None)
    return kb


__all__ = ["KnowledgeBase", "SettingsError", "load_kb", "snippet_files", "load_snippet_file"]
