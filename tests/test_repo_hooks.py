"""The pre-commit hooks and the content workflow call commands that exist and work."""

from __future__ import annotations

import shlex
import subprocess
import sys

import yaml
from conftest import REPO

from kb.cli.main import build_parser


def subcommands() -> set[str]:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    return set(sub.choices)


def test_content_repository_hooks_run_real_commands():
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert {hook["id"] for hook in hooks} == {"kb-lint", "kb-lint-base"}
    for hook in hooks:
        words = shlex.split(hook["entry"])
        assert words[0] == "kb" and words[1] in subcommands()
        build_parser().parse_args(words[1:])  # the flags exist


def test_kb_lint_hook_passes_on_the_sample():
    done = subprocess.run([sys.executable, "-m", "kb.cli", "lint", "--responses", str(REPO / "responses")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_workflow_lints_against_the_base_and_posts_the_review():
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "content-review.yml").read_text())
    steps = workflow["jobs"]["review"]["steps"]
    runs = "\n".join(step.get("run", "") for step in steps)
    assert "kb lint --base" in runs and "kb review --base" in runs and "--format markdown" in runs
    assert "kb index" in runs and "gh pr comment" in runs
    assert steps[0]["with"]["fetch-depth"] == 0
    for line in runs.splitlines():
        line = line.strip()
        if line.startswith("kb "):
            words = shlex.split(line.split(">")[0].split("||")[0].replace('"origin/${{ github.base_ref }}"', "origin/main"))
            build_parser().parse_args(words[1:])
