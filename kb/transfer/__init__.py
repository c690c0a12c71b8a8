"""Import from and export to the canned-response features of helpdesks (``kb import``, ``kb export``).

:data:`FORMATS` is the one list of formats: its name on the command line, the helpdesk whose
``helpdesks:`` names in kb.yaml it uses, its placeholder syntax, and its reader and writer.
A format module knows only its file layout; ids, placeholders, HTML, validation and
reporting are shared (:mod:`kb.transfer.common`, :mod:`~kb.transfer.mapping`,
:mod:`~kb.transfer.htmltext`, :mod:`~kb.transfer.writer`, :mod:`~kb.transfer.exporter`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kb.i18n import gettext
from kb.transfer import chatwoot, freshdesk, sheet, zammad, zendesk
from kb.transfer.common import ExportOptions, ImportOptions, Record, Report, TransferError
from kb.transfer.mapping import Syntax

if TYPE_CHECKING:
    from kb.transfer.writer import ImportResult


@dataclass(frozen=True)
class Format:
    name: str
    helpdesk: str | None  # key of kb.yaml's helpdesks:, None for the sheet (Vastaus's own placeholders)
    syntax: Syntax
    description: str  # marked with N_; shown by --help
    read: Callable[[Path, ImportOptions], list[Record]]
    write: Callable[[list, ExportOptions], str]
    multilingual: Callable[[ExportOptions], bool]  # does this export carry every language?
    signs_itself: bool = False  # the helpdesk appends the agent's signature to what is sent (Freshdesk)


FORMATS: dict[str, Format] = {
    module.NAME: Format(module.NAME, module.HELPDESK, module.SYNTAX, module.DESCRIPTION, module.read, module.write,
                        module.multilingual, getattr(module, "SIGNS_ITSELF", False))
    for module in (zendesk, freshdesk, zammad, chatwoot, sheet)
}
# kb.content.kbyaml.HELPDESKS names the helpdesks kb.yaml may use: exactly these formats' (tests/test_transfer.py).


def _check_language(settings, lang: str | None) -> None:
    try:
        if lang is not None:
            settings.check_language(lang)
    except ValueError as exc:
        raise TransferError(str(exc)) from None


def check_into(into: str) -> None:
    """Refuse an ``--into`` that is not a category under the responses folder (an absolute
    path, ``..``, a drive), instead of quietly turning it into some other folder name."""
    parts = [part.strip() for part in re.split(r"[/\\]", into)]
    if not into.strip() or into.strip().startswith(("/", "\\", "~")) or re.match(r"[A-Za-z]:[/\\]", into.strip()) \
            or any(part in ("..", ".") for part in parts):
        raise TransferError(gettext("--into %(into)r is not a category under the responses folder; give a folder "
                                    "name such as billing or delivery/returns") % {"into": into})


def import_file(name: str, path: Path, root: Path, *, lang: str | None = None, into: str | None = None,
                force: bool = False, dry_run: bool = False, dynamic_content: Path | None = None,
                locales: Path | None = None, progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Read *path* in format *name* and write its replies as snippet files under *root*."""
    from kb.content.kbyaml import load_settings
    from kb.transfer.writer import write_records

    settings = load_settings(root)
    _check_language(settings, lang)
    if into is not None:
        check_into(into)
    report = Report()
    options = ImportOptions(settings, lang or settings.source_lang, report, dynamic_content, locales)
    records = FORMATS[name].read(Path(path), options)
    return write_records(records, Path(root), settings, report, into=into, force=force, dry_run=dry_run,
                         progress=progress)


def _read(name: str, path: Path, root: Path, lang: str | None, dynamic_content: Path | None, locales: Path | None):
    from kb.content.kbyaml import load_settings

    settings = load_settings(root)
    _check_language(settings, lang)
    options = ImportOptions(settings, lang or settings.source_lang, Report(), dynamic_content, locales)
    return settings, options, FORMATS[name].read(Path(path), options)


def match_file(name: str, path: Path, root: Path, *, lang: str | None = None, dynamic_content: Path | None = None,
               locales: Path | None = None) -> tuple[list, Report, dict[str, str]]:
    """``--match``: a proposal per reply of *path* (:mod:`kb.transfer.matching`), the report, and reply titles."""
    from kb.content.loader import load_kb
    from kb.transfer.matching import propose

    settings, options, records = _read(name, path, root, lang, dynamic_content, locales)
    kb = load_kb(Path(root))
    titles = {sid: s.texts[s.source_lang].title for sid, s in kb.snippets.items() if s.source_lang in s.texts}
    return (propose(records, Path(root), settings, options.lang, signs_itself=FORMATS[name].signs_itself),
            options.report, titles)


def apply_file(name: str, path: Path, root: Path, mapping: Path, *, lang: str | None = None, into: str | None = None,
               force: bool = False, dry_run: bool = False, dynamic_content: Path | None = None,
               locales: Path | None = None) -> ImportResult:
    """``--apply MAPPING``: merge or create each reply of *path* as the checked mapping says."""
    from kb.transfer.matching import read_mapping
    from kb.transfer.merging import apply_mapping

    settings, options, records = _read(name, path, root, lang, dynamic_content, locales)
    entries = read_mapping(Path(mapping), settings)
    return apply_mapping(records, entries, Path(root), settings, options.report, options.lang, into=into, force=force,
                         dry_run=dry_run, signs_itself=FORMATS[name].signs_itself)


def export_kb(name: str, root: Path, *, lang: str | None = None, dynamic_content: bool = False,
              locales: Path | None = None) -> tuple[str, Report, int]:
    """The file text of the knowledge base in *root* in format *name*, what to report, and how many snippets.

    Raises :class:`ExportRefused` when the knowledge base has lint errors.
    """
    from kb.transfer.exporter import export_entries, load_for_export
    from kb.transfer.mapping import ExportMapper

    fmt = FORMATS[name]
    kb = load_for_export(Path(root))
    settings = kb.settings
    _check_language(settings, lang)
    options = ExportOptions(settings, lang, Report(), dynamic_content, locales)
    if lang is not None:
        langs = [lang]
    elif fmt.multilingual(options):
        langs = list(settings.languages)
    else:
        langs = [settings.source_lang]
        options.lang = settings.source_lang
    mapper = ExportMapper.for_helpdesk(settings, fmt.helpdesk, fmt.syntax)
    entries = export_entries(kb, options, mapper, langs)
    return fmt.write(entries, options), options.report, len(entries)


def __getattr__(name: str):
    if name == "ExportRefused":  # raised by export_kb; importing it here would load the whole knowledge base code
        from kb.transfer.exporter import ExportRefused

        return ExportRefused
    raise AttributeError(name)


__all__ = ["FORMATS", "ExportRefused", "Format", "TransferError", "apply_file", "export_kb", "import_file", "match_file"]
