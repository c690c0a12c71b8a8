"""The translators' workflow makes no noise: the pybabel commands documented in babel.cfg, run on
code whose messages did not change, leave every template and catalog byte for byte as it was.

A run that rewraps lines or stamps a new creation date into eight files buries a translator's one
real change in a diff nobody can review. The commands are read from babel.cfg itself, so the test
checks what translators are told to run, and they run with the real Babel on a copy of the tree.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys

from conftest import REPO

PYBABEL = [sys.executable, "-c", "import sys; from babel.messages.frontend import main; sys.exit(main())"]


def documented_commands() -> list[list[str]]:
    commands = []
    for line in (REPO / "babel.cfg").read_text(encoding="utf-8").splitlines():
        text = line.lstrip("# ").strip()
        if text.startswith("pybabel "):
            commands.append(shlex.split(text)[1:])
    return commands


def test_babel_cfg_documents_extract_and_update_for_both_domains():
    commands = documented_commands()
    assert [c[0] for c in commands] == ["extract", "update", "extract", "update"]
    assert "-o" in commands[0] and "locales/messages.pot" in commands[0]
    assert "locales/plugin.pot" in commands[2] and "plugin" in commands[3]


def test_babel_cfg_names_only_files_that_exist():
    text = (REPO / "babel.cfg").read_text(encoding="utf-8")
    for word in text.split():
        word = word.strip("`.,;:()")
        if word.startswith(("tests/", "locales/", "kb/", "plugin/")) and "*" not in word and "<" not in word:
            assert (REPO / word).exists(), f"babel.cfg names {word}, which does not exist"


def test_documented_commands_leave_unchanged_catalogs_unchanged(tmp_path):
    ignore = shutil.ignore_patterns("__pycache__", "node_modules", "dist", "*.png")
    for folder in ("kb", "plugin", "locales"):
        shutil.copytree(REPO / folder, tmp_path / folder, ignore=ignore)
    shutil.copy(REPO / "babel.cfg", tmp_path / "babel.cfg")
    before = {p.relative_to(tmp_path): p.read_bytes() for p in (tmp_path / "locales").rglob("*.po*")}
    assert len(before) == 8
    for command in documented_commands():
        subprocess.run([*PYBABEL, "-q", *command], cwd=tmp_path, check=True, capture_output=True)
    after = {p.relative_to(tmp_path): p.read_bytes() for p in (tmp_path / "locales").rglob("*.po*")}
    changed = sorted(str(path) for path in before if after.get(path) != before[path])
    assert after.keys() == before.keys() and not changed, f"the documented commands changed {changed}"
