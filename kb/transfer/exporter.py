"""``kb export``'s first half: the reviewed snippets, in one language or all, mapped for a helpdesk.

Only a knowledge base without lint errors is exported (what reaches agents must be the
reviewed content, as for ``kb index``). A single-language export uses the source text where
a translation is missing, and says so; a stale translation is exported and reported.
Escalations keep their approved wording exactly: only their title (or Chatwoot short code)
is marked, never their body.
"""

from __future__ import annotations

from pathlib import Path

from kb.content.loader import KnowledgeBase, load_kb
from kb.content.problems import Problem, Refused
from kb.i18n import gettext, ngettext
from kb.transfer.common import ExportEntry, ExportOptions, ExportText, mark_title
from kb.transfer.mapping import ExportMapper


class ExportRefused(Refused):
    """The knowledge base has lint errors; nothing was exported."""

    def __init__(self, problems: list[Problem]):
        count = len(problems)
        super().__init__(ngettext("The knowledge base has %(count)d error; nothing was exported.",
                                  "The knowledge base has %(count)d errors; nothing was exported.", count)
                         % {"count": count} + " " + gettext("Fix them (see `kb lint`) and run again."), problems)


def load_for_export(root: Path) -> KnowledgeBase:
    kb = load_kb(root)
    if kb.errors:
        raise ExportRefused(kb.errors)
    return kb


def export_entries(kb: KnowledgeBase, options: ExportOptions, mapper: ExportMapper, langs: list[str]) -> list[ExportEntry]:
    """Every snippet in *langs* (one language: with fallback; several: those it has)."""
    fallbacks: dict[str, list[str]] = {}
    stale: dict[str, list[str]] = {}
    entries = []
    for snippet in sorted(kb.snippets.values(), key=lambda s: s.id):
        texts = {}
        for lang in langs:
            text = snippet.texts.get(lang)
            if text is None:
                if len(langs) > 1:
                    continue
                text = snippet.texts[snippet.source_lang]
                fallbacks.setdefault(lang, []).append(snippet.id)
            elif snippet.is_stale(lang):
                stale.setdefault(lang, []).append(snippet.id)
            where = f"{snippet.id} ({text.lang})"
            texts[lang] = ExportText(
                title=mark_title(mapper(text.title, where), snippet.is_escalation),
                body=mapper(text.body.rstrip("\n"), where),
                short=mapper(text.short, where) if text.short else None,
                keywords=list(text.keywords),
                guidance=snippet.guidance.get(text.lang),
            )
        entries.append(ExportEntry(snippet.id, snippet.is_escalation, list(snippet.tags), texts))
    report = options.report
    for lang, ids in fallbacks.items():
        report.note(gettext("no %(lang)s text: the source text was exported instead for %(count)d snippets: %(ids)s")
                    % {"lang": lang, "count": len(ids), "ids": ", ".join(ids)})
    for lang, ids in stale.items():
        report.note(gettext("the %(lang)s text follows an older version of the source text in %(count)d snippets: %(ids)s")
                    % {"lang": lang, "count": len(ids), "ids": ", ".join(ids)})
    escalations = sum(1 for entry in entries if entry.escalation)
    if escalations:
        report.note(gettext("%(count)d escalations: their approved wording is exported unchanged, and each is marked "
                            "in its title (Chatwoot: esc- before the short code)") % {"count": escalations})
    mapper.report_to(report)
    return entries
