"""Shared fixtures: tiny knowledge bases built on ``tmp_path``, like flaskr's test app."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

# The helpers in tests/support/ assert too; conftest is imported before any of them.
pytest.register_assert_rewrite("support")

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "responses"

REPLY = """\
id: {id}
kind: reply
version: 1
texts:
  fi:
    title: {title}
    body: |
      Hei {{{{customer.first_name}}}}! {body}
  et:
    source_version: 1
    title: Tiitel
    body: |
      Tere {{{{customer.first_name}}}}! Tekst.
  en:
    source_version: 1
    title: Title
    body: |
      Hi {{{{customer.first_name}}}}! Text.
"""


@pytest.fixture(autouse=True)
def _english_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    """``kb`` speaks the language of LANGUAGE/LC_ALL/LANG: tests expect English whatever the machine's locale.

    LANGUAGE only chooses the language of messages (not encodings); tests of other languages set it themselves.
    """
    monkeypatch.setenv("LANGUAGE", "en")


# -- the slow tiers (markers in pyproject.toml) ---------------------------------------------------

_running: list[pytest.Item] = []


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _running[:] = [item]  # before its fixtures, session-scoped ones included


def pytest_runtest_teardown(item: pytest.Item) -> None:
    _running.clear()


def require_marker(name: str, what: str) -> None:
    """Fail the running test unless it carries marker *name*: a test that starts *what* without
    it would slip into the fast tier (``make test-fast``) and make it slow."""
    if _running and _running[0].get_closest_marker(name) is None:
        pytest.fail(f"{_running[0].nodeid} starts {what}: mark it @pytest.mark.{name} "
                    f"(or pytestmark = pytest.mark.{name} in its module)", pytrace=False)


def write_reply(root: Path, snippet_id: str, title: str = "Otsikko", body: str = "Teksti.") -> Path:
    path = root / f"{snippet_id}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(REPLY.format(id=snippet_id, title=title, body=body), encoding="utf-8")
    return path


@pytest.fixture
def empty_kb(tmp_path: Path) -> Path:
    """A knowledge base folder with the sample's kb.yaml and no snippets."""
    root = tmp_path / "responses"
    root.mkdir()
    shutil.copy(SAMPLE / "kb.yaml", root / "kb.yaml")
    return root


@pytest.fixture
def sample_kb(tmp_path: Path) -> Path:
    """A writable copy of the bundled sample knowledge base."""
    root = tmp_path / "responses"
    shutil.copytree(SAMPLE, root)
    return root


@pytest.fixture(scope="module")
def sample_search(tmp_path_factory):
    """A search service on the bundled sample, indexed once per test module."""
    from kb.content.kbyaml import load_settings
    from kb.search.indexing import index_kb
    from kb.search.service import SearchService

    folder = tmp_path_factory.mktemp("sample-index")
    index_kb(SAMPLE, folder)
    service = SearchService(folder, load_settings(SAMPLE))
    yield service
    service.close()
