"""The synthetic knowledge base generator of the search benchmarks: valid, loadable, deterministic."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.generate_kb import generate, main
from kb.content.loader import load_kb
from kb.content.placeholders import placeholders
from kb.editors.lint import lint
from kb.language.analysis import words

SIZE = 200


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    return generate(tmp_path_factory.mktemp("kb") / "kb200", SIZE, seed=3)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.yaml"))}


def test_output_lints_without_errors(generated):
    report = lint(generated)
    assert report.errors == []
    assert report.files == SIZE  # kb.yaml is not a snippet file


def test_every_snippet_loads(generated):
    kb = load_kb(generated)
    assert len(kb.snippets) == SIZE
    assert (generated / "kb.yaml").read_bytes() == (Path(__file__).resolve().parent.parent / "responses" / "kb.yaml").read_bytes()
    for snippet in kb.snippets.values():
        assert snippet.kind == "reply"
        assert set(snippet.texts) == {"fi", "et", "en"}
        assert snippet.source_lang == "fi"
        for text in snippet.texts.values():
            assert 3 <= len(text.title.split()) <= 7
            assert 25 <= len(text.body.split()) <= 90 + 10  # translations vary a little around the target
            assert 4 <= len(text.keywords) <= 10
            if text.short is not None:
                assert len(text.short) <= 100
        used = {lang: placeholders(text.body) for lang, text in snippet.texts.items()}
        assert used["fi"] == used["et"] == used["en"] <= {"customer.first_name", "agent.first_name"}
        if snippet.texts["fi"].short is None:
            assert snippet.channels == ("facebook", "chat", "email")


def test_some_translations_are_stale_and_some_shorts_missing(generated):
    kb = load_kb(generated)
    stale = sum(1 for s in kb.snippets.values() if s.is_stale("et") or s.is_stale("en"))
    short = sum(1 for s in kb.snippets.values() if s.texts["fi"].short is not None)
    assert 0.03 * SIZE <= stale <= 0.2 * SIZE
    assert 0.3 * SIZE <= short <= 0.7 * SIZE
    folders = {s.id.split("/")[0] for s in kb.snippets.values()}
    assert 30 <= len(folders) <= 200


def test_same_seed_gives_identical_files_and_another_seed_differs(generated, tmp_path):
    again = generate(tmp_path / "again", SIZE, seed=3)
    other = generate(tmp_path / "other", SIZE, seed=4)
    assert _files(again) == _files(generated)
    assert _files(other) != _files(generated)


def test_worker_processes_write_the_same_files(generated, tmp_path):
    parallel = generate(tmp_path / "parallel", SIZE, seed=3, jobs=2)
    assert _files(parallel) == _files(generated)


def test_each_language_has_a_large_vocabulary(generated):
    kb = load_kb(generated)
    for lang in ("fi", "et", "en"):
        vocabulary = set()
        for snippet in kb.snippets.values():
            text = snippet.texts[lang]
            vocabulary.update(words(f"{text.title} {text.body} {text.short or ''} {' '.join(text.keywords)}"))
        assert len(vocabulary) > 500, lang


def test_rerun_replaces_its_own_output_but_never_a_foreign_folder(tmp_path, capsys):
    out = tmp_path / "kb"
    assert main(["--snippets", "20", "--out", str(out), "--seed", "1"]) == 0
    assert main(["--snippets", "10", "--out", str(out), "--seed", "1"]) == 0
    assert len(load_kb(out).snippets) == 10
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me", encoding="utf-8")
    assert main(["--snippets", "10", "--out", str(foreign)]) == 2
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "keep me"
    assert "not empty" in capsys.readouterr().err
