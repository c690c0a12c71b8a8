"""``kb lint``: check a knowledge base folder and report every problem with a fix hint."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from kb.content.kbyaml import SettingsError
from kb.content.loader import load_kb, snippet_files
from kb.content.problems import Problem
from kb.i18n import gettext, ngettext


@dataclass
class LintReport:
    root: Path
    problems: list[Problem]
    files: int

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0


def lint(root: Path | str, base: str | None = None) -> LintReport:
    """Lint every file under *root*; a broken kb.yaml is itself reported as a problem.

    With *base* (a git ref such as ``origin/main``) the snippets are also compared with the
    base: source text changed without a version bump, versions going down, removed or
    renamed ids. Raises :class:`kb.gitutil.GitError` when the base cannot be read.
    """
    root = Path(root)
    try:
        kb = load_kb(root)
    except SettingsError as exc:
        return LintReport(root, [Problem(exc.path, exc.line, "KB040", exc.message)], 1)
    found = list(kb.problems)
    if base is not None:
        from kb.editors.review import base_problems, compare

        found += base_problems(root, compare(root, kb.settings, base))
    problems = sorted(found, key=lambda p: (str(p.path), p.line, p.code))
    return LintReport(root, problems, sum(1 for _ in snippet_files(root)))


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # pragma: no cover - other drive on Windows
        return str(path)


def format_text(report: LintReport) -> str:
    lines = [f"{_shown(p.path)}:{p.line}: {p.code} {p.message}\n    " + gettext("fix: %(hint)s") % {"hint": p.hint}
             for p in report.problems]
    errors, warnings = len(report.errors), len(report.warnings)
    lines.append(gettext("%(errors)s, %(warnings)s %(in_files)s") % {  # 1 error, 2 warnings in 36 files
        "errors": ngettext("%(count)d error", "%(count)d errors", errors) % {"count": errors},
        "warnings": ngettext("%(count)d warning", "%(count)d warnings", warnings) % {"count": warnings},
        "in_files": ngettext("in %(count)d file", "in %(count)d files", report.files) % {"count": report.files}})
    return "\n".join(lines)


def format_json(report: LintReport) -> str:
    return json.dumps(
        {
            "errors": len(report.errors),
            "warnings": len(report.warnings),
            "files": report.files,
            "problems": [{**p.as_dict(), "path": _shown(p.path)} for p in report.problems],
        },
        ensure_ascii=False,
        indent=2,
    )


def fix_saved_files(root: Path | str) -> list[Path]:
    """``kb lint --fix``: rewrite the files saved with a byte-order mark or CR line ends
    (KB003, KB004) as UTF-8 with LF, each whole or not at all; the files it changed."""
    from kb.content.kbyaml import SETTINGS_FILE
    from kb.content.loader import SNIPPET_SUFFIX
    from kb.content.yamlsafe import MAX_FILE_BYTES, normalised

    root = Path(root)
    fixed = []
    candidates = [root / SETTINGS_FILE, *(path for path in snippet_files(root) if path.suffix == SNIPPET_SUFFIX)]
    for path in candidates:
        try:
            if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
                continue
            raw = path.read_bytes()
            clean = normalised(raw)
            if clean == raw:
                continue
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            tmp.write_bytes(clean)
            os.replace(tmp, path)
        except OSError:
            continue  # lint reports what it cannot read
        fixed.append(path)
    return fixed
