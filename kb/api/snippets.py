"""One snippet: ``GET /api/v1/snippets/<id>`` shows it whole, ``POST /api/v1/render`` fills it in.

Rendering only substitutes placeholders (:func:`kb.placeholders.fill`): values are never
evaluated, so a customer called ``{{links.chat}}`` or ``<b>`` is named exactly that. A
variable without a value stays ``{{name}}`` in the text and is listed as missing, so an agent
can never send a reply with a silent gap in it.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from kb.api import params
from kb.api.errors import bad_request, invalid, not_found
from kb.api.services import services
from kb.content.formatting import FormatError, format_value
from kb.content.kbyaml import KBSettings
from kb.content.model import Snippet, snippet_to_dict
from kb.content.placeholders import fill
from kb.editors.history import versions
from kb.i18n import gettext

bp = Blueprint("snippets", __name__, url_prefix="/api/v1")

RENDER_FIELDS = ("id", "lang", "variables", "channel")


def _snippet(snippet_id: object) -> Snippet:
    snippet = services().snippet(snippet_id) if isinstance(snippet_id, str) and snippet_id else None
    if snippet is None:
        raise not_found(gettext("There is no snippet '%(id)s'.") % {"id": snippet_id})
    return snippet


@bp.get("/snippets/<path:snippet_id>/history")
def history(snippet_id: str):
    """The snippet's versions from git: date, author, commit (empty when not a git checkout)."""
    found = _snippet(snippet_id)
    entries = versions(services().responses, found.id)
    return jsonify({"id": found.id, "version": found.version,
                    "history": [{"version": v.version, "commit": v.sha, "date": v.date, "author": v.author,
                                 "subject": v.subject} for v in entries]})


@bp.get("/snippets/<path:snippet_id>")
def snippet(snippet_id: str):
    """The snippet with every language, how stale each translation is, and its guidance."""
    settings = services().settings
    lang = params.language(request.args.get("lang"), settings)
    found = _snippet(snippet_id)
    data = snippet_to_dict(found)
    data["stale"] = {code: found.is_stale(code) for code in found.texts}
    if lang is not None:
        text = found.text_for(lang)
        data["display"] = {
            "lang": text.lang,
            "requested_lang": lang,
            "fallback": text.lang != lang,
            "title": text.title,
            "body": text.body,
            "short": text.short,
            "stale": found.is_stale(text.lang),
            "guidance": found.guidance.get(lang) or found.guidance.get(found.source_lang),
        }
    return jsonify(data)


def variables(value: object, settings: KBSettings) -> dict[str, str]:
    """The request's variables over kb.yaml's defaults; every problem is a 422."""
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise invalid(gettext("'variables' must be an object of variable names and text values."))
    values = {name: spec.default for name, spec in settings.variables.items() if spec.default is not None}
    for name, text in value.items():
        spec = settings.variables.get(name)
        if spec is None:
            raise invalid(gettext("Unknown variable '%(name)s'; kb.yaml declares: %(names)s.")
                          % {"name": name, "names": ", ".join(settings.variables)}, variable=name)
        if not isinstance(text, str):
            raise invalid(gettext("The variable '%(name)s' must be text.") % {"name": name}, variable=name)
        if len(text) > spec.max_length:
            raise invalid(gettext("The variable '%(name)s' is %(length)d characters long; the limit is %(limit)d.")
                          % {"name": name, "length": len(text), "limit": spec.max_length}, variable=name)
        if text.strip() or getattr(spec, "format", None):
            values[name] = text  # a typed value must be valid, even blank: the formatter refuses it
        else:  # an empty value would blank the placeholder silently: treat it as missing
            values.pop(name, None)
    return values


FORMAT_EXAMPLES = {"time": "14:30", "date": "2026-11-22", "datetime": "2026-11-22T14:30", "number": "1234.5"}


def formatted(values: dict[str, str], settings: KBSettings, lang: str) -> dict[str, str]:
    """Typed values (times, dates, numbers) written in *lang*'s convention by Babel."""
    result = dict(values)
    for name, value in values.items():
        fmt = settings.variables[name].format
        try:
            result[name] = format_value(value, fmt, lang)
        except FormatError:
            raise invalid(gettext("The variable '%(name)s' must be written in ISO form, such as %(example)s.")
                          % {"name": name, "example": FORMAT_EXAMPLES[fmt]}, variable=name) from None
    return result


@bp.post("/render")
def render():
    """The reply's text with placeholders filled, and whether it fits the channel."""
    svc = services()
    settings = svc.settings
    body = params.json_body(RENDER_FIELDS, required=("id", "lang"))
    if not isinstance(body["id"], str):
        raise bad_request(gettext("The field '%(field)s' must be a string.") % {"field": "id"})
    lang = params.language(body["lang"], settings)
    if lang is None:
        raise bad_request(gettext("The field '%(field)s' is required.") % {"field": "lang"})
    channel = params.channel(body.get("channel"), settings)
    values = variables(body.get("variables"), settings)
    found = _snippet(body["id"])
    text = found.text_for(lang)
    values = formatted(values, settings, text.lang)
    limit = settings.channels.get(channel) if channel else None
    use_short = limit is not None and text.short is not None
    rendered = fill(text.short if use_short else text.body, values)
    return jsonify({
        "id": found.id,
        "kind": found.kind,
        "version": found.version,
        "lang": text.lang,
        "requested_lang": lang,
        "fallback": text.lang != lang,
        "stale": found.is_stale(text.lang),
        "channel": channel,
        "channel_allowed": channel is None or channel in found.channels,
        "variant": "short" if use_short else "body",
        "title": text.title,
        "text": rendered.text,
        "missing": list(rendered.missing),
        "used": list(rendered.used),
        "length": len(rendered.text),
        "limit": limit,
        "over_limit": limit is not None and len(rendered.text) > limit,
    })
