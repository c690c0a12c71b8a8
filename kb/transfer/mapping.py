"""Placeholders translated between Vastaus and a helpdesk through ``helpdesks:`` in kb.yaml.

Each helpdesk writes placeholders in its own syntax (:class:`Syntax`, declared once by its
format module) and calls the variables by its own names; ``responses/kb.yaml`` says, per
variable, what the variable is called in each helpdesk. What has no counterpart is never
dropped: it stays in the text as a visible *marker* and is reported.

``[[zendesk:ticket.organization.name]]``
    An imported helpdesk placeholder without a Vastaus variable. Lint accepts it, agents see
    it; exporting back to the same helpdesk restores ``{{ticket.organization.name}}``.
``[[outage.area]]``
    An exported Vastaus variable the helpdesk has no name for, left for the agent to fill in
    (a helpdesk would silently blank an unknown ``{{...}}``). Importing turns it back into
    ``{{outage.area}}``. Variables with a ``default`` in kb.yaml are exported as that value,
    which is what Vastaus itself would insert.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kb.content.placeholders import PLACEHOLDER
from kb.i18n import gettext
from kb.transfer.common import Report

if TYPE_CHECKING:
    from kb.content.kbyaml import KBSettings

MARKER = re.compile(r"\[\[(?:(?P<mhelpdesk>[a-z]+):)?(?P<mname>[A-Za-z0-9_.(),\-]+)\]\]")


@dataclass(frozen=True)
class Syntax:
    """How one helpdesk writes a placeholder; the pattern's group ``name`` is the helpdesk's name."""

    pattern: re.Pattern
    template: str  # with %s for the name

    def render(self, name: str) -> str:
        return self.template % name


BRACES = Syntax(re.compile(r"\{\{\s*(?P<name>[^{}]*?)\s*\}\}"), "{{%s}}")  # Zendesk, Freshdesk, Chatwoot, Vastaus
HASH_BRACE = Syntax(re.compile(r"#\{\s*(?P<name>[^{}]*?)\s*\}"), "#{%s}")  # Zammad


def helpdesk_names(settings: KBSettings, helpdesk: str) -> dict[str, str]:
    """Vastaus variable -> its name in *helpdesk*."""
    return {name: var.helpdesks[helpdesk] for name, var in settings.variables.items() if helpdesk in var.helpdesks}


def marker(name: str, helpdesk: str | None = None) -> str:
    return f"[[{helpdesk}:{name}]]" if helpdesk else f"[[{name}]]"


def to_vastaus(text: str, settings: KBSettings, helpdesk: str | None, syntax: Syntax, report: Report, where: str) -> str:
    """*text* from *helpdesk* with its placeholders as Vastaus placeholders (or markers, reported).

    *helpdesk* None is the sheet, which is written in Vastaus's own syntax.
    """
    variables = {} if helpdesk is None else {v: k for k, v in helpdesk_names(settings, helpdesk).items()}
    combined = re.compile(f"{syntax.pattern.pattern}|{MARKER.pattern}")

    def replace(match: re.Match) -> str:
        if match.group("mname") is not None:
            return _from_marker(match, settings, helpdesk, variables)
        name = match.group("name")
        if helpdesk is None and name in settings.variables:
            return "{{" + name + "}}"
        if name in variables:
            return "{{" + variables[name] + "}}"
        kept = marker(name, helpdesk)
        if helpdesk is None:
            report.unmapped_once(gettext("%(where)s: {{%(name)s}} is not a variable of kb.yaml; kept as %(kept)s")
                                 % {"where": where, "name": name, "kept": kept})
        else:
            report.unmapped_once(gettext("%(where)s: %(placeholder)s has no Vastaus variable; kept as %(kept)s; add a "
                                         "helpdesks: entry in kb.yaml") % {"where": where, "placeholder": match.group(0),
                                                                             "kept": kept})
        return kept

    converted = combined.sub(replace, text)
    if helpdesk in ("zendesk", "freshdesk") and "{%" in converted:
        report.note(gettext("%(where)s: Liquid tags ({%% ... %%}) are kept as text; rewrite them as plain text")
                    % {"where": where})
    return converted


def _from_marker(match: re.Match, settings: KBSettings, helpdesk: str | None, variables: dict[str, str]) -> str:
    """``[[name]]`` back to ``{{name}}``; a marker of this helpdesk whose name is mapped now, too."""
    name, owner = match.group("mname"), match.group("mhelpdesk")
    if owner is None and name in settings.variables:
        return "{{" + name + "}}"
    if owner is not None and owner == helpdesk and name in variables:
        return "{{" + variables[name] + "}}"
    return match.group(0)


@dataclass
class ExportMapper:
    """Vastaus placeholders to one helpdesk's; collects what had to be filled or marked, per variable."""

    settings: KBSettings
    helpdesk: str | None
    syntax: Syntax
    filled: dict[str, list[str]]
    marked: dict[str, list[str]]
    foreign: dict[str, list[str]]

    @classmethod
    def for_helpdesk(cls, settings: KBSettings, helpdesk: str | None, syntax: Syntax) -> ExportMapper:
        return cls(settings, helpdesk, syntax, {}, {}, {})

    def __call__(self, text: str, where: str) -> str:
        if self.helpdesk is None:
            return text
        names = helpdesk_names(self.settings, self.helpdesk)
        combined = re.compile(f"{PLACEHOLDER.pattern}|{MARKER.pattern}")

        def replace(match: re.Match) -> str:
            if match.group("mname") is not None:
                owner, name = match.group("mhelpdesk"), match.group("mname")
                if owner == self.helpdesk:
                    return self.syntax.render(name)
                if owner is not None:
                    _add(self.foreign, match.group(0), where)
                return match.group(0)
            name = match.group(1)
            if name in names:
                return self.syntax.render(names[name])
            variable = self.settings.variables.get(name)
            if variable is not None and variable.default is not None:
                _add(self.filled, name, where)
                return variable.default
            _add(self.marked, name, where)
            return marker(name)

        return combined.sub(replace, text)

    def report_to(self, report: Report) -> None:
        """One line per variable, naming the snippets (the first few) it concerns."""
        for name, where in self.marked.items():
            report.unmapped_once(gettext("{{%(name)s}} has no %(helpdesk)s name: written as %(marker)s for the agent to "
                                         "fill in, in %(where)s; add helpdesks: {%(helpdesk)s: ...} to it in kb.yaml")
                                 % {"name": name, "helpdesk": self.helpdesk, "marker": marker(name), "where": _few(where)})
        for name, where in self.filled.items():
            report.note(gettext("{{%(name)s}} has no %(helpdesk)s name: filled with its kb.yaml default %(default)r in "
                                "%(where)s") % {"name": name, "helpdesk": self.helpdesk,
                                                 "default": self.settings.variables[name].default, "where": _few(where)})
        for kept, where in self.foreign.items():
            report.unmapped_once(gettext("%(marker)s belongs to another helpdesk: kept as text in %(where)s")
                                 % {"marker": kept, "where": _few(where)})


def _add(table: dict[str, list[str]], key: str, where: str) -> None:
    places = table.setdefault(key, [])
    if where not in places:
        places.append(where)


def _few(places: list[str], shown: int = 3) -> str:
    more = len(places) - shown
    listed = ", ".join(places[:shown])
    return listed + (gettext(" and %(count)d more") % {"count": more} if more > 0 else "")

