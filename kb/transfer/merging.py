"""``kb import --apply MAPPING``: imported replies merged as translations of existing ones.

The mapping file (written by ``--match``, checked by a person) says, per imported reply,
which existing reply it translates or that it is ``new``. A matched text becomes that
reply's translation in its language, following the reply's current version; the edit is
made in the file's text, so every other line (comments, key order, the other languages)
stays byte for byte as its editors wrote it. Escalations are left alone unless ``--force``,
and then their approval no longer matches: ``kb lint`` asks for ``kb approve`` again. A
reply that already has a text in that language keeps it unless ``--force``. Replies mapped
to ``new`` are imported as usual, written first in their own language (``source_lang``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from kb.content.kbyaml import KBSettings
from kb.content.loader import load_snippet_file
from kb.content.model import snippet_to_dict
from kb.content.validation import build_snippet
from kb.content.yamlsafe import load_yaml_text
from kb.i18n import gettext
from kb.transfer.closing import missing_signature
from kb.transfer.common import Record, RecordText, Report, clean_text
from kb.transfer.matching import NEW, Entry, record_text
from kb.transfer.writer import CREATED, INVALID, SKIPPED, UNCHANGED, ImportResult, Outcome, write_records
from kb.transfer.yamlout import block, flow_list, scalar

MERGED = "merged"
_TEXTS = re.compile(r"^texts:[ \t]*(#.*)?$")
_LANG = re.compile(r"^  ([a-z]{2,3}):[ \t]*(#.*)?$")


def apply_mapping(records: list[Record], mapping: dict[str, Entry], root: Path, settings: KBSettings, report: Report,
                  lang: str, *, into: str | None = None, force: bool = False, dry_run: bool = False,
                  signs_itself: bool = False) -> ImportResult:
    """Merge or create each record as *mapping* says; records the mapping does not name are skipped.

    *signs_itself*: the helpdesk signs replies itself (Freshdesk), so a merged text may need the
    reply's signing line (:mod:`kb.transfer.closing`).
    """
    outcomes: list[Outcome] = []
    new: list[Record] = []
    for record in records:
        entry = mapping.get(record.source)
        if entry is None:
            outcomes.append(Outcome(SKIPPED, "-", record.source, root, [
                gettext("not in the mapping file; run --match again to include it")]))
            continue
        text = _clean(record_text(record, lang))
        if len(record.texts) > 1:
            report.note(gettext("%(source)s: only one language of a reply is matched and merged (%(lang)s); import "
                                "the others with --force or the sheet") % {"source": record.source, "lang": entry.lang})
        if entry.short:
            text.short = clean_text(entry.short)
        if entry.reply == NEW:
            advice = record.guidance.get(lang)
            guidance = {entry.lang: advice} if advice else {}
            new.append(Record(record.source, {entry.lang: text}, record.category, record.id, record.tags, guidance))
            continue
        outcomes.append(merge_text(root, settings, entry, record.source, text, force=force, dry_run=dry_run,
                                   signs_itself=signs_itself))
    if new:
        outcomes += write_records(new, root, settings, report, into=into, dry_run=dry_run).outcomes
    order = {record.source: index for index, record in enumerate(records)}
    outcomes.sort(key=lambda outcome: order.get(outcome.source, len(order)))
    return ImportResult(outcomes, report, dry_run)


def _clean(text: RecordText) -> RecordText:
    return RecordText(clean_text(text.title), clean_text(text.body), clean_text(text.short) if text.short else None,
                      [word for word in (clean_text(k) for k in text.keywords) if word])


def merge_text(root: Path, settings: KBSettings, entry: Entry, source: str, text: RecordText, *, force: bool,
               dry_run: bool, signs_itself: bool = False) -> Outcome:
    """*text* as the *entry.lang* translation of the reply *entry.reply*, edited into its file.

    *signs_itself*: the helpdesk signs replies itself, so a text without the source text's
    signing line gets it.
    """
    path = Path(root) / f"{entry.reply}.yaml"
    where = {"id": entry.reply, "lang": entry.lang, "line": entry.line}
    if not path.is_file():
        return Outcome(INVALID, entry.reply, source, path, [
            gettext("mapping line %(line)d: there is no reply %(id)s; give an existing id or new") % where])
    existing, problems, _ = load_snippet_file(Path(root), path, settings)
    if existing is None:
        return Outcome(SKIPPED, entry.reply, source, path, [
            gettext("%(id)s has errors (see `kb lint`); fix it first") % where])
    if existing.is_escalation and not force:
        return Outcome(SKIPPED, entry.reply, source, path, [
            gettext("%(id)s is an escalation: its approved wording changes only with --force, and then needs "
                    "`kb approve` again") % where])
    if entry.lang == existing.source_lang:
        return Outcome(SKIPPED, entry.reply, source, path, [
            gettext("%(lang)s is the source language of %(id)s: a merge only adds translations") % where])
    if entry.lang in existing.texts and not force:
        return Outcome(SKIPPED, entry.reply, source, path, [
            gettext("%(id)s has a %(lang)s text already; --force replaces it with this one") % where])
    if not text.keywords and entry.lang in existing.texts:  # as a plain import does: keywords kept when none came
        text.keywords = list(existing.texts[entry.lang].keywords)
    notes = []
    signature = missing_signature(text.body, existing) if signs_itself else None
    if signature is not None:
        text.body = f"{text.body.rstrip()}\n{signature}"
        notes.append(gettext("the helpdesk signs replies itself: the signing line of the %(id)s source text was added "
                             "(%(signature)s)") % {**where, "signature": signature})
    original = path.read_text(encoding="utf-8")
    edited = set_text(original, entry.lang, text_block(entry.lang, text, existing.version), list(settings.languages))
    if edited is None:
        return Outcome(INVALID, entry.reply, source, path, [
            gettext("the texts: of %(id)s are not written one language a block; add the %(lang)s text by hand") % where])
    data, problem = load_yaml_text(edited)
    if problem:  # pragma: no cover - the block is written with the same quoting as every import
        return Outcome(INVALID, entry.reply, source, path, [f"{problem.code} {problem.message}"])
    merged, problems = build_snippet(path, entry.reply, data, settings, check_approval=not existing.is_escalation)
    errors = [f"{p.code} {p.message}" for p in problems if p.is_error]
    if errors or merged is None:
        return Outcome(INVALID, entry.reply, source, path, errors)
    before, after = snippet_to_dict(existing), snippet_to_dict(merged)
    before["texts"].pop(entry.lang, None)
    after_text = after["texts"].pop(entry.lang, None)
    if before != after or after_text is None:  # pragma: no cover - set_text touches one language only
        return Outcome(INVALID, entry.reply, source, path, [gettext("the edit would change more than one text")])
    if edited == original:
        return Outcome(UNCHANGED, entry.reply, source, path)
    if not dry_run:
        _write_atomically(path, edited)
    messages = [gettext("approval of %(id)s is no longer valid: run `kb approve %(id)s --by NAME` once it is "
                        "approved again") % where] if existing.is_escalation else []
    return Outcome(MERGED, entry.reply, source, path, notes + messages)


def text_block(lang: str, text: RecordText, version: int) -> list[str]:
    """The lines of one language under ``texts:``, as ``kb new`` and ``kb import`` write them."""
    lines = [f"  {lang}:", f"    source_version: {version}", f"    title: {scalar(text.title)}",
             f"    body: {block(text.body, '      ')}"]
    if text.short:
        lines.append(f"    short: {scalar(text.short)}")
    lines.append(f"    keywords: {flow_list(text.keywords)}")
    return "\n".join(lines).split("\n")


def set_text(source: str, lang: str, new_block: list[str], order: list[str]) -> str | None:
    """*source* with *lang*'s block under ``texts:`` replaced by, or inserted as, *new_block*.

    Nothing else changes: the block goes where kb.yaml's language order puts it. None when
    ``texts:`` is not written as one block of lines per language (flow style, say).
    """
    lines = source.split("\n")
    start = next((i for i, line in enumerate(lines) if _TEXTS.match(line)), None)
    if start is None:
        return None
    blocks: dict[str, list[int]] = {}  # lang -> [first line, line after its last non-blank line]
    current = None
    for i in range(start + 1, len(lines)):
        line = lines[i]
        header = _LANG.match(line)
        if header:
            current = header.group(1)
            blocks[current] = [i, i + 1]
        elif not line.strip() or line.lstrip().startswith("#"):
            continue
        elif line.startswith("    ") and current is not None:
            blocks[current][1] = i + 1
        elif not line.startswith(" "):
            break
        else:
            return None
    if not blocks:
        return None
    if lang in blocks:
        first, after = blocks[lang]
        return "\n".join(lines[:first] + new_block + lines[after:])
    earlier = [code for code in order[:order.index(lang)] if code in blocks] if lang in order else list(blocks)
    at = max(blocks[code][1] for code in earlier) if earlier else min(first for first, _ in blocks.values())
    return "\n".join(lines[:at] + new_block + lines[at:])


def _write_atomically(path: Path, text: str) -> None:
    """A reader (the index watcher, an editor) sees the old file or the new one, never half of it."""
    temporary = path.with_name(f".{path.name}.kb-import")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


__all__ = ["CREATED", "MERGED", "apply_mapping", "merge_text", "set_text", "text_block"]
