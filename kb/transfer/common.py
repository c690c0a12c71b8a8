"""What every import and export format shares: the intermediate record, the report, ids.

A format module only knows its helpdesk's file layout. It reads a file into
:class:`Record` objects (texts already in Vastaus's placeholder syntax and plain text) and
writes :class:`ExportEntry` objects (texts already in the helpdesk's syntax); everything
that must behave the same in every format lives here or in the modules next to this one.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kb.i18n import gettext

if TYPE_CHECKING:
    from kb.content.kbyaml import KBSettings

# Marks an escalation's title in every format that has titles (agents must see that the
# wording is approved and may not be edited); Chatwoot has no titles and gets SHORT_CODE_MARK.
ESCALATION_MARK = "[escalation] "
SHORT_CODE_MARK = "esc-"
DEFAULT_CATEGORY = "imported"
MAX_SLUG = 60

# Letters of Finnish and Estonian folded to ASCII as people write them in addresses and ids;
# other accented letters lose their accent through Unicode decomposition.
_FOLD = str.maketrans({"ä": "a", "ö": "o", "õ": "o", "ü": "u", "š": "s", "ž": "z", "å": "a", "ß": "ss", "æ": "ae",
                       "ø": "o"})
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class TransferError(Exception):
    """The input file cannot be read as the format says, or an option is wrong: nothing was written."""


@dataclass
class RecordText:
    """One language of an imported reply, in Vastaus's placeholder syntax and as plain text."""

    title: str
    body: str
    short: str | None = None
    keywords: list[str] = field(default_factory=list)


@dataclass
class Record:
    """One reply read from a helpdesk file, before it gets an id and becomes a snippet file."""

    source: str  # how the summary names it: "zendesk macro 360001 'Refund'"
    texts: dict[str, RecordText]  # language -> text
    category: str | None = None  # folder or category name in the source, as written there
    id: str | None = None  # only formats that carry Vastaus ids (the sheet)
    tags: list[str] = field(default_factory=list)
    guidance: dict[str, str] = field(default_factory=dict)


@dataclass
class ExportText:
    """One language of an exported snippet, in the helpdesk's placeholder syntax."""

    title: str
    body: str
    short: str | None = None
    keywords: list[str] = field(default_factory=list)
    guidance: str | None = None


@dataclass
class ExportEntry:
    """One snippet as a format writer receives it."""

    id: str
    escalation: bool
    tags: list[str]
    texts: dict[str, ExportText]  # one language, or every language for multilingual output

    @property
    def category(self) -> str:
        return self.id.rsplit("/", 1)[0] if "/" in self.id else ""

    @property
    def name(self) -> str:
        return self.id.rsplit("/", 1)[-1]


@dataclass
class Report:
    """What an import or export could not carry over as it was: nothing is dropped silently."""

    unmapped: list[str] = field(default_factory=list)  # placeholders without a counterpart
    notes: list[str] = field(default_factory=list)  # everything else worth knowing
    html_converted: int = 0  # texts converted from HTML
    html_removed: int = 0  # of those, texts where scripts, styles or embedded objects were dropped

    def unmapped_once(self, message: str) -> None:
        if message not in self.unmapped:
            self.unmapped.append(message)

    def note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)


@dataclass
class ImportOptions:
    """What ``kb import`` was asked for, handed to a format's reader."""

    settings: KBSettings
    lang: str  # the language of single-language files
    report: Report
    dynamic_content: Path | None = None  # Zendesk: GET /api/v2/dynamic_content/items
    locales: Path | None = None  # Zendesk: GET /api/v2/locales


@dataclass
class ExportOptions:
    """What ``kb export`` was asked for, handed to a format's writer."""

    settings: KBSettings
    lang: str | None  # None: every language, for formats that carry several
    report: Report
    dynamic_content: bool = False  # Zendesk: every language through dynamic content items
    locales: Path | None = None


def fold(text: str) -> str:
    """Lower case ASCII letters for *text*: ``Häiriö Õhtul`` -> ``hairio ohtul``."""
    folded = text.lower().translate(_FOLD)
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def slug(text: str, fallback: str = "reply") -> str:
    """A part of an id made from a title: lower-case ASCII words joined by ``-``, at most 60 characters."""
    words = _NOT_SLUG.sub("-", fold(text)).strip("-")
    if len(words) > MAX_SLUG:
        cut = words[:MAX_SLUG]
        words = cut.rsplit("-", 1)[0] if "-" in cut[MAX_SLUG // 2:] else cut
    return words.strip("-") or fallback


def category_path(name: str | None) -> str:
    """A category (a folder under responses/) from a folder name such as ``Toimitus / Paketit``."""
    if not name:
        return DEFAULT_CATEGORY
    parts = [slug(part, "") for part in re.split(r"[/\\]|::", name)]
    return "/".join(part for part in parts if part) or DEFAULT_CATEGORY


def unique_id(wanted: str, taken: set[str]) -> str:
    """*wanted*, or *wanted*-2, -3 ... when an earlier record of the same import has it."""
    candidate, number = wanted, 2
    while candidate in taken:
        candidate = f"{wanted}-{number}"
        number += 1
    taken.add(candidate)
    return candidate


def clean_text(text: str) -> str:
    """Plain text fit for a snippet file: LF line endings, no tabs or control characters,
    no trailing spaces, no blank lines at either end."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ").replace("\xa0", " ")
    text = _CONTROL.sub("", text)
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n").strip()


def split_list(value: str | None) -> list[str]:
    """Keywords or tags from one cell: ``a; b; c``, or ``a, b, c`` when there is no semicolon."""
    if not value:
        return []
    separator = ";" if ";" in value else ","
    return [item.strip() for item in value.split(separator) if item.strip()]


def strip_escalation_mark(title: str, source: str, report: Report) -> str:
    """A title exported by Vastaus for an escalation, without its mark (reported)."""
    if not title.startswith(ESCALATION_MARK):
        return title
    report.note(gettext("%(source)s: was exported as an escalation; imported as a reply (an escalation needs "
                        "triggers and `kb approve`)") % {"source": source})
    return title[len(ESCALATION_MARK):].strip()


def mark_title(title: str, escalation: bool) -> str:
    return ESCALATION_MARK + title if escalation else title


def load_json(path: Path) -> object:
    """The JSON document in *path*; :class:`TransferError` when it is not one."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise TransferError(gettext("cannot read %(path)s: %(reason)s") % {"path": path, "reason": exc.strerror}) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TransferError(gettext("%(path)s is not a JSON file: %(reason)s") % {"path": path, "reason": exc}) from exc
    except RecursionError:
        raise TransferError(gettext("%(path)s is nested too deeply to be an export of a helpdesk") % {"path": path}) from None


def read_csv(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    """Rows of a CSV file as mappings of lower-case column name to text.

    Spreadsheets save with a byte-order mark and, in Finnish and Estonian locales, with
    semicolons: both are accepted.
    """
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:  # the csv module reads line ends itself
            text = handle.read()
    except OSError as exc:
        raise TransferError(gettext("cannot read %(path)s: %(reason)s") % {"path": path, "reason": exc.strerror}) from exc
    except UnicodeDecodeError as exc:
        raise TransferError(gettext("%(path)s is not UTF-8 text; save it as CSV UTF-8") % {"path": path}) from exc
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise TransferError(gettext("%(path)s is not a valid CSV file: %(reason)s") % {"path": path, "reason": exc}) from exc
    if not rows:
        raise TransferError(gettext("%(path)s is empty") % {"path": path})
    header = [column.strip().lower() for column in rows[0]]
    missing = [column for column in required if column not in header]
    if missing:
        raise TransferError(gettext("%(path)s has no column %(columns)s; its first row must name the columns")
                            % {"path": path, "columns": ", ".join(missing)})
    return [{column: (row[i] if i < len(row) else "") for i, column in enumerate(header)}
            for row in rows[1:] if any(cell.strip() for cell in row)]


# OWASP's rule for CSV injection: a cell starting with one of these is run as a formula by
# Excel, LibreOffice and Google Sheets (=HYPERLINK(...), +cmd|..., @SUM). Export writes such a
# cell with a leading apostrophe, which every spreadsheet shows as text and hides; import
# takes the apostrophe away again and reports unescaped ones.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """*cell* as a spreadsheet will not run it."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def restore(cell: str) -> str:
    """The text a :func:`neutralise`\\ d cell stood for."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_START) else cell


def formula_columns(row: dict[str, str]) -> list[str]:
    """The columns of a row read by :func:`read_csv` that a spreadsheet would run as formulas."""
    return [column for column, value in row.items() if isinstance(value, str) and value.startswith(FORMULA_START)]


def report_formulas(row: dict[str, str], where: str, report: Report) -> None:
    columns = formula_columns(row)
    if columns:
        report.note(gettext("%(where)s: %(columns)s starts like a spreadsheet formula (= + - @); imported as text, "
                            "but do not open the file in a spreadsheet") % {"where": where, "columns": ", ".join(columns)})


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    """CSV with every formula-looking cell neutralised (:data:`FORMULA_START`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    # The csv module quotes a cell holding the line terminator, not one holding a lone CR,
    # which every reader takes for the end of a line: such rows are quoted in full.
    quoted = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(header)
    for row in rows:
        cells = [neutralise(cell) if isinstance(cell, str) else cell for cell in row]
        (quoted if any(isinstance(cell, str) and "\r" in cell for cell in cells) else writer).writerow(cells)
    return buffer.getvalue()


def json_text(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
