"""Zendesk Support macros (``GET /api/v2/macros``) with their Dynamic Content (``{{dc.name}}``).

A macro's reply is its ``comment_value`` action (plain text) or ``comment_value_html``
action (converted to text). Zendesk groups macros in menus by title: ``Toimitus::Paketti
myöhässä`` is the category ``toimitus`` and the title ``Paketti myöhässä``. A macro whose
title or reply uses Dynamic Content placeholders becomes one snippet with a language per
variant of the items it uses (from ``GET /api/v2/dynamic_content/items``, in the same file
under ``items`` or in ``--dynamic-content FILE``). Variants name their language by
``locale_id``, resolved with ``GET /api/v2/locales`` (``locales`` in the file or
``--locales FILE``; Zendesk documents only id 1, ``en-US``), or by a ``locale`` code.

Export writes macros in one language, or with ``--dynamic-content`` a macro per snippet
whose title and reply are Dynamic Content items with a variant per language.
"""

from __future__ import annotations

import re
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
    json_text,
    load_json,
    strip_escalation_mark,
)
from kb.transfer.htmltext import html_to_text, looks_like_html
from kb.transfer.mapping import BRACES, to_vastaus

NAME = "zendesk"
HELPDESK = "zendesk"
SYNTAX = BRACES
DESCRIPTION = N_("Zendesk macros (GET /api/v2/macros) with Dynamic Content items")
KNOWN_LOCALES = {1: "en-US"}  # the one locale id Zendesk's documentation states; the rest come from --locales
DC = re.compile(r"\{\{\s*dc\.([A-Za-z0-9_]+)\s*\}\}")


def multilingual(options: ExportOptions) -> bool:
    return options.dynamic_content


def _dicts(value: object) -> list[dict]:
    return [element for element in value if isinstance(element, dict)] if isinstance(value, list) else []


def _list(data: object, key: str) -> list:
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        value = data.get(key)
        if isinstance(value, list):
            return value
        single = data.get(key.rstrip("s"))
        if isinstance(single, dict):
            return [single]
    return []


def _locale_codes(data: object, options: ImportOptions | ExportOptions) -> dict[int, str]:
    codes = dict(KNOWN_LOCALES)
    sources = [data] + ([load_json(options.locales)] if options.locales else [])
    for source in sources:
        for locale in _list(source, "locales"):
            if isinstance(locale, dict) and isinstance(locale.get("id"), int) and isinstance(locale.get("locale"), str):
                codes[locale["id"]] = locale["locale"]
    return codes


def _dynamic_content(data: object, options: ImportOptions) -> dict[str, dict[str, str]]:
    """Placeholder name -> language -> content, from every item given."""
    items = _list(data, "items") if isinstance(data, dict) else []
    if options.dynamic_content:
        items = items + _list(load_json(options.dynamic_content), "items")
    codes = _locale_codes(data, options)
    found: dict[str, dict[str, str]] = {}
    for item in items:
        if not isinstance(item, dict):
            continue
        placeholder = DC.search(str(item.get("placeholder") or ""))
        name = placeholder.group(1) if placeholder else re.sub(r"\s+", "_", str(item.get("name", "")).strip().lower())
        where = gettext("zendesk dynamic content %(name)s") % {"name": SYNTAX.render(f"dc.{name}")}
        variants = found.setdefault(name, {})
        for variant in _dicts(item.get("variants")):
            lang = _variant_lang(variant, codes, options, where)
            if lang is None or not isinstance(variant.get("content"), str):
                continue
            if lang in variants and not variant.get("default"):
                options.report.note(gettext("%(where)s: a second %(lang)s variant was left out") % {"where": where,
                                                                                                  "lang": lang})
                continue
            variants[lang] = variant["content"]
    return found


def _variant_lang(variant: dict, codes: dict[int, str], options: ImportOptions, where: str) -> str | None:
    if variant.get("active") is False:
        options.report.note(gettext("%(where)s: an inactive variant was left out") % {"where": where})
        return None
    code = variant.get("locale") or codes.get(variant.get("locale_id"))
    if not isinstance(code, str):
        options.report.note(gettext("%(where)s: locale id %(id)s is unknown; give the account's locales with "
                                    "--locales FILE (GET /api/v2/locales)") % {"where": where, "id": variant.get("locale_id")})
        return None
    lang = code.split("-")[0].lower()
    if lang not in options.settings.languages:
        options.report.note(gettext("%(where)s: the %(locale)s variant was left out: not a language of kb.yaml")
                            % {"where": where, "locale": code})
        return None
    return lang


def _comment(macro: dict) -> tuple[str | None, bool]:
    """The macro's reply and whether it is HTML; plain ``comment_value`` wins when both are set."""
    values = {}
    for action in _dicts(macro.get("actions")):
        if action.get("field") in ("comment_value", "comment_value_html"):
            value = action.get("value")
            if isinstance(value, list):  # older macros: ["channel:all", "text"]
                value = next((v for v in reversed(value) if isinstance(v, str)), None)
            if isinstance(value, str) and value.strip():
                values[action["field"]] = value
    if "comment_value" in values:
        return values["comment_value"], False
    if "comment_value_html" in values:
        return values["comment_value_html"], True
    return None, False


def read(path: Path, options: ImportOptions) -> list[Record]:
    data = load_json(path)
    macros = _list(data, "macros")
    if not macros and not (isinstance(data, dict) and "macros" in data):
        raise TransferError(gettext("%(path)s has no macros: give the JSON of GET /api/v2/macros") % {"path": path})
    dynamic = _dynamic_content(data, options)
    report = options.report
    records = []
    for macro in macros:
        if not isinstance(macro, dict):
            continue
        where = gettext("zendesk macro %(id)s %(title)r") % {"id": macro.get("id", "?"), "title": macro.get("title", "")}
        if macro.get("active") is False:
            report.note(gettext("%(where)s: inactive; not imported") % {"where": where})
            continue
        body, is_html = _comment(macro)
        if body is None:
            report.note(gettext("%(where)s: has no reply text (it only changes ticket fields); not imported")
                        % {"where": where})
            continue
        parts = [part.strip() for part in str(macro.get("raw_title") or macro.get("title") or "").split("::")]
        category = "::".join(parts[:-1]) or None
        texts = {}
        for lang in _languages(parts[-1] + body, dynamic, options, where):
            title = _resolve(parts[-1], dynamic, lang)
            text = _resolve(body, dynamic, lang)
            if is_html or looks_like_html(text):
                text, dropped = html_to_text(text)
                report.html_converted += 1
                report.html_removed += dropped
            title = strip_escalation_mark(to_vastaus(title, options.settings, HELPDESK, SYNTAX, report, where), where, report)
            title = title or gettext("Zendesk macro %(id)s") % {"id": macro.get("id", "?")}
            texts[lang] = RecordText(title, to_vastaus(text, options.settings, HELPDESK, SYNTAX, report, where))
        description = clean_text(str(macro.get("description") or ""))
        guidance_lang = options.settings.source_lang if options.settings.source_lang in texts else next(iter(texts), None)
        guidance = {guidance_lang: description} if description and guidance_lang else {}
        records.append(Record(where, texts, category, guidance=guidance))
    return records


def _languages(text: str, dynamic: dict[str, dict[str, str]], options: ImportOptions, where: str) -> list[str]:
    """The languages a macro is available in: those of every Dynamic Content item it uses."""
    langs: set[str] | None = None
    for name in dict.fromkeys(DC.findall(text)):
        variants = dynamic.get(name)
        if not variants:
            options.report.unmapped_once(gettext("%(where)s: {{dc.%(name)s}} has no dynamic content item; give the "
                                                 "items with --dynamic-content FILE (GET /api/v2/dynamic_content/items)")
                                         % {"where": where, "name": name})
            continue
        langs = set(variants) if langs is None else langs & set(variants)
    if langs is None:
        return [options.lang]
    if not langs:
        options.report.note(gettext("%(where)s: its dynamic content items have no language in common") % {"where": where})
    return [lang for lang in options.settings.languages if lang in langs]


def _resolve(text: str, dynamic: dict[str, dict[str, str]], lang: str) -> str:
    return DC.sub(lambda m: dynamic[m.group(1)][lang] if lang in dynamic.get(m.group(1), {}) else m.group(0), text)


# -- export -------------------------------------------------------------------------------------


def write(entries: list[ExportEntry], options: ExportOptions) -> str:
    macros, items = [], []
    codes = {}
    if options.dynamic_content:
        by_lang: dict[str, tuple[int, str]] = {}
        for locale_id, code in sorted(_locale_codes({}, options).items()):
            lang = code.split("-")[0].lower()
            if lang not in by_lang or code.lower() == lang:
                by_lang[lang] = (locale_id, code)
        codes = by_lang
    for entry in entries:
        category = "::".join(entry.category.split("/"))
        description = next((t.guidance for t in entry.texts.values() if t.guidance), None)
        if options.dynamic_content:
            base = "vastaus_" + re.sub(r"[^a-z0-9]+", "_", entry.id)
            items.append(_item(f"{base}_title", {lang: t.title for lang, t in entry.texts.items()}, codes, options))
            items.append(_item(f"{base}_body", {lang: t.body for lang, t in entry.texts.items()}, codes, options))
            title, body = SYNTAX.render(f"dc.{base}_title"), SYNTAX.render(f"dc.{base}_body")
        else:
            text = next(iter(entry.texts.values()))
            title, body = text.title, text.body
        full_title = f"{category}::{title}" if category else title
        macros.append({"title": full_title, "raw_title": full_title, "active": True, "description": description,
                       "actions": [{"field": "comment_value", "value": body}]})
    data: dict = {"macros": macros, "next_page": None, "count": len(macros)}
    if options.dynamic_content:
        data["items"] = items
    return json_text(data)


def _item(name: str, contents: dict[str, str], codes: dict[str, tuple[int, str]], options: ExportOptions) -> dict:
    source = options.settings.source_lang
    variants = []
    for lang, content in contents.items():
        locale_id, code = codes.get(lang, (None, lang))
        if locale_id is None:
            options.report.note(gettext("no Zendesk locale id for %(lang)s: variants carry only \"locale\"; give "
                                        "--locales FILE (GET /api/v2/locales) before creating the items")
                                % {"lang": lang})
        variant = {"locale": code, "default": lang == source, "active": True, "content": content}
        if locale_id is not None:
            variant["locale_id"] = locale_id
        variants.append(variant)
    default = codes.get(source, (None, source))[0]
    return {"name": name, "placeholder": SYNTAX.render(f"dc.{name}"), "default_locale_id": default, "variants": variants}
