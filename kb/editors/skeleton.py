"""``kb new``: a new snippet file that already follows the format, ready to be filled in."""

from __future__ import annotations

from pathlib import Path

from kb.content.kbyaml import load_settings
from kb.content.loader import snippet_id_for
from kb.content.prompts import FALLBACK_PROMPT, GUIDANCE_PROMPTS, PROMPTS
from kb.content.validation import ID_PATTERN
from kb.i18n import gettext


class SkeletonError(Exception):
    pass


def new_snippet(root: Path, snippet_id: str, kind: str = "reply") -> Path:
    """Write ``<root>/<id>.yaml`` with every language of the knowledge base; never overwrite."""
    if not ID_PATTERN.match(snippet_id):
        raise SkeletonError(gettext("%(id)s is not a valid id: lower-case words joined by '-' and '/', "
                                    "e.g. outage/acknowledge") % {"id": repr(snippet_id)})
    settings = load_settings(root)
    path = Path(root) / f"{snippet_id}.yaml"
    if path.exists():
        raise SkeletonError(gettext("%(path)s already exists; edit it instead") % {"path": path})
    depth = len(Path(snippet_id_for(Path(root), path)).parts) - 1
    schema = "/".join([".."] * depth + ["schema.json"])
    lines = [f"# yaml-language-server: $schema={schema}", f"id: {snippet_id}", f"kind: {kind}", "version: 1",
             "tags: []", "texts:"]
    ordered = [settings.source_lang, *[lang for lang in settings.languages if lang != settings.source_lang]]
    for lang in ordered:
        title, body = PROMPTS.get(lang, FALLBACK_PROMPT)
        lines.append(f"  {lang}:")
        if lang != settings.source_lang:
            lines.append("    source_version: 1")
        lines += [f"    title: {title}", "    body: |", f"      {body}", "    keywords: []"]
    lines += ["guidance:", f"  {settings.source_lang}: {GUIDANCE_PROMPTS.get(settings.source_lang, GUIDANCE_PROMPTS['en'])}"]
    if kind == "escalation":
        lines.append("triggers:")
        lines += [f"  {lang}: []  # phrases in a customer's message that call for this escalation" for lang in ordered]
        lines.append("# approval: written by `kb approve ID --by NAME` once the wording is approved")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
