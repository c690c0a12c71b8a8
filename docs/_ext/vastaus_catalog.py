"""Sphinx extension: the snippet catalog, every reply in fi/et/en side by side.

Editors read the whole knowledge base as a document. At each build a page per category
(``responses/<category>/``) is generated into ``docs/catalog/`` (not committed) and filled
by the ``kb-snippet-catalog`` directive from the same loader the service uses, so the
catalog is always the content as it is.
"""

from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

from kb.content.loader import load_kb
from kb.content.model import TEXT_PARTS

_SPECIAL = re.compile(r"([\\`*_|<>\[\]])")


def _escape(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", text)


def _cell(text: str | None) -> list[str]:
    if not text:
        return ["–"]
    return ["| " + (_escape(line) if line.strip() else "") for line in text.strip().splitlines()]


def _responses(config, confdir: str | Path) -> Path:
    return Path(config.kb_responses or Path(confdir).parent / "responses")


class SnippetCatalogDirective(SphinxDirective):
    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        category = self.arguments[0]
        kb = load_kb(_responses(self.config, self.env.srcdir))  # the docs' conf.py sits in their source folder
        langs = list(kb.settings.languages)
        lines: list[str] = []
        for snippet in sorted(kb.snippets.values(), key=lambda s: s.id):
            if snippet.id.split("/")[0] != category:
                continue
            heading = snippet.id
            lines += [heading, "-" * len(heading), ""]
            facts = [f"kind: **{snippet.kind}**", f"version {snippet.version}", f"channels: {', '.join(snippet.channels)}"]
            if snippet.approval:
                facts.append(f"approved by {_escape(snippet.approval.by)} on {snippet.approval.date}")
            stale = [lang for lang in snippet.texts if snippet.is_stale(lang)]
            if stale:
                facts.append(f"stale: {', '.join(stale)}")
            lines += [" · ".join(facts), "", ".. list-table::", "   :header-rows: 1", "   :widths: 10 " + " ".join(
                ["30"] * len(langs)), ""]
            lines.append("   * - ")
            lines += [f"     - {kb.settings.languages[lang]}" for lang in langs]
            rows = [*TEXT_PARTS, "keywords", "guidance"] + (["triggers"] if snippet.triggers else [])
            for part in rows:
                lines.append(f"   * - {part}")
                for lang in langs:
                    text = snippet.texts.get(lang)
                    if part == "keywords":
                        value = ", ".join(text.keywords) if text else None
                    elif part == "guidance":
                        value = snippet.guidance.get(lang)
                    elif part == "triggers":
                        value = ", ".join(snippet.triggers.get(lang, ()))
                    else:
                        value = getattr(text, part) if text else None
                    cell = _cell(value)
                    lines.append(f"     - {cell[0]}")
                    lines += [f"       {line}" for line in cell[1:]]
            lines.append("")
        container = nodes.section()
        nested_parse_with_titles(self.state, StringList(lines, source=f"catalog:{category}"), container)
        return container.children


def generate_pages(app) -> None:
    """Write docs/catalog/index.rst and one page per category of the knowledge base."""
    root = _responses(app.config, app.confdir)
    categories = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    target = Path(app.srcdir) / "catalog"
    target.mkdir(exist_ok=True)
    pages = {"index.rst": "Snippet catalog\n===============\n\nEvery reply of the knowledge base in each language, "
                          "generated from ``responses/`` at each build.\n\n.. toctree::\n   :maxdepth: 1\n\n"
                          + "".join(f"   {name}\n" for name in categories)}
    for name in categories:
        title = name.replace("-", " ").capitalize()
        pages[f"{name}.rst"] = f"{title}\n{'=' * len(title)}\n\n.. kb-snippet-catalog:: {name}\n"
    for name, text in pages.items():
        path = target / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:  # unchanged files keep Sphinx's cache
            path.write_text(text, encoding="utf-8")


def setup(app) -> dict:
    app.add_config_value("kb_responses", None, "env")
    app.add_directive("kb-snippet-catalog", SnippetCatalogDirective)
    app.connect("builder-inited", generate_pages)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
