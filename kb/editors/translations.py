"""``kb translations``: what translators have to do, for snippets and interface catalogs.

For every language: which snippets are complete, stale (their ``source_version`` is below
the snippet's ``version``) or missing; for stale ones, the source-language words that
changed since the version the translation follows, from git history when there is one.
And for the interface catalogs under ``locales/``: translated, fuzzy and untranslated counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.pofile import read_po

from kb.content.loader import KnowledgeBase
from kb.content.model import TEXT_PARTS
from kb.editors.history import texts_at_version
from kb.editors.worddiff import Piece, changed, diff_words
from kb.i18n import DEFAULT_LOCALE


@dataclass
class StaleText:
    id: str
    follows: int
    version: int
    source_lang: str
    diff: dict[str, list[Piece]] | None  # part -> word diff of the source text; None without history


@dataclass
class LanguageStatus:
    lang: str
    source: list[str] = field(default_factory=list)  # snippets written in this language
    complete: list[str] = field(default_factory=list)
    stale: list[StaleText] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


@dataclass
class CatalogStatus:
    lang: str
    domain: str
    path: Path
    translated: int
    fuzzy: int
    untranslated: int


def snippet_status(kb: KnowledgeBase, langs: list[str] | None = None, with_diff: bool = True) -> list[LanguageStatus]:
    result = []
    for lang in langs or list(kb.settings.languages):
        status = LanguageStatus(lang)
        for snippet in sorted(kb.snippets.values(), key=lambda s: s.id):
            if lang == snippet.source_lang:
                status.source.append(snippet.id)
            elif lang not in snippet.texts:
                status.missing.append(snippet.id)
            elif snippet.is_stale(lang):
                follows = snippet.followed_version(lang) or 0
                diff = _source_diff(kb, snippet, follows) if with_diff else None
                status.stale.append(StaleText(snippet.id, follows, snippet.version, snippet.source_lang, diff))
            else:
                status.complete.append(snippet.id)
        result.append(status)
    return result


def _source_diff(kb: KnowledgeBase, snippet, follows: int) -> dict[str, list[Piece]] | None:
    old = texts_at_version(kb.root, snippet.id, follows)
    if old is None:
        return None
    old_source = old.get(snippet.source_lang, {})
    current = snippet.texts[snippet.source_lang]
    diffs = {}
    for part in TEXT_PARTS:
        pieces = diff_words(old_source.get(part), getattr(current, part))
        if changed(pieces):
            diffs[part] = pieces
    return diffs


def catalog_status(locales_dir: Path, langs: list[str] | None = None) -> list[CatalogStatus]:
    found = []
    for po in sorted(Path(locales_dir).glob("*/LC_MESSAGES/*.po")):
        lang = po.parent.parent.name
        if langs and lang not in langs:
            continue
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        messages = [m for m in catalog if m.id]
        fuzzy = sum(1 for m in messages if m.fuzzy)
        # The message ids are written in DEFAULT_LOCALE: there an empty msgstr is the source text itself
        # (gettext shows the msgid), not a translation someone still owes.
        untranslated = 0 if lang == DEFAULT_LOCALE else sum(
            1 for m in messages if not m.fuzzy and not _translated(m.string))
        found.append(CatalogStatus(lang, po.stem, po, len(messages) - fuzzy - untranslated, fuzzy, untranslated))
    return found


def _translated(string) -> bool:
    return all(string) if isinstance(string, (tuple, list)) else bool(string)
