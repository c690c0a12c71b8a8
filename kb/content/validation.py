"""Turn one parsed snippet file into a :class:`Snippet`, collecting every problem on the way.

Validation never stops at the first problem: an editor fixing a file wants the whole list.
A snippet with any error is not built (``None``), so nothing half-valid reaches the index.
"""

from __future__ import annotations

import datetime
import difflib
import re
from pathlib import Path

from kb.content.digest import texts_digest
from kb.content.kbyaml import KBSettings
from kb.content.model import (
    APPROVAL_FIELDS,
    DEFAULT_PRIORITY,
    KINDS,
    PRIORITIES,
    SNIPPET_FIELDS,
    TEXT_FIELDS,
    TEXT_PARTS,
    Approval,
    Snippet,
    Text,
)
from kb.content.placeholders import longest_length, malformed_placeholders, placeholders
from kb.content.problems import Problem
from kb.content.prompts import is_unwritten
from kb.content.yamlsafe import LineDict
from kb.i18n import N_, gettext

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9_-]*)*$")
_PY_TYPES = {"string": str, "integer": int, "array": list, "object": dict, "langmap": dict}
_TYPE_WORDS = {"string": N_("text"), "integer": N_("a whole number"), "array": N_("a list"),
               "object": N_("a mapping"), "langmap": N_("a mapping of language code to value"),
               "date": N_("a date (YYYY-MM-DD)")}


class _Collector:
    def __init__(self, path: Path):
        self.path = path
        self.problems: list[Problem] = []

    def add(self, line: int, code: str, message: str) -> None:
        self.problems.append(Problem(self.path, line, code, message))

    @property
    def has_errors(self) -> bool:
        return any(problem.is_error for problem in self.problems)


def _is_type(value: object, type_name: str) -> bool:
    if type_name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "date":
        return isinstance(value, datetime.date) or (
            isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is not None
        )
    return isinstance(value, _PY_TYPES[type_name])


def _check_fields(out: _Collector, data: LineDict, specs, where: str | None) -> None:
    """Unknown, missing and wrongly typed fields of one mapping (*where* None: the snippet's top level)."""
    known = {spec.name: spec for spec in specs}
    for key in data:
        if key not in known:
            guess = difflib.get_close_matches(str(key), known, n=1)
            values = {"field": repr(key), "where": where}
            message = (gettext("unknown field %(field)s in %(where)s") % values if where
                       else gettext("unknown field %(field)s in the snippet") % values)
            also = (gettext("did you mean %(guess)s?") % {"guess": repr(guess[0])} if guess
                    else gettext("known fields: %(fields)s") % {"fields": ", ".join(known)})
            out.add(data.line_of(key), "KB011", f"{message}; {also}")
    for spec in specs:
        values = {"field": repr(spec.name), "where": where}
        if spec.name not in data:
            if spec.required:
                values["doc"] = gettext(spec.doc)
                out.add(data.line, "KB012", gettext("%(where)s has no %(field)s: %(doc)s") % values if where
                        else gettext("the snippet has no %(field)s: %(doc)s") % values)
            continue
        value = data[spec.name]
        if not _is_type(value, spec.type):
            values.update(type=gettext(_TYPE_WORDS[spec.type]), actual=type(value).__name__)
            out.add(data.line_of(spec.name), "KB013",
                    gettext("%(field)s in %(where)s must be %(type)s, not %(actual)s") % values if where
                    else gettext("%(field)s in the snippet must be %(type)s, not %(actual)s") % values)
        elif spec.type == "array" and any(not isinstance(item, str) or not item.strip() for item in value):
            out.add(data.line_of(spec.name), "KB013",
                    gettext("every item of %(field)s in %(where)s must be non-empty text") % values if where
                    else gettext("every item of %(field)s in the snippet must be non-empty text") % values)


def _valid_fields(data: LineDict, specs) -> dict:
    """The fields of *data* that have their declared type (the rest were reported)."""
    return {spec.name: data[spec.name] for spec in specs if spec.name in data and _is_type(data[spec.name], spec.type)}


def build_snippet(
    path: Path, expected_id: str, data: object, settings: KBSettings, check_approval: bool = True
) -> tuple[Snippet | None, list[Problem]]:
    """Validate *data* parsed from *path*; *expected_id* is the path under responses/.

    ``check_approval=False`` is for ``kb approve``, which is about to write the approval.
    """
    out = _Collector(path)
    if not isinstance(data, LineDict):
        out.add(1, "KB010", gettext("the file must be a mapping of fields (id, kind, version, texts, ...)"))
        return None, out.problems
    _check_fields(out, data, SNIPPET_FIELDS, None)
    fields = _valid_fields(data, SNIPPET_FIELDS)

    snippet_id = fields.get("id")
    if snippet_id is not None and snippet_id != expected_id:
        out.add(data.line_of("id"), "KB014", gettext("id is %(id)s but the file's path says %(expected)s")
                % {"id": repr(snippet_id), "expected": repr(expected_id)})
    if not ID_PATTERN.match(expected_id):
        out.add(data.line_of("id"), "KB014",
                gettext("path %(path)s is not a valid id: use lower-case letters, digits, '-' and '/'")
                % {"path": repr(expected_id)})
    kind = fields.get("kind", "reply")
    if kind not in KINDS:
        out.add(data.line_of("kind"), "KB019", gettext("kind %(kind)s is not one of: %(choices)s")
                % {"kind": repr(kind), "choices": ", ".join(KINDS)})
    version = fields.get("version")  # None when missing or mistyped: already reported
    if version is not None and version < 1:
        out.add(data.line_of("version"), "KB019", gettext("version %(version)d must be 1 or more") % {"version": version})
    source_lang = fields.get("source_lang", settings.source_lang)
    if source_lang not in settings.languages:
        _unknown_language(out, data.line_of("source_lang"), "source_lang", source_lang, settings)
    channels = fields.get("channels")
    for channel in channels or []:
        if channel not in settings.channels:
            out.add(data.line_of("channels"), "KB018", gettext("channel %(channel)s is not one of: %(choices)s")
                    % {"channel": repr(channel), "choices": ", ".join(settings.channels)})
    resolved_channels = tuple(channels) if channels is not None else tuple(settings.channels)

    texts = _build_texts(out, data, fields.get("texts"), source_lang, version, settings)
    guidance = _langmap_of_text(out, data, "guidance", fields.get("guidance"), settings)
    triggers = _build_triggers(out, data, fields.get("triggers"), settings)
    approval = _build_approval(out, data, fields.get("approval"))

    if texts is not None:
        _check_placeholders(out, data, texts, source_lang, settings)
        _check_limits(out, data, texts, resolved_channels, settings)
    _check_escalation(out, data, kind, texts, approval, triggers, check_approval)
    priority = fields.get("priority", DEFAULT_PRIORITY)  # mistyped: already reported
    if priority not in PRIORITIES:
        out.add(data.line_of("priority"), "KB019", gettext("priority %(priority)d must be from %(low)d to %(high)d")
                % {"priority": priority, "low": PRIORITIES[0], "high": PRIORITIES[-1]})

    if out.has_errors or texts is None:
        return None, out.problems
    return Snippet(
        id=expected_id,
        kind=kind,
        version=version,
        source_lang=source_lang,
        texts=texts,
        channels=resolved_channels,
        tags=tuple(fields.get("tags", ())),
        guidance=guidance,
        approval=approval,
        triggers=triggers,
        priority=priority,
        path=path,
    ), out.problems


def _unknown_language(out: _Collector, line: int, where: str, lang: object, settings: KBSettings) -> None:
    out.add(line, "KB016", gettext("%(where)s: language %(lang)s is not one of: %(choices)s")
            % {"where": where, "lang": repr(lang), "choices": ", ".join(settings.languages)})


def _text_line(data: LineDict, lang: str, part: str | None = None) -> int:
    texts = data.get("texts")
    if not isinstance(texts, LineDict):
        return data.line_of("texts")
    text = texts.get(lang)
    if part is None or not isinstance(text, LineDict):
        return texts.line_of(lang)
    return text.line_of(part)


def _build_texts(out, data, raw, source_lang, version, settings) -> dict[str, Text] | None:
    if raw is None:
        return None
    texts: dict[str, Text] = {}
    for lang, entry in raw.items():
        line = raw.line_of(lang)
        if lang not in settings.languages:
            _unknown_language(out, line, "texts", lang, settings)
            continue
        if not isinstance(entry, LineDict):
            out.add(line, "KB013", gettext("texts.%(lang)s must be a mapping with title and body") % {"lang": lang})
            continue
        _check_fields(out, entry, TEXT_FIELDS, f"texts.{lang}")
        fields = _valid_fields(entry, TEXT_FIELDS)
        for part in TEXT_PARTS:
            if part in fields and not fields[part].strip():
                out.add(entry.line_of(part), "KB019",
                        gettext("texts.%(lang)s.%(part)s is empty; write the text or remove the field")
                        % {"lang": lang, "part": part})
            elif part in fields and is_unwritten(fields[part]):
                out.add(entry.line_of(part), "KB029",
                        gettext("texts.%(lang)s.%(part)s is still the prompt `kb new` wrote: %(text)s")
                        % {"lang": lang, "part": part, "text": repr(fields[part].strip())})
        followed = fields.get("source_version")
        values = {"lang": lang, "followed": followed, "version": version}
        if lang == source_lang and followed is not None:
            out.add(entry.line_of("source_version"), "KB011",
                    gettext("texts.%(lang)s is the source text; source_version is only for translations") % values)
            followed = None
        elif lang != source_lang:
            if followed is None and "source_version" not in entry:
                out.add(entry.line, "KB012",
                        gettext("texts.%(lang)s has no 'source_version': the source version it follows") % values)
            elif followed is None or version is None:
                pass
            elif followed > version:
                out.add(entry.line_of("source_version"), "KB024",
                        gettext("texts.%(lang)s.source_version is %(followed)d but the snippet's version is only "
                                "%(version)d") % values)
            elif followed < 1:
                out.add(entry.line_of("source_version"), "KB019",
                        gettext("texts.%(lang)s.source_version must be 1 or more") % values)
            elif followed < version:
                out.add(entry.line_of("source_version"), "KB030",
                        gettext("texts.%(lang)s follows version %(followed)d of the source text; the current version "
                                "is %(version)d") % values)
        if "title" in fields and "body" in fields:
            texts[lang] = Text(lang, fields["title"], fields["body"], fields.get("short"),
                               tuple(fields.get("keywords", ())), followed if lang != source_lang else None)
    if source_lang not in raw and source_lang in settings.languages:
        out.add(raw.line, "KB017", gettext("texts has no %(lang)s text, the snippet's source language")
                % {"lang": repr(source_lang)})
    for lang in settings.required_langs:
        if lang not in raw and settings.requires(lang, source_lang):
            out.add(raw.line, "KB017", gettext("texts has no %(lang)s text; kb.yaml requires it") % {"lang": repr(lang)})
    for lang in settings.languages:
        if lang not in raw and not settings.requires(lang, source_lang) and lang != source_lang:
            out.add(raw.line, "KB031", gettext("texts has no %(lang)s translation") % {"lang": repr(lang)})
    return texts if source_lang in texts else None


def _langmap_of_text(out, data, name, raw, settings) -> dict[str, str]:
    result: dict[str, str] = {}
    for lang, value in (raw or {}).items():
        if lang not in settings.languages:
            _unknown_language(out, raw.line_of(lang), name, lang, settings)
        elif not isinstance(value, str) or not value.strip():
            out.add(raw.line_of(lang), "KB013", gettext("%(field)s.%(lang)s must be non-empty text") % {"field": name, "lang": lang})
        else:
            if is_unwritten(value):
                out.add(raw.line_of(lang), "KB029", gettext("%(field)s.%(lang)s is still the prompt `kb new` wrote: %(text)s")
                        % {"field": name, "lang": lang, "text": repr(value.strip())})
            result[lang] = value
    return result


def _build_triggers(out, data, raw, settings) -> dict[str, tuple[str, ...]]:
    result: dict[str, tuple[str, ...]] = {}
    for lang, phrases in (raw or {}).items():
        if lang not in settings.languages:
            _unknown_language(out, raw.line_of(lang), "triggers", lang, settings)
        elif not isinstance(phrases, list) or any(not isinstance(p, str) or not p.strip() for p in phrases):
            out.add(raw.line_of(lang), "KB013", gettext("triggers.%(lang)s must be a list of non-empty phrases") % {"lang": lang})
        elif phrases:
            result[lang] = tuple(phrases)
    return result


def _build_approval(out, data, raw) -> Approval | None:
    if raw is None:
        return None
    if not isinstance(raw, LineDict):
        return None
    before = len(out.problems)
    _check_fields(out, raw, APPROVAL_FIELDS, "approval")
    if len(out.problems) > before:
        return None
    return Approval(by=raw["by"], date=str(raw["date"]), digest=raw["digest"])


def _check_placeholders(out, data, texts, source_lang, settings) -> None:
    source = texts.get(source_lang)
    known = set(settings.variables)

    def broken(value: str | None) -> bool:  # already reported as KB020/KB022 in the source
        return value is not None and (bool(malformed_placeholders(value)) or not placeholders(value) <= known)

    for lang, text in texts.items():
        for part in TEXT_PARTS:
            value = getattr(text, part)
            if value is None:
                continue
            line = _text_line(data, lang, part)
            where = {"lang": lang, "part": part}
            for bad in malformed_placeholders(value):
                out.add(line, "KB022", gettext("texts.%(lang)s.%(part)s: stray braces near %(text)s") % {**where, "text": repr(bad)})
            used = placeholders(value)
            for name in sorted(used - set(settings.variables)):
                guess = difflib.get_close_matches(name, settings.variables, n=1)
                message = gettext("texts.%(lang)s.%(part)s: unknown placeholder %(placeholder)s") % {
                    **where, "placeholder": "{{" + name + "}}"}
                if guess:
                    message += "; " + gettext("did you mean %(guess)s?") % {"guess": "{{" + guess[0] + "}}"}
                out.add(line, "KB020", message)
            source_value = getattr(source, part) if source else None
            if lang == source_lang or source_value is None or broken(source_value):
                continue
            expected = placeholders(source_value)
            if used != expected:
                diff = []
                if expected - used:
                    diff.append(gettext("missing %(placeholders)s")
                                % {"placeholders": ", ".join("{{" + n + "}}" for n in sorted(expected - used))})
                if used - expected:
                    diff.append(gettext("extra %(placeholders)s")
                                % {"placeholders": ", ".join("{{" + n + "}}" for n in sorted(used - expected))})
                out.add(line, "KB021", gettext("texts.%(lang)s.%(part)s differs from the %(source)s text: %(differences)s")
                        % {**where, "source": source_lang, "differences": "; ".join(diff)})


def _check_limits(out, data, texts, channels, settings) -> None:
    max_lengths = {name: variable.max_length for name, variable in settings.variables.items()}
    for channel in channels:
        limit = settings.channels.get(channel)
        if limit is None:
            continue
        for lang, text in texts.items():
            part = "short" if text.short is not None else "body"
            length = longest_length(getattr(text, part), max_lengths)
            if length > limit:
                out.add(_text_line(data, lang, part), "KB023",
                        gettext("texts.%(lang)s.%(part)s is %(length)d characters on %(channel)s with placeholders at "
                                "their maximum length; the limit is %(limit)d")
                        % {"lang": lang, "part": part, "length": length, "channel": channel, "limit": limit})


def _check_escalation(out, data, kind, texts, approval, triggers, check_approval) -> None:
    if kind != "escalation":
        for name in ("approval", "triggers", "priority"):
            if name in data:
                out.add(data.line_of(name), "KB028", gettext("%(field)s is only for escalation snippets") % {"field": repr(name)})
        return
    if not check_approval:
        pass
    elif "approval" not in data:
        out.add(data.line, "KB025",
                gettext("escalation snippet has no approval; run `kb approve ID --by NAME` once approved"))
    elif approval is not None and texts is not None and approval.digest != texts_digest(texts):
        out.add(data["approval"].line_of("digest"), "KB027",
                gettext("the wording changed after %(by)s approved it on %(date)s") % {"by": approval.by, "date": approval.date})
    if not triggers:
        out.add(data.line_of("triggers"), "KB026", gettext("escalation snippet has no triggers"))
