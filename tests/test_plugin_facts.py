"""One place for each fact (#19): the knowledge base's languages, channels and channel limits are
in ``responses/kb.yaml``, and the plugin reads them from ``GET /api/v1/version``. These checks fail
when a copy of them comes back into ``plugin/`` (its JavaScript and HTML, not built or vendored
files): a list or map of the language codes, a language's own name as a literal, a channel's
limit written next to the channel, or a list of the channels. What counts as a copy is read from
kb.yaml too, so the checks follow the knowledge base.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import REPO, SAMPLE

from kb.content.kbyaml import KBSettings, load_settings

PLUGIN = REPO / "plugin"
SKIPPED_DIRS = {"dist", "node_modules", "vendor"}
FILES = sorted(p for p in PLUGIN.rglob("*") if p.suffix in (".js", ".html") and p.is_file()
               and not SKIPPED_DIRS & set(p.relative_to(PLUGIN).parts))
SETTINGS = load_settings(SAMPLE)

# An array or object (or block) literal with nothing bracketed inside it.
INNERMOST = re.compile(r"\[[^\[\]{}]*\]|\{[^\[\]{}]*\}")


def _string(value: str) -> str:
    """A JavaScript string literal of exactly *value*, in any quotes."""
    return rf"""(['"`]){re.escape(value)}\1"""


def _codes_in(literal: str, codes) -> list[str]:
    """The language codes a literal holds as strings ('fi') or as keys (fi: ..., 'fi': ...)."""
    return [code for code in codes
            if re.search(_string(code), literal) or re.search(rf"(?<![\w$.]){re.escape(code)}\s*:", literal)]


def literals(text: str):
    """Every bracketed literal or block with its own members only, innermost first: each one
    found is folded to a placeholder, so the one around it is seen next."""
    while spans := INNERMOST.findall(text):
        yield from spans
        text = INNERMOST.sub("0", text)


def copies(text: str, settings: KBSettings) -> list[str]:
    """What in *text* repeats a fact of kb.yaml; empty when nothing does."""
    found = []
    codes = list(settings.languages)
    for literal in literals(text):
        held = _codes_in(literal, codes)
        if len(held) >= 2:
            found.append(f"the language codes {', '.join(held)} in {literal[:80]!r}")
        channels = [channel for channel in settings.channels if re.search(_string(channel), literal)]
        if literal.startswith("[") and len(channels) >= 3:
            found.append(f"a list of the channels {', '.join(channels)} in {literal[:80]!r}")
    for code, name in settings.languages.items():
        # as a string, or as the text or an attribute of an HTML element (<option>Suomi</option>)
        if re.search(_string(name), text) or re.search(rf">\s*{re.escape(name)}\s*<|=\s*\"{re.escape(name)}\"", text):
            found.append(f"the name of language {code}, {name!r}")
    for channel, limit in settings.limited_channels.items():
        near = rf"(?<![\w.]){limit}(?![\w.])"
        name = rf"(?i:{re.escape(channel)})"
        for pattern in (rf"{name}[^\n]{{0,30}}?{near}", rf"{near}[^\n]{{0,30}}?{name}"):
            for match in re.finditer(pattern, text):
                found.append(f"the limit of {channel}, {limit}, in {match.group()!r}")
    return found


def test_the_plugin_files_are_found():
    names = {p.relative_to(PLUGIN).as_posix() for p in FILES}
    assert {"core/panel.js", "core/api.js", "demo/demo.js", "demo/index.html", "zendesk/assets/app.js",
            "freshdesk/app/scripts/app.js", "chatwoot/app.js", "extension/options.html"} <= names
    assert not any(SKIPPED_DIRS & set(Path(name).parts) for name in names)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(PLUGIN).as_posix())
def test_no_copy_of_the_knowledge_bases_facts(path):
    found = copies(path.read_text(encoding="utf-8"), SETTINGS)
    assert not found, (f"{path.relative_to(REPO)} repeats responses/kb.yaml: {'; '.join(found)}. Read it from the "
                       "panel's facts (GET /api/v1/version) instead.")


@pytest.mark.parametrize("source", [
    # what plugin/core/panel.js, plugin/demo/demo.js, the adapters and the demo page held before #19
    "export const LANGUAGES = { fi: 'Suomi', et: 'Eesti', en: 'English' };",
    "export const CHANNEL_LIMITS = { twitter: 280, sms: 160 };",
    "export const CHANNELS = ['twitter', 'sms', 'facebook', 'chat', 'email'];",
    "const UI_LANGS = ['fi', 'et', 'en'];",
    '<select id="ui-lang">\n  <option value="fi" lang="fi">Suomi</option>\n</select>',
    # and other ways of writing the same facts
    "const LIMITS = {\n  'twitter': 280,\n};",
    "if (channel === 'sms' && text.length > 160) warn();",
    "const TWITTER_LIMIT = 280;",
    "const known = new Set(['et', 'fi']);",
    "const names = { \"fi\": { own: 'x' }, \"en\": { own: 'y' } };",
    "button.textContent = code === 'et' ? \"Eesti\" : code;",
])
def test_the_check_finds_copies(source):
    assert copies(source, SETTINGS)


@pytest.mark.parametrize("source", [
    "const uiLang = language(data['currentUser.locale']) || 'en';",
    "export function excerpt(text, ranges, size = 160) {",
    "const CHANNELS = { TwitterProfile: 'twitter', Sms: 'sms', FacebookPage: 'facebook', WebWidget: 'chat' };",
    "node.textContent = `${text.length} / ${limit}`;",
    "loggedInUser: { contact: { name: 'Mikko Laine', language: params.get('lang') || 'et' } },",
])
def test_the_check_leaves_other_code_alone(source):
    assert copies(source, SETTINGS) == []
