"""One failing example per lint rule (tests/support/lint_examples/KBnnn*), checked by a glob."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kb.content.rules import RULES, Severity
from kb.editors.lint import format_json, format_text, lint

EXAMPLES = Path(__file__).parent / "support" / "lint_examples"
GENERATED = {"KB006"}  # too large to commit: built in test_oversized_file
ALSO_REPORTED = {"KB015": {"KB014"}}  # a copied file keeps the original's id: both rules apply


def install(example: Path, root: Path) -> None:
    target = root / "examples"
    target.mkdir(exist_ok=True)
    if example.is_dir():
        for path in example.iterdir():
            shutil.copy(path, root / "kb.yaml" if path.name == "kb.yaml" else target / path.name)
    else:  # ids are lower case: examples/kb020
        shutil.copy(example, target / example.name.lower())


def install_with_history(example: Path, root: Path) -> str:
    """Commit the example's base/ files in a real git repository, then put head/ in their place."""
    from support.gitkb import commit, git

    repo = root.parent
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "Test")
    git(repo, "config", "user.email", "test@example.com")
    install(example / "base", root)
    commit(repo, "base")
    shutil.rmtree(root / "examples")
    install(example / "head", root)
    return "HEAD"


@pytest.mark.parametrize("example", sorted(EXAMPLES.iterdir()), ids=lambda p: p.name)
def test_example_is_reported_with_its_code(example: Path, empty_kb: Path) -> None:
    code = example.name[:5]
    base = install_with_history(example, empty_kb) if (example / "base").is_dir() else None
    if base is None:
        install(example, empty_kb)
    report = lint(empty_kb, base=base)
    codes = [problem.code for problem in report.problems]
    assert set(codes) == {code} | ALSO_REPORTED.get(code, set()), format_text(report)
    expected_exit = 1 if RULES[code].severity is Severity.ERROR else 0
    assert report.exit_code == expected_exit, format_text(report)
    located = [p for p in report.problems if p.code == code]
    assert all(p.line >= 1 for p in located)
    assert f": {code} " in format_text(report)


def test_every_rule_has_a_failing_example() -> None:
    covered = {path.name[:5] for path in EXAMPLES.iterdir()} | GENERATED
    assert set(RULES) <= covered, sorted(set(RULES) - covered)
    assert covered <= set(RULES), sorted(covered - set(RULES))


def test_oversized_file(empty_kb: Path) -> None:
    (empty_kb / "big.yaml").write_text("id: big\n" + "# filler\n" * 40_000)
    report = lint(empty_kb)
    assert [p.code for p in report.problems] == ["KB006"]


def test_clean_snippet_has_no_problems(empty_kb: Path) -> None:
    from conftest import write_reply

    write_reply(empty_kb, "feedback/thanks")
    report = lint(empty_kb)
    assert report.problems == []
    assert report.exit_code == 0


def test_problem_points_at_the_field_line(empty_kb: Path) -> None:
    install(EXAMPLES / "KB018.yaml", empty_kb)
    (problem,) = [p for p in lint(empty_kb).problems if p.code == "KB018"]
    assert problem.line == 4  # the `channels:` line of the example


def test_json_format_lists_code_rule_and_hint(empty_kb: Path) -> None:
    import json

    install(EXAMPLES / "KB020.yaml", empty_kb)
    data = json.loads(format_json(lint(empty_kb)))
    assert data["errors"] == 1
    (problem,) = data["problems"]
    assert problem["code"] == "KB020" and problem["rule"] == "unknown-placeholder"
    assert "did you mean {{customer.first_name}}" in problem["message"]
    assert problem["hint"]


def test_alias_bomb_is_refused_quickly(empty_kb: Path) -> None:
    import time

    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 9) + "]" for i in range(1, 10)]
    (empty_kb / "bomb.yaml").write_text("\n".join(levels) + "\n")
    started = time.perf_counter()
    report = lint(empty_kb)
    assert time.perf_counter() - started < 2
    assert [p.code for p in report.problems] == ["KB007"]


def test_deeply_nested_block_yaml_is_refused(empty_kb: Path) -> None:
    text = "".join(" " * (2 * depth) + f"k{depth}:\n" for depth in range(200)) + " " * 400 + "v: 1\n"
    (empty_kb / "deep.yaml").write_text(text)
    assert [p.code for p in lint(empty_kb).problems] == ["KB008"]


def test_priority_is_for_escalations_and_within_its_range(sample_kb: Path) -> None:
    from conftest import write_reply

    legal = sample_kb / "escalation" / "legal.yaml"
    legal.write_text(legal.read_text(encoding="utf-8").replace("priority: 2", "priority: 12"), encoding="utf-8")
    reply = write_reply(sample_kb, "feedback/thanks")
    reply.write_text(reply.read_text(encoding="utf-8") + "priority: 1\n", encoding="utf-8")
    problems = {(p.path.name, p.code) for p in lint(sample_kb).problems}
    assert ("legal.yaml", "KB019") in problems
    assert ("thanks.yaml", "KB028") in problems
