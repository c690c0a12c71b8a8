"""A spreadsheet of replies saved as CSV: one row per snippet and language.

Columns ``id,lang,title,body,short,keywords,tags,guidance`` (only ``title`` and ``body`` are
required; the first row names them, in any order). Rows with the same ``id`` are one
snippet's languages; a row without an id is a snippet of its own, its id made from its
title. ``lang`` defaults to ``--lang``. Keywords and tags are separated by semicolons.
Placeholders are Vastaus's own, ``{{customer.first_name}}``. Spreadsheets in Finnish and
Estonian locales save CSV with semicolons and a byte-order mark: both are read, and export
writes the mark so that Excel opens the file as UTF-8.
"""

from __future__ import annotations

from pathlib import Path

from kb.i18n import N_, gettext
from kb.transfer.common import (
    ExportEntry,
    ExportOptions,
    ImportOptions,
    Record,
    RecordText,
    csv_text,
    read_csv,
    report_formulas,
    restore,
    split_list,
    strip_escalation_mark,
)
from kb.transfer.mapping import BRACES, to_vastaus

NAME = "sheet"
HELPDESK = None
SYNTAX = BRACES
DESCRIPTION = N_("a spreadsheet saved as CSV: one row per snippet and language")
COLUMNS = ["id", "lang", "title", "body", "short", "keywords", "tags", "guidance"]
BOM = "\ufeff"


def multilingual(options: ExportOptions) -> bool:
    return True


def read(path: Path, options: ImportOptions) -> list[Record]:
    report = options.report
    records: dict[str, Record] = {}
    for number, row in enumerate(read_csv(path, ("title", "body")), start=2):
        lang = (row.get("lang") or "").strip().lower() or options.lang
        snippet_id = (row.get("id") or "").strip()
        where = gettext("sheet line %(line)d (%(id)s)") % {"line": number, "id": snippet_id or row["title"]}
        report_formulas(row, where, report)
        row = {column: restore(value) for column, value in row.items()}
        if not row["title"].strip() or not row["body"].strip():
            report.note(gettext("%(where)s: has no title or no body; not imported") % {"where": where})
            continue
        if lang not in options.settings.languages:
            report.note(gettext("%(where)s: not imported: %(lang)s is not a language of kb.yaml") % {"where": where,
                                                                                                  "lang": lang})
            continue
        key = snippet_id or f"#{number}"
        record = records.setdefault(key, Record(where, {}, id=snippet_id or None))
        if lang in record.texts:
            report.note(gettext("%(where)s: a second %(lang)s row for this id; not imported") % {"where": where,
                                                                                              "lang": lang})
            continue

        def vastaus(value: str, where: str = where) -> str:
            return to_vastaus(value, options.settings, None, SYNTAX, report, where)

        title = strip_escalation_mark(vastaus(row["title"]), where, report)
        short = vastaus(row["short"]) if (row.get("short") or "").strip() else None
        record.texts[lang] = RecordText(title, vastaus(row["body"]), short, split_list(row.get("keywords")))
        record.tags += [tag for tag in split_list(row.get("tags")) if tag not in record.tags]
        if (row.get("guidance") or "").strip():
            record.guidance[lang] = row["guidance"]
    return list(records.values())


def write(entries: list[ExportEntry], options: ExportOptions) -> str:
    rows = []
    for entry in entries:
        for lang, text in entry.texts.items():
            rows.append([entry.id, lang, text.title, text.body, text.short or "", "; ".join(text.keywords),
                         "; ".join(entry.tags), text.guidance or ""])
    return BOM + csv_text(COLUMNS, rows)
