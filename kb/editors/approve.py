"""``kb approve``: the only way an escalation's wording becomes approved.

It checks the snippet, computes the digest over every language's texts, and rewrites just
the ``approval:`` block of the file, leaving comments and the rest of the file as written.
"""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

from kb.content.digest import texts_digest
from kb.content.kbyaml import load_settings
from kb.content.loader import snippet_id_for
from kb.content.model import Snippet
from kb.content.problems import Problem, Refused
from kb.content.validation import build_snippet
from kb.content.yamlsafe import load_yaml_file
from kb.i18n import gettext


class ApprovalError(Refused):
    """The snippet cannot be approved; ``problems`` says why."""


_TOP_LEVEL_KEY = re.compile(r"^[^\s-]")  # a key or a comment at column 0


def replace_top_level_block(text: str, key: str, block: str) -> str:
    """Replace the top-level ``key:`` block of a YAML text with *block*, or append it."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.startswith(f"{key}:")), None)
    if start is None:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        return "".join(lines) + block
    end = start + 1
    while end < len(lines) and not _TOP_LEVEL_KEY.match(lines[end]):
        end += 1
    # Keep blank lines and comments that belong to the next block.
    while end - 1 > start and not lines[end - 1].strip():
        end -= 1
    return "".join(lines[:start]) + block + "".join(lines[end:])


def approval_block(by: str, date: str, digest: str) -> str:
    quoted = json.dumps(by, ensure_ascii=False)  # a JSON string is a valid YAML scalar
    return f"approval:\n  by: {quoted}\n  date: {date}\n  digest: {digest}\n"


def approve(root: Path, snippet_id: str, by: str, date: datetime.date | None = None) -> Snippet:
    """Record *by*'s approval of the escalation *snippet_id* under *root*; return the snippet."""
    if not by.strip():
        raise ApprovalError(gettext("give the approver's name with --by"))
    settings = load_settings(root)
    path = root / f"{snippet_id}.yaml"
    if not path.is_file():
        raise ApprovalError(gettext("no snippet %(id)s: %(path)s does not exist") % {"id": repr(snippet_id), "path": path})
    data, problem = load_yaml_file(path)
    if problem:
        raise ApprovalError(gettext("%(path)s cannot be read") % {"path": path},
                            [Problem(path, problem.line, problem.code, problem.message)])
    snippet, problems = build_snippet(path, snippet_id_for(root, path), data, settings, check_approval=False)
    errors = [p for p in problems if p.is_error]
    if errors or snippet is None:
        raise ApprovalError(gettext("fix the errors in %(path)s before approving it") % {"path": path}, errors)
    if not snippet.is_escalation:
        raise ApprovalError(gettext("%(id)s is a reply; only escalation snippets are approved") % {"id": snippet_id})
    day = (date or datetime.date.today()).isoformat()
    digest = texts_digest(snippet.texts)
    text = path.read_text(encoding="utf-8")
    path.write_text(replace_top_level_block(text, "approval", approval_block(by, day, digest)), encoding="utf-8")
    approved, problems = build_snippet(path, snippet_id, load_yaml_file(path)[0], settings)
    if approved is None:  # pragma: no cover - would mean the block writer is wrong
        raise ApprovalError(gettext("the approval could not be written"), problems)
    return approved
