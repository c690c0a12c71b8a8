"""``kb review`` output: the change as a person reads it, as text or as a Markdown comment."""

from __future__ import annotations

from kb.problems import Problem
from kb.review import SnippetChange
from kb.worddiff import as_markdown, as_text


def _version(change: SnippetChange) -> str:
    old, new = change.old_version, change.new_version
    if change.status == "added":
        return f"new, version {new}"
    if change.status == "removed":
        return f"removed (was version {old})"
    return f"version {old} → {new}" if old != new else f"version {new} (unchanged)"


def _title(change: SnippetChange) -> str:
    if change.status == "renamed":
        return f"{change.old_id} → {change.id}"
    return change.id


def _problems_for(change: SnippetChange, problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.path.resolve() == change.path.resolve()]


def review_text(changes: list[SnippetChange], problems: list[Problem], base: str) -> str:
    if not changes:
        return f"No snippet changed since {base}."
    lines = [f"{len(changes)} snippet(s) changed since {base}", ""]
    for change in changes:
        lines.append(f"== {_title(change)}  [{change.status}; {_version(change)}]")
        for lang, parts in change.diffs.items():
            for part, pieces in parts.items():
                lines.append(f"  {lang}.{part}: {' '.join(as_text(pieces).split())}")
        if change.became_stale:
            lines.append(f"  now stale: {', '.join(change.became_stale)} (translations follow an older version)")
        for lang, channel, old, new, limit in change.lengths:
            lines.append(f"  length {lang} on {channel}: {old} → {new} / {limit}")
        for problem in _problems_for(change, problems):
            lines.append(f"  {problem.code} {problem.message}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def review_markdown(changes: list[SnippetChange], problems: list[Problem], base: str) -> str:
    errors = sum(1 for p in problems if p.is_error)
    warnings = len(problems) - errors
    verdict = "✅ no lint errors" if not errors else f"❌ {errors} lint error(s)"
    lines = [f"### Vastaus review: {len(changes)} snippet(s) changed since `{base}`",
             "", f"{verdict}, {warnings} warning(s)", ""]
    for change in changes:
        lines.append(f"#### `{_title(change)}` — {change.status}, {_version(change)}")
        if change.diffs:
            lines += ["", "| lang | part | change |", "| --- | --- | --- |"]
            for lang, parts in change.diffs.items():
                for part, pieces in parts.items():
                    lines.append(f"| {lang} | {part} | {as_markdown(pieces)} |")
        if change.became_stale:
            lines += ["", f"**Now stale:** {', '.join(change.became_stale)} — translators, please update."]
        if change.lengths:
            lines += ["", "| lang | channel | before | after | limit |", "| --- | --- | --- | --- | --- |"]
            lines += [f"| {lang} | {channel} | {old} | {new} | {limit} |" for lang, channel, old, new, limit in change.lengths]
        found = _problems_for(change, problems)
        if found:
            lines.append("")
            lines += [f"- `{p.code}` {p.message}" for p in found]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
