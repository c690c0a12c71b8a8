"""Sphinx directives that write reference pages from the code's own declarations.

The format, the lint rules, the runtime settings, the command line and the HTTP API are each
declared once as data in ``kb/``; these directives turn that data into reStructuredText and
parse it in place, so headings and labels are real and the docs cannot drift from the code:

``.. kb-format::``       tables of ``kb.content.model.SNIPPET_FIELDS``, ``TEXT_FIELDS``, ``APPROVAL_FIELDS``
``.. kb-lint-rules::``   a section ``KBnnn: name`` per rule of ``kb.content.rules.RULES`` (label ``lint-kbnnn``)
``.. kb-settings::``     a section per ``kb.config.SETTINGS`` entry (label ``setting-<name>``)
``.. kb-cli::``          a section ``kb <name>`` per sub-command of ``kb.cli.main.build_parser()`` (label ``cli-<name>``)
``.. kb-openapi::``      a section ``METHOD /path`` per operation of ``kb.api.openapi.document()``
                         (label ``api-<operationId>``) and one per component schema (``api-schema-<name>``)
"""

from __future__ import annotations

import argparse
import inspect
import os
import re
from collections.abc import Iterable
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective
from sphinx.util.parsing import nested_parse_to_nodes

from kb.cli.commands import GROUPS

# Section decorations: the generated text is parsed as an independent document (title styles
# reset), so the first style becomes a subsection of the section holding the directive.
LEVELS = ("-", "^", "~")
_SPECIAL = re.compile(r"([\\*|_])")
_CODE = re.compile(r"`([^`]+)`")


# -- small RST writers -------------------------------------------------------------------------

def escape(text: str) -> str:
    """Plain text safe inside a paragraph: no accidental emphasis, references or substitutions."""
    return _SPECIAL.sub(r"\\\1", text)


def literal(text: object) -> str:
    """``text`` as an inline literal (empty text as an explicit marker)."""
    text = str(text)
    if text == "":
        return "*(empty)*"
    if "`" in text:
        return escape(text)
    return f"``{text}``"


def inline(text: str) -> str:
    """Prose from the code: `code` spans become inline literals, everything else is escaped."""
    out, last = [], 0
    for match in _CODE.finditer(text):
        before = text[last:match.start()]
        out.append(escape(before))
        if before and before[-1].isalnum():  # inline markup must start after space or punctuation
            out.append("\\ ")
        out.append(literal(match.group(1)))
        after = text[match.end():match.end() + 1]
        if after and after.isalnum():  # ... and end before it
            out.append("\\ ")
        last = match.end()
    out.append(escape(text[last:]))
    return "".join(out)


def heading(title: str, level: int) -> list[str]:
    return [title, LEVELS[level] * max(len(title), 4), ""]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def list_table(header: list[str], rows: Iterable[list[str]], widths: str | None = None) -> list[str]:
    lines = [".. list-table::", "   :header-rows: 1"]
    if widths:
        lines.append(f"   :widths: {widths}")
    lines.append("")
    for row in [header, *rows]:
        for i, cell in enumerate(row):
            cell_lines = (cell or "\\ ").splitlines() or ["\\ "]
            lines.append(("   * - " if i == 0 else "     - ") + cell_lines[0])
            lines.extend("       " + extra for extra in cell_lines[1:])
    lines.append("")
    return lines


def literal_block(text: str) -> list[str]:
    return ["::", "", *("   " + line if line.strip() else "" for line in text.rstrip().splitlines()), ""]


class GeneratedDirective(SphinxDirective):
    """Base: subclasses return RST lines from :meth:`generate`; they are parsed in place."""

    has_content = False
    modules: tuple[str, ...] = ()

    def run(self) -> list[nodes.Node]:
        import importlib

        for name in self.modules:  # rebuild the page when the declarations change
            source = inspect.getsourcefile(importlib.import_module(name))
            if source:
                self.env.note_dependency(source)
        text = "\n".join(self.generate())
        return nested_parse_to_nodes(self.state, text, source=f"<{self.name} directive>")

    def generate(self) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError


# -- kb-format ---------------------------------------------------------------------------------

def _field_type(spec) -> str:
    if spec.type == "langmap":
        item = {"text": "a text (see the text fields)", "array": "a list of strings"}.get(spec.item, spec.item)
        return f"mapping: language code → {item}"
    if spec.type == "array":
        return f"list of {spec.item}s" if spec.item else "list"
    if spec.type == "date":
        return "date (YYYY-MM-DD)"
    return spec.type


def _example(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return literal("[" + ", ".join(str(v) for v in value) + "]")
    return literal(value)


class FormatDirective(GeneratedDirective):
    """Tables of the snippet format's fields, from ``kb.content.model``."""

    modules = ("kb.content.model",)
    option_spec = {"only": directives.unchanged}

    def generate(self) -> list[str]:
        from kb.content import model

        tables = {
            "snippet": ("Snippet fields", "The top level of a snippet file.", model.SNIPPET_FIELDS),
            "text": ("Text fields", "Each language under ``texts`` (``texts.fi``, ``texts.et``, …).",
                     model.TEXT_FIELDS),
            "approval": ("Approval fields", "Under ``approval`` of an escalation; written by ``kb approve``.",
                         model.APPROVAL_FIELDS),
        }
        only = [name.strip() for name in self.options.get("only", "").split(",") if name.strip()]
        lines: list[str] = []
        for key, (title, intro, fields) in tables.items():
            if only and key not in only:
                continue
            lines += [f".. _format-{key}-fields:", "", *heading(title, 0), intro, ""]
            lines += list_table(
                ["Field", "Type", "Required", "Meaning", "Example"],
                ([literal(f.name), escape(_field_type(f)), "yes" if f.required else "no", inline(f.doc),
                  _example(f.example)] for f in fields),
                widths="14 18 8 40 20",
            )
        return lines


# -- kb-lint-rules -----------------------------------------------------------------------------

class LintRulesDirective(GeneratedDirective):
    """A section per lint rule, from ``kb.content.rules.RULES``."""

    modules = ("kb.content.rules",)

    def generate(self) -> list[str]:
        from kb.content.rules import RULES

        lines: list[str] = []
        for code in sorted(RULES):
            rule = RULES[code]
            lines += [f".. _lint-{code.lower()}:", "", *heading(f"{rule.code}: {rule.name}", 0)]
            lines += [f":Severity: {rule.severity.value}" + (" (fails ``kb lint``)" if rule.severity == "error"
                                                          else " (reported, never fails)"), ""]
            lines += [inline(rule.summary), "", f"**How to fix:** {inline(rule.hint)}", ""]
        return lines


# -- kb-settings -------------------------------------------------------------------------------

def subcommands(parser: argparse.ArgumentParser) -> dict[str, tuple[argparse.ArgumentParser, str]]:
    """Sub-command name -> (its parser, its one-line help), in declaration order."""
    found: dict[str, tuple[argparse.ArgumentParser, str]] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            for name, sub in action.choices.items():
                if sub not in (p for p, _ in found.values()):
                    found[name] = (sub, helps.get(name, ""))
    return found


def _type_name(kind: type) -> str:
    return {str: "text", int: "whole number", float: "number", bool: "yes/no (1/0, true/false, yes/no, on/off)"}.get(
        kind, kind.__name__)


class SettingsDirective(GeneratedDirective):
    """A section per runtime setting, from ``kb.config.SETTINGS``."""

    modules = ("kb.config", "kb.cli.main")

    def generate(self) -> list[str]:
        from kb.cli.main import build_parser
        from kb.config import SERVE_SETTINGS, SETTINGS

        commands = subcommands(build_parser())
        lines: list[str] = []
        for name, spec in SETTINGS.items():
            used_by = [f":ref:`kb {cmd} <cli-{slug(cmd)}>`" for cmd, (sub, _) in commands.items()
                       if any(spec.flag in action.option_strings for action in sub._actions)]
            if not spec.cli and name in SERVE_SETTINGS and "serve" in commands:  # environment only
                used_by = [":ref:`kb serve <cli-serve>`"]
            lines += [f".. _setting-{slug(name)}:", "", *heading(name, 0)]
            lines += [f":Flag: {literal(spec.flag) if spec.cli else 'none: environment only, to keep secrets off command lines'}",
                      f":Environment variable: {literal(spec.env)}",
                      f":Default: {literal(spec.default)}",
                      f":Type: {_type_name(spec.type)}"]
            if used_by:
                lines.append(f":Used by: {', '.join(used_by)}")
            lines += ["", inline(spec.help), ""]
        return lines


# -- kb-cli ------------------------------------------------------------------------------------

class CliDirective(GeneratedDirective):
    """The ``kb`` command and a section ``kb <name>`` per sub-command, from ``kb.cli.main.build_parser()``."""

    modules = ("kb.cli.main", *(f"kb.cli.commands.{group}" for group in GROUPS), "kb.config")
    option_spec = {"width": directives.positive_int}

    def generate(self) -> list[str]:
        from kb.cli.main import build_parser
        from kb.i18n import DEFAULT_LOCALE, locale

        width = self.options.get("width", 88)
        saved = os.environ.get("COLUMNS")
        os.environ["COLUMNS"] = str(width)  # argparse wraps at the terminal's width: make it fixed
        try:
            with locale(DEFAULT_LOCALE):  # the reference is English whatever LANG the docs are built under
                parser = build_parser()
                help_text = parser.format_help()
                sections = [(name, sub, short_help, sub.format_help()) for name, (sub, short_help) in subcommands(parser).items()]
            lines = ["The ``kb`` command itself:", "", *literal_block(help_text)]
            for name, sub, short_help, sub_help in sections:
                lines += [f".. _cli-{slug(name)}:", "", *heading(f"kb {name}", 0)]
                if short_help:
                    lines += [inline(short_help[0].upper() + short_help[1:] + "."), ""]
                if sub.description:
                    lines += [inline(sub.description), ""]
                lines += literal_block(sub_help)
            return lines
        finally:
            if saved is None:
                del os.environ["COLUMNS"]
            else:
                os.environ["COLUMNS"] = saved


# -- kb-openapi --------------------------------------------------------------------------------

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def _schema_ref(ref: str) -> str:
    name = ref.rsplit("/", 1)[-1]
    return f":ref:`{name} <api-schema-{slug(name)}>`"


def schema_text(schema: dict) -> str:
    """A short RST description of a JSON schema, linking component schemas."""
    if not schema:
        return "any"
    if "$ref" in schema:
        return _schema_ref(schema["$ref"])
    if "allOf" in schema:
        return " and ".join(schema_text(part) for part in schema["allOf"])
    kind = schema.get("type", "any")
    if kind == "array":
        text = f"list of {schema_text(schema.get('items', {}))}"
    elif kind == "object" and isinstance(schema.get("additionalProperties"), dict) and not schema.get("properties"):
        text = f"mapping of text to {schema_text(schema['additionalProperties'])}"
    elif kind == "object" and schema.get("properties"):
        text = "object with " + ", ".join(literal(p) for p in schema["properties"])
    else:
        text = kind
    facts = []
    if "enum" in schema:
        facts.append("one of " + ", ".join("null" if v is None else literal(v) for v in schema["enum"]))
    for key, word in (("minimum", "at least"), ("maximum", "at most"), ("minLength", "at least"),
                      ("maxLength", "at most")):
        if key in schema:
            facts.append(f"{word} {schema[key]}" + (" characters" if "Length" in key else ""))
    if "format" in schema:
        facts.append(f"format {literal(schema['format'])}")
    if "pattern" in schema:
        facts.append(f"matching {literal(schema['pattern'])}")
    if "default" in schema:
        facts.append(f"default {literal(schema['default'])}")
    if facts:
        text += " (" + "; ".join(facts) + ")"
    if schema.get("nullable"):
        text += ", or null"
    return text


def _properties_table(schema: dict) -> list[str]:
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    rows = [[literal(name), schema_text(prop), "yes" if name in required else "no",
             inline(prop.get("description", ""))] for name, prop in properties.items()]
    return list_table(["Property", "Type", "Required", "Description"], rows, widths="18 42 10 30")


def openapi_document(responses: Path) -> dict:
    """The OpenAPI document ``kb serve`` serves for *responses* with the default limits and tokens on."""
    from kb.api.openapi import document
    from kb.config import setting
    from kb.content.kbyaml import load_settings

    return document(load_settings(responses), int(setting("max_query_chars").default),
                    int(setting("max_message_chars").default), tokens_required=True, example_id=None)


class OpenApiDirective(GeneratedDirective):
    """A section per API operation and per component schema, from ``kb.api.openapi.document()``."""

    modules = ("kb.api.openapi", "kb.config")
    option_spec = {"responses": directives.unchanged}

    def generate(self) -> list[str]:
        root = Path(self.env.srcdir).parent
        responses = root / self.options.get("responses", "responses")
        self.env.note_dependency(str(responses / "kb.yaml"))
        doc = openapi_document(responses)
        security = doc.get("security")
        lines: list[str] = []
        for path, item in doc["paths"].items():
            for method in HTTP_METHODS:
                if method not in item:
                    continue
                lines += self._operation(path, method, item[method], security)
        lines += [".. _api-schemas:", "", *heading("Schemas", 0),
                  "The JSON objects the operations take and return.", ""]
        for name, schema in doc["components"]["schemas"].items():
            lines += [f".. _api-schema-{slug(name)}:", "", *heading(name, 1)]
            lines += self._schema(schema)
        return lines

    def _operation(self, path: str, method: str, op: dict, security) -> list[str]:
        lines = [f".. _api-{slug(op.get('operationId') or method + path)}:", "",
                 *heading(f"{method.upper()} {path}", 0), inline(op.get("summary", "")), ""]
        needs_token = bool(op.get("security", security))
        lines += [f":Operation: {literal(op.get('operationId', ''))}",
                  ":Authentication: " + ("API token (``Authorization: Bearer <token>``) when the server "
                                         "has tokens configured" if needs_token else "none"), ""]
        if op.get("description"):
            lines += [inline(op["description"]), ""]
        params = op.get("parameters", [])
        if params:
            lines += [".. rubric:: Parameters", ""]
            lines += list_table(
                ["Name", "In", "Required", "Type", "Description"],
                ([literal(p["name"]), p["in"], "yes" if p.get("required") else "no", schema_text(p.get("schema", {})),
                  inline(p.get("description", ""))] for p in params),
                widths="12 8 10 35 35")
        body = op.get("requestBody")
        if body:
            schemas = [schema_text(media.get("schema", {})) + f" ({literal(kind)})"
                       for kind, media in body.get("content", {}).items()]
            lines += [".. rubric:: Request body", "",
                      ("Required: " if body.get("required") else "Optional: ") + ", ".join(schemas), ""]
        lines += [".. rubric:: Responses", ""]
        rows = []
        for status, response in sorted(op.get("responses", {}).items()):
            schema = next(iter(response.get("content", {}).values()), {}).get("schema")
            description = inline(response.get("description", ""))
            headers = response.get("headers", {})
            if headers:
                description += " Headers: " + ", ".join(literal(h) for h in headers) + "."
            rows.append([literal(status), description, schema_text(schema) if schema else "\\ "])
        lines += list_table(["Status", "Meaning", "Body"], rows, widths="10 55 35")
        return lines

    def _schema(self, schema: dict) -> list[str]:
        if "allOf" in schema:
            lines = ["All the properties of " + " and ".join(
                schema_text(part) for part in schema["allOf"] if "$ref" in part) + ", and:", ""]
            for part in schema["allOf"]:
                if "properties" in part:
                    lines += _properties_table(part)
            return lines
        lines = []
        if schema.get("description"):
            lines += [inline(schema["description"]), ""]
        if schema.get("properties"):
            if schema.get("nullable"):
                lines += ["May be null.", ""]
            if schema.get("additionalProperties") is False:
                lines += ["No other properties are allowed.", ""]
            lines += _properties_table(schema)
        else:
            lines += [f"A value: {schema_text(schema)}.", ""]
        return lines


def setup(app) -> dict:
    app.add_directive("kb-format", FormatDirective)
    app.add_directive("kb-lint-rules", LintRulesDirective)
    app.add_directive("kb-settings", SettingsDirective)
    app.add_directive("kb-cli", CliDirective)
    app.add_directive("kb-openapi", OpenApiDirective)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
