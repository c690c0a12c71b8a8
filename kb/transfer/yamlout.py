"""Snippet files written as people write them: ``kb new``'s layout and key order, block bodies.

Every value is written plain when YAML reads it back as exactly that string, and in double
quotes (JSON escapes are valid YAML) otherwise, so no title can turn into a number, a
boolean, a comment or a mapping. The writer of an import checks the result with the real
loader and validator before anything reaches the disk.
"""

from __future__ import annotations

import json

import yaml

try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader


def _reads_back(source: str, expected: object) -> bool:
    try:
        return yaml.load(source, Loader=_Loader) == expected
    except yaml.YAMLError:
        return False


def scalar(value: str) -> str:
    """*value* as a YAML scalar on one line."""
    if value and value == value.strip() and "\n" not in value and _reads_back(f"k: {value}", {"k": value}):
        return value
    return json.dumps(value, ensure_ascii=False)


def flow_list(values: list[str]) -> str:
    """``[a, b, "c: d"]``."""
    items = []
    for value in values:
        plain = value and value == value.strip() and "\n" not in value and _reads_back(f"[{value}]", [value])
        items.append(value if plain else json.dumps(value, ensure_ascii=False))
    return "[" + ", ".join(items) + "]"


def block(value: str, indent: str) -> str:
    """A body as ``|`` block (what editors write), or a quoted scalar when a block cannot hold it."""
    lines = value.split("\n")
    if value and not lines[0].startswith(" ") and value == value.rstrip() and "\t" not in value:
        return "|\n" + "\n".join(f"{indent}{line}" if line else "" for line in lines)
    return json.dumps(value, ensure_ascii=False)


def schema_comment(snippet_id: str) -> str:
    """The editor's schema comment, relative to the snippet's folder (as ``kb new`` writes it)."""
    depth = snippet_id.count("/")
    return "# yaml-language-server: $schema=" + "/".join([".."] * depth + ["schema.json"])


def snippet_yaml(draft: dict, default_source_lang: str) -> str:
    """The file text of *draft* (the fields of a snippet file, as plain data)."""
    lines = [schema_comment(draft["id"]), f"id: {draft['id']}", f"kind: {draft['kind']}",
             f"version: {draft['version']}"]
    if draft["source_lang"] != default_source_lang:
        lines.append(f"source_lang: {draft['source_lang']}")
    lines.append(f"tags: {flow_list(draft['tags'])}")
    if draft.get("channels") is not None:
        lines.append(f"channels: {flow_list(draft['channels'])}")
    lines.append("texts:")
    for lang, text in draft["texts"].items():
        lines.append(f"  {lang}:")
        if text.get("source_version") is not None:
            lines.append(f"    source_version: {text['source_version']}")
        lines.append(f"    title: {scalar(text['title'])}")
        lines.append(f"    body: {block(text['body'], '      ')}")
        if text.get("short"):
            lines.append(f"    short: {scalar(text['short'])}")
        lines.append(f"    keywords: {flow_list(text.get('keywords') or [])}")
    if draft.get("guidance"):
        lines.append("guidance:")
        lines += [f"  {lang}: {scalar(advice)}" for lang, advice in draft["guidance"].items()]
    return "\n".join(lines) + "\n"
