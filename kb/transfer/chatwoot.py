"""Chatwoot canned responses (``GET /api/v1/accounts/{account_id}/canned_responses``).

A canned response is a ``short_code`` (what agents type after ``/``) and its ``content``;
there is no title, folder or language. The short code becomes the id and, with its dashes
and underscores as spaces, the title. ``--lang`` says which language the file is in.
Export writes the snippet's id with ``/`` as ``-`` as the short code (``esc-`` in front for
an escalation, whose content stays exactly as approved).
"""

from __future__ import annotations

import re
from pathlib import Path

from kb.i18n import N_, gettext
from kb.transfer.common import (
    SHORT_CODE_MARK,
    ExportEntry,
    ExportOptions,
    ImportOptions,
    Record,
    RecordText,
    TransferError,
    json_text,
    load_json,
)
from kb.transfer.htmltext import html_to_text, looks_like_html
from kb.transfer.mapping import BRACES, to_vastaus

NAME = "chatwoot"
HELPDESK = "chatwoot"
SYNTAX = BRACES
DESCRIPTION = N_("Chatwoot canned responses (GET /api/v1/accounts/{id}/canned_responses)")


def multilingual(options: ExportOptions) -> bool:
    return False


def read(path: Path, options: ImportOptions) -> list[Record]:
    data = load_json(path)
    if isinstance(data, dict):
        data = data.get("payload") or data.get("canned_responses") or ([data] if "short_code" in data else [])
    if not isinstance(data, list) or not data:
        raise TransferError(gettext("%(path)s has no canned responses: give the JSON of GET "
                                    "/api/v1/accounts/{account_id}/canned_responses") % {"path": path})
    report, records = options.report, []
    for response in data:
        if not isinstance(response, dict):
            continue
        code = str(response.get("short_code") or "").strip()
        where = gettext("chatwoot canned response %(id)s %(code)r") % {"id": response.get("id", "?"), "code": code}
        content = str(response.get("content") or "")
        if not code or not content.strip():
            report.note(gettext("%(where)s: has no short code or no content; not imported") % {"where": where})
            continue
        if looks_like_html(content):
            content, dropped = html_to_text(content)
            report.html_converted += 1
            report.html_removed += dropped
        if code.startswith(SHORT_CODE_MARK):
            code = code[len(SHORT_CODE_MARK):]
            report.note(gettext("%(source)s: was exported as an escalation; imported as a reply (an escalation needs "
                                "triggers and `kb approve`)") % {"source": where})
        title = re.sub(r"[-_\s]+", " ", code).strip()
        title = title[:1].upper() + title[1:]
        text = RecordText(title, to_vastaus(content, options.settings, HELPDESK, SYNTAX, report, where))
        records.append(Record(where, {options.lang: text}))
    return records


def write(entries: list[ExportEntry], options: ExportOptions) -> str:
    responses = []
    for entry in entries:
        text = next(iter(entry.texts.values()))
        code = entry.id.replace("/", "-")
        responses.append({"short_code": SHORT_CODE_MARK + code if entry.escalation else code, "content": text.body})
    return json_text(responses)
