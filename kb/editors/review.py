"""Compare the knowledge base with a git base (``kb lint --base``, ``kb review``).

Pull-request review of content: the machine checks what a machine can (a source text
changed without a version bump, removed or renamed ids and what still refers to them) and
shows the human each change as a person reads it: word-level differences per language,
translations that became stale, and channel lengths before and after.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from kb.content.kbyaml import KBSettings
from kb.content.loader import SNIPPET_SUFFIX, load_snippet_file, snippet_id_for
from kb.content.model import TEXT_PARTS, Snippet
from kb.content.placeholders import longest_length
from kb.content.problems import Problem
from kb.editors import git as gitutil
from kb.editors.history import RawSnippet
from kb.editors.worddiff import Piece, changed, diff_words
from kb.i18n import gettext


@dataclass
class SnippetChange:
    status: str  # added, modified, removed, renamed
    id: str
    source_lang: str
    old_id: str | None
    path: Path
    old: RawSnippet | None
    new: Snippet | None
    new_raw: RawSnippet | None
    diffs: dict[str, dict[str, list[Piece]]] = field(default_factory=dict)
    became_stale: list[str] = field(default_factory=list)
    lengths: list[tuple[str, str, int, int, int]] = field(default_factory=list)  # lang, channel, old, new, limit
    problems: list[Problem] = field(default_factory=list)

    @property
    def translations(self) -> tuple[list[str], list[str]]:
        """Languages whose translation this change adds, and whose it replaces, when the source text
        stayed as it was (what ``kb import --apply`` does): a reviewer reads these as translation work."""
        if self.status not in ("modified", "renamed") or self.old is None or self.new_raw is None \
                or self.source_lang in self.diffs:
            return [], []
        added = [lang for lang in self.diffs if lang not in self.old.texts]
        replaced = [lang for lang in self.diffs if lang in self.old.texts and lang in self.new_raw.texts]
        return added, replaced

    @property
    def old_version(self) -> int | None:
        return self.old.version if self.old else None

    @property
    def new_version(self) -> int | None:
        return self.new_raw.version if self.new_raw else None


def _relative_id(root: Path, path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return snippet_id_for(Path(root).resolve(), path.resolve())
    except ValueError:
        return None


def compare(root: Path, settings: KBSettings, base: str) -> list[SnippetChange]:
    """Every snippet that differs between *base* and the working tree of *root*."""
    root = Path(root).resolve()
    result = []
    for change in gitutil.changes(root, base):
        path = change.new or change.old
        if path is None or path.suffix != SNIPPET_SUFFIX or path.name == "kb.yaml":
            continue
        old = RawSnippet.parse(gitutil.show(root, base, change.old)) if change.old else None
        new_raw = RawSnippet.parse(change.new.read_text(encoding="utf-8")) if change.new else None
        new = load_snippet_file(root, change.new, settings)[0] if change.new else None
        status = {"A": "added", "M": "modified", "D": "removed", "R": "renamed"}[change.status]
        snippet_id = _relative_id(root, change.new or change.old) or path.stem
        source = (new.source_lang if new else None) or (new_raw or old).source_lang or settings.source_lang
        item = SnippetChange(status, snippet_id, source, _relative_id(root, change.old), path, old, new, new_raw)
        _describe(item, settings)
        result.append(item)
    return sorted(result, key=lambda c: c.id)


def _describe(item: SnippetChange, settings: KBSettings) -> None:
    old_texts = item.old.texts if item.old else {}
    new_texts = item.new_raw.texts if item.new_raw else {}
    for lang in dict.fromkeys([*old_texts, *new_texts]):
        for part in TEXT_PARTS:
            pieces = diff_words(old_texts.get(lang, {}).get(part), new_texts.get(lang, {}).get(part))
            if changed(pieces):
                item.diffs.setdefault(lang, {})[part] = pieces
    if item.new is not None:
        for lang in item.new.texts:
            was_stale = item.old is not None and item.old.version is not None and lang in old_texts and \
                _followed(item.old, lang, item.new.source_lang) < item.old.version
            if item.new.is_stale(lang) and not was_stale:
                item.became_stale.append(lang)
        max_lengths = {name: v.max_length for name, v in settings.variables.items()}
        for channel in item.new.channels:
            limit = settings.channels.get(channel)
            if limit is None:
                continue
            for lang, text in item.new.texts.items():
                part = "short" if text.short is not None else "body"
                new_length = longest_length(getattr(text, part), max_lengths)
                old_text = old_texts.get(lang, {}).get(part) or old_texts.get(lang, {}).get("body") or ""
                old_length = longest_length(old_text, max_lengths) if old_text else 0
                if old_length != new_length:
                    item.lengths.append((lang, channel, old_length, new_length, limit))


def _followed(raw: RawSnippet, lang: str, source_lang: str) -> int:
    if lang == source_lang:
        return raw.version or 0
    return raw.source_versions.get(lang, 0)


def base_problems(root: Path, changes: list[SnippetChange]) -> list[Problem]:
    """Problems only a comparison with the base can find (codes KB050-KB054)."""
    problems = []
    for item in changes:
        line = 1
        if item.status in ("modified", "renamed") and item.old and item.new_raw:
            source = item.source_lang
            text_changed = source in item.diffs
            old_v, new_v = item.old.version, item.new_raw.version
            if old_v is not None and new_v is not None:
                if new_v < old_v:
                    problems.append(Problem(item.path, line, "KB051", gettext("version went down from %(old)d to %(new)d")
                                            % {"old": old_v, "new": new_v}))
                elif text_changed and new_v == old_v:
                    parts = ", ".join(sorted(item.diffs[source]))
                    problems.append(Problem(item.path, line, "KB050",
                                            gettext("the %(lang)s %(parts)s changed since the base but version is still "
                                                    "%(version)d; set version: %(next)d")
                                            % {"lang": source, "parts": parts, "version": new_v, "next": new_v + 1}))
        if item.status in ("removed", "renamed"):
            old_id = item.old_id or item.id
            refs = references(root, old_id, exclude=item.path)
            langs = ", ".join(sorted(item.old.texts)) if item.old else "?"
            values = {"id": old_id, "langs": langs, "new_id": item.id}
            if item.status == "removed":
                code, message = "KB053", gettext("snippet %(id)s (texts in %(langs)s) is removed") % values
            else:
                code, message = "KB054", gettext("snippet %(id)s (texts in %(langs)s) is renamed to %(new_id)s") % values
            if refs:
                message += "; " + gettext("still referred to in %(files)s") % {"files": ", ".join(refs)}
            problems.append(Problem(item.path, line, code, message))
    return problems


def references(root: Path, snippet_id: str, exclude: Path | None = None) -> list[str]:
    """Files of the checkout that mention *snippet_id* (guidance, docs, helpdesk configuration)."""
    top = gitutil.toplevel(Path(root))
    if top is None:
        return []
    done = subprocess.run(["git", "grep", "-l", "-F", "--untracked", snippet_id], cwd=top,
                          capture_output=True, text=True, timeout=60)
    found = []
    for name in done.stdout.splitlines():
        if exclude is not None and (top / name).resolve() == Path(exclude).resolve():
            continue
        found.append(name)
    return sorted(found)
