"""A knowledge base in a real git repository on tmp_path, for the git workflow tests."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from conftest import SAMPLE, write_reply


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def make_repo(tmp_path: Path) -> Path:
    """A repo with responses/kb.yaml and two committed replies; returns the responses folder."""
    repo = tmp_path / "repo"
    root = repo / "responses"
    root.mkdir(parents=True)
    shutil.copy(SAMPLE / "kb.yaml", root / "kb.yaml")
    write_reply(root, "billing/invoice", "Laskun selitys", "Laskussasi on kuukausimaksu.")
    write_reply(root, "delivery/tracking", "Paketin seuranta", "Pakettisi on matkalla.")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "Eeva Editori")
    git(repo, "config", "user.email", "eeva@example.com")
    commit(repo, "Initial replies")
    return root


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (old, path)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
