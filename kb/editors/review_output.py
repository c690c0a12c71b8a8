"""``kb review`` output: the change as a person reads it, as text or as a Markdown comment."""

from __future__ import annotations

from kb.content.problems import Problem
from kb.editors.review import SnippetChange
from kb.editors.worddiff import as_markdown, as_text
from kb.i18n import N_, gettext, ngettext

STATUSES = {"added": N_("added"), "modified": N_("modified"), "removed": N_("removed"), "renamed": N_("renamed")}


def _status(change: SnippetChange) -> str:
    added, replaced = change.translations
    if added or replaced:
        words = []
        if added:
            words.append(ngettext("translation added: %(langs)s", "translations added: %(langs)s", len(added))
                         % {"langs": ", ".join(added)})
        if replaced:
            words.append(ngettext("translation replaced: %(langs)s", "translations replaced: %(langs)s",
                                  len(replaced)) % {"langs": ", ".join(replaced)})
        return "; ".join(words)
    return gettext(STATUSES.get(change.status, change.status))


def _version(change: SnippetChange) -> str:
    old, new = change.old_version, change.new_version
    if change.status == "added":
        return gettext("new, version %(version)s") % {"version": new}
    if change.status == "removed":
        return gettext("removed (was version %(version)s)") % {"version": old}
    if old != new:
        return gettext("version %(old)s → %(new)s") % {"old": old, "new": new}
    return gettext("version %(version)s (unchanged)") % {"version": new}


def _title(change: SnippetChange) -> str:
    if change.status == "renamed":
        return f"{change.old_id} → {change.id}"
    return change.id


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _problems_for(change: SnippetChange, problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.path.resolve() == change.path.resolve()]


def review_text(changes: list[SnippetChange], problems: list[Problem], base: str) -> str:
    if not changes:
        return gettext("No snippet changed since %(base)s.") % {"base": base}
    count = len(changes)
    lines = [ngettext("%(count)d snippet changed since %(base)s", "%(count)d snippets changed since %(base)s", count)
             % {"count": count, "base": base}, ""]
    for change in changes:
        lines.append(f"== {_title(change)}  [{_status(change)}; {_version(change)}]")
        for lang, parts in change.diffs.items():
            for part, pieces in parts.items():
                lines.append(f"  {lang}.{part}: {' '.join(as_text(pieces).split())}")
        if change.became_stale:
            lines.append("  " + gettext("now stale: %(langs)s (translations follow an older version)")
                         % {"langs": ", ".join(change.became_stale)})
        for lang, channel, old, new, limit in change.lengths:
            lines.append("  " + gettext("length %(lang)s on %(channel)s: %(old)d → %(new)d / %(limit)d")
                         % {"lang": lang, "channel": channel, "old": old, "new": new, "limit": limit})
        for problem in _problems_for(change, problems):
            lines.append(f"  {problem.code} {problem.message}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def review_markdown(changes: list[SnippetChange], problems: list[Problem], base: str) -> str:
    errors = sum(1 for p in problems if p.is_error)
    warnings = len(problems) - errors
    verdict = ("✅ " + gettext("no lint errors") if not errors
               else "❌ " + ngettext("%(count)d lint error", "%(count)d lint errors", errors) % {"count": errors})
    count = len(changes)
    title = ngettext("Vastaus review: %(count)d snippet changed since %(base)s",
                     "Vastaus review: %(count)d snippets changed since %(base)s", count) % {"count": count, "base": f"`{base}`"}
    lines = [f"### {title}", "",
             f"{verdict}, " + ngettext("%(count)d warning", "%(count)d warnings", warnings) % {"count": warnings}, ""]
    for change in changes:
        lines.append(f"#### `{_title(change)}` — {_status(change)}, {_version(change)}")
        if change.diffs:
            lines += ["", _row(gettext("lang"), gettext("part"), gettext("change")), "| --- | --- | --- |"]
            for lang, parts in change.diffs.items():
                for part, pieces in parts.items():
                    lines.append(f"| {lang} | {part} | {as_markdown(pieces)} |")
        if change.became_stale:
            lines += ["", gettext("**Now stale:** %(langs)s — translators, please update.")
                      % {"langs": ", ".join(change.became_stale)}]
        if change.lengths:
            lines += ["", _row(gettext("lang"), gettext("channel"), gettext("before"), gettext("after"), gettext("limit")),
                      "| --- | --- | --- | --- | --- |"]
            lines += [f"| {lang} | {channel} | {old} | {new} | {limit} |" for lang, channel, old, new, limit in change.lengths]
        found = _problems_for(change, problems)
        if found:
            lines.append("")
            lines += [f"- `{p.code}` {p.message}" for p in found]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
