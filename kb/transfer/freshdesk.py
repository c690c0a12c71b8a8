"""Freshdesk canned responses (``/api/v2/canned_responses``) and their folders.

Freshdesk lists responses per folder (``GET /api/v2/canned_response_folders`` and
``GET /api/v2/canned_response_folders/{id}/responses``), so the file may be any of: a list
of responses; ``{"folders": [...], "canned_responses": [...]}``; or a list of folders each
with its ``canned_responses``. A folder's name becomes the category. ``content_html`` (the
text the agent sees) is preferred over the derived plain ``content``. Freshdesk has one
language per response: ``--lang`` says which.
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
    json_text,
    load_json,
    strip_escalation_mark,
)
from kb.transfer.htmltext import html_to_text, text_to_html
from kb.transfer.mapping import BRACES, to_vastaus

NAME = "freshdesk"
HELPDESK = "freshdesk"
SYNTAX = BRACES
DESCRIPTION = N_("Freshdesk canned responses (/api/v2/canned_responses) with their folders")
# Freshdesk appends each agent's signature to what they send, so responses often end without one
# (kb.transfer.closing). Those that sign use {{ticket.agent.name}}, agent.first_name's name in kb.yaml.
SIGNS_ITSELF = True


def multilingual(options: ExportOptions) -> bool:
    return False


def _dicts(value: object) -> list[dict]:
    return [element for element in value if isinstance(element, dict)] if isinstance(value, list) else []


def _responses_and_folders(data: object) -> tuple[list[dict], dict[object, str]]:
    folders: dict[object, str] = {}
    responses: list[dict] = []
    if isinstance(data, dict):
        for folder in _dicts(data.get("folders") or data.get("canned_response_folders")):
            folders[folder.get("id")] = str(folder.get("name") or "")
            responses += [r for r in _dicts(folder.get("canned_responses")) if "title" in r]
        responses += _dicts(data.get("canned_responses"))
        if "title" in data and ("content" in data or "content_html" in data):
            responses.append(data)  # GET /api/v2/canned_responses/{id}: one response
    elif isinstance(data, list):
        for element in data:
            if not isinstance(element, dict):
                continue
            if "canned_responses" in element:  # a folder with its responses
                folders[element.get("id")] = str(element.get("name") or "")
                responses += _dicts(element["canned_responses"])
            else:
                responses.append(element)
    return responses, folders


def read(path: Path, options: ImportOptions) -> list[Record]:
    responses, folders = _responses_and_folders(load_json(path))
    if not responses:
        raise TransferError(gettext("%(path)s has no canned responses: give the JSON of GET "
                                    "/api/v2/canned_response_folders/{id}/responses") % {"path": path})
    report, records, seen = options.report, [], set()
    for response in responses:
        if response.get("id") is not None and response["id"] in seen:
            continue  # listed both in its folder and on its own
        seen.add(response.get("id"))
        where = gettext("freshdesk canned response %(id)s %(title)r") % {"id": response.get("id", "?"),
                                                                         "title": response.get("title", "")}
        html = response.get("content_html")
        if isinstance(html, str) and html.strip():
            body, dropped = html_to_text(html)
            report.html_converted += 1
            report.html_removed += dropped
        else:
            body = str(response.get("content") or "")
        if not body.strip():
            report.note(gettext("%(where)s: has no text; not imported") % {"where": where})
            continue
        if response.get("attachments"):
            report.note(gettext("%(where)s: its attachments were not imported (snippets are text only)")
                        % {"where": where})
        title = to_vastaus(str(response.get("title") or ""), options.settings, HELPDESK, SYNTAX, report, where)
        title = strip_escalation_mark(title, where, report) or where
        text = RecordText(title, to_vastaus(body, options.settings, HELPDESK, SYNTAX, report, where))
        category = folders.get(response.get("folder_id"))
        if response.get("folder_id") is not None and category is None:
            report.note(gettext("%(where)s: folder %(folder)s is not in the file; give the folders too to keep it as the "
                                "category") % {"where": where, "folder": response.get("folder_id")})
        records.append(Record(where, {options.lang: text}, category))
    return records


def write(entries: list[ExportEntry], options: ExportOptions) -> str:
    folders: dict[str, int] = {}
    responses = []
    for entry in entries:
        text = next(iter(entry.texts.values()))
        folder_id = folders.setdefault(entry.category or "general", len(folders) + 1)
        responses.append({"title": text.title, "folder_id": folder_id, "content": text.body,
                          "content_html": text_to_html(text.body), "visibility": 0, "attachments": []})
    return json_text({"folders": [{"id": number, "name": name} for name, number in folders.items()],
                      "canned_responses": responses})
