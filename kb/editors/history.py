"""A snippet's history from git: its versions, and its texts as they were at each version.

Translators need "what changed in the source since the version my translation follows";
editors and agents need "who changed this and when". Both come from the real history of
the knowledge base's git checkout; without git these return nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kb.content.model import TEXT_PARTS
from kb.content.yamlsafe import load_yaml_text
from kb.editors import git as gitutil
from kb.i18n import gettext


@dataclass(frozen=True)
class Version:
    version: int | None
    sha: str | None  # None for changes not committed yet
    date: str | None
    author: str | None
    subject: str


@dataclass(frozen=True)
class RawSnippet:
    """The few fields history needs, read leniently from a file that may have had errors."""

    version: int | None
    texts: dict[str, dict[str, str]]
    source_lang: str | None = None
    source_versions: dict[str, int] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str | None) -> RawSnippet | None:
        if text is None:
            return None
        data, problem = load_yaml_text(text)
        if problem or not isinstance(data, dict):
            return None
        version = data.get("version") if isinstance(data.get("version"), int) else None
        texts, followed = {}, {}
        for lang, entry in (data.get("texts") or {}).items() if isinstance(data.get("texts"), dict) else []:
            if isinstance(entry, dict):
                texts[lang] = {part: entry[part] for part in TEXT_PARTS if isinstance(entry.get(part), str)}
                if isinstance(entry.get("source_version"), int):
                    followed[lang] = entry["source_version"]
        source_lang = data.get("source_lang") if isinstance(data.get("source_lang"), str) else None
        return cls(version, texts, source_lang, followed)


def snippet_path(root: Path, snippet_id: str) -> Path:
    return Path(root) / f"{snippet_id}.yaml"


def versions(root: Path, snippet_id: str) -> list[Version]:
    """Each commit that changed the snippet, oldest first, with the version it had then."""
    path = snippet_path(root, snippet_id)
    top = gitutil.toplevel(path.parent if path.parent.exists() else Path(root))
    if top is None:
        return []
    found = []
    for commit in reversed(gitutil.log(path)):
        raw = RawSnippet.parse(gitutil.show_commit(top, commit))
        found.append(Version(raw.version if raw else None, commit.sha, commit.date, commit.author, commit.subject))
    if path.is_file():
        current = RawSnippet.parse(path.read_text(encoding="utf-8"))
        committed = gitutil.show(top, "HEAD", path)
        if committed != path.read_text(encoding="utf-8"):
            found.append(Version(current.version if current else None, None, None, None, gettext("(not committed)")))
    return found


def texts_at_version(root: Path, snippet_id: str, version: int) -> dict[str, dict[str, str]] | None:
    """The snippet's texts in the last commit where it had *version*, or None if never."""
    path = snippet_path(root, snippet_id)
    top = gitutil.toplevel(path.parent if path.parent.exists() else Path(root))
    if top is None:
        return None
    for commit in gitutil.log(path):  # newest first
        raw = RawSnippet.parse(gitutil.show_commit(top, commit))
        if raw and raw.version == version:
            return raw.texts
    return None
