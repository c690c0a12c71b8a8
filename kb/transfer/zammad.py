"""Zammad text modules: the CSV of *Manage > Text modules > Import* (``name,keywords,content,note,active``).

Import also reads the JSON of ``GET /api/v1/text_modules`` (the same fields), which lists
every text module where the CSV example Zammad offers holds only a few. Zammad stores
``content`` (and ``note``) as HTML and turns plain text into HTML on import, so both are
read. Its placeholders are ``#{ticket.customer.firstname}``. ``keywords`` is one free-text
field: commas (or semicolons) separate keywords. ``note`` is advice for agents, which is a
snippet's ``guidance``. Other columns (``id``, ``groups``, timestamps) are ignored. Zammad
has one language per text module: ``--lang`` says which.
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
    TransferError,
    clean_text,
    csv_text,
    load_json,
    read_csv,
    report_formulas,
    restore,
    split_list,
    strip_escalation_mark,
)
from kb.transfer.htmltext import html_to_text, looks_like_html, text_to_html
from kb.transfer.mapping import HASH_BRACE, to_vastaus

NAME = "zammad"
HELPDESK = "zammad"
SYNTAX = HASH_BRACE
DESCRIPTION = N_("Zammad text modules (CSV of Manage > Text modules > Import)")
COLUMNS = ["name", "keywords", "content", "note", "active"]


def multilingual(options: ExportOptions) -> bool:
    return False


def _plain(value: str, options: ImportOptions) -> str:
    if not looks_like_html(value):
        return value
    text, dropped = html_to_text(value)
    options.report.html_converted += 1
    options.report.html_removed += dropped
    return text


def _rows(path: Path) -> list[tuple[str, dict[str, str]]]:
    """(where in the file, row) for the CSV, or for the JSON list of the API."""
    if path.suffix.lower() != ".json":
        return [(gettext("line %(line)d") % {"line": number}, row)
                for number, row in enumerate(read_csv(path, ("name", "content")), start=2)]
    data = load_json(path)
    if not isinstance(data, list) or not all(isinstance(item, dict) and "name" in item for item in data):
        raise TransferError(gettext("%(path)s is not a list of text modules: give the JSON of GET /api/v1/text_modules")
                            % {"path": path})
    return [(gettext("id %(id)s") % {"id": item.get("id", "?")},
             {key: "" if item.get(key) is None else str(item[key]).lower() if key == "active" else str(item[key])
              for key in COLUMNS}) for item in data]


def read(path: Path, options: ImportOptions) -> list[Record]:
    report, records = options.report, []
    for place, row in _rows(path):
        where = gettext("zammad text module %(title)r (%(place)s)") % {"title": row["name"], "place": place}
        report_formulas(row, where, report)
        row = {column: restore(value) for column, value in row.items()}
        if row.get("active", "").strip().lower() in ("false", "0", "no"):
            report.note(gettext("%(where)s: inactive; not imported") % {"where": where})
            continue
        body = _plain(row["content"], options)
        if not body.strip():
            report.note(gettext("%(where)s: has no text; not imported") % {"where": where})
            continue
        title = strip_escalation_mark(to_vastaus(row["name"], options.settings, HELPDESK, SYNTAX, report, where),
                                      where, report)
        text = RecordText(title or where, to_vastaus(body, options.settings, HELPDESK, SYNTAX, report, where),
                          keywords=split_list(row.get("keywords")))
        note = clean_text(_plain(row.get("note") or "", options))
        records.append(Record(where, {options.lang: text}, guidance={options.lang: note} if note else {}))
    return records


def write(entries: list[ExportEntry], options: ExportOptions) -> str:
    rows, names = [], {}
    for entry in entries:
        text = next(iter(entry.texts.values()))
        if text.title in names:
            options.report.note(gettext("%(id)s and %(other)s have the same title %(title)r: Zammad finds text modules "
                                        "by name, so its import would merge them") % {"id": entry.id,
                                                                                      "other": names[text.title],
                                                                                      "title": text.title})
        names.setdefault(text.title, entry.id)
        separator = "; " if any("," in keyword for keyword in text.keywords) else ", "
        rows.append([text.title, separator.join(text.keywords), text_to_html(text.body), text.guidance or "", "true"])
    return csv_text(COLUMNS, rows)
