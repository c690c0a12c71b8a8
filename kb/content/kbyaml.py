"""The knowledge base's own settings, read from ``responses/kb.yaml``.

Languages, channels with their limits, and placeholder variables are facts of the content,
not of the code: they live once in that file and every part of Vastaus reads them here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from kb.content.formatting import FORMATS
from kb.content.yamlsafe import LineDict, load_yaml_file
from kb.i18n import gettext

SETTINGS_FILE = "kb.yaml"
LANG_CODE = re.compile(r"^[a-z]{2,3}$")
VARIABLE_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
# Helpdesks whose own name for a variable kb.yaml may give (``helpdesks:``); ``kb import`` and
# ``kb export`` translate placeholders through these names. kb.transfer has a format for each.
HELPDESKS = ("zendesk", "freshdesk", "zammad", "chatwoot")
HELPDESK_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$")


class SettingsError(Exception):
    """``kb.yaml`` is missing or invalid; carries ``path:line`` and a fix hint."""

    def __init__(self, path: Path, line: int, message: str):
        super().__init__(f"{path}:{line}: KB040 {message}")
        self.path, self.line, self.message = path, line, message


@dataclass(frozen=True)
class Variable:
    """A placeholder variable such as ``customer.first_name``."""

    name: str
    example: str
    max_length: int
    description: str = ""
    default: str | None = None
    format: str | None = None  # time, date, datetime or number: formatted per language by Babel
    helpdesks: dict[str, str] = field(default_factory=dict)  # helpdesk -> its name, e.g. zendesk: ticket.requester.first_name


@dataclass(frozen=True)
class KBSettings:
    """Settings of one knowledge base (see ``responses/kb.yaml``)."""

    languages: dict[str, str]  # code -> the language's own name
    source_lang: str
    required_langs: tuple[str, ...]
    channels: dict[str, int | None]  # name -> character limit, None for unlimited
    variables: dict[str, Variable] = field(default_factory=dict)
    path: Path | None = None
    # Languages a snippet may be written in first (its own source_lang): a snippet written in one
    # of these needs only its source text; the required_langs it lacks warn until translated.
    # Default: the source language alone, which keeps required_langs an error for every snippet.
    source_langs: tuple[str, ...] = ()

    def requires(self, lang: str, snippet_source: str) -> bool:
        """Is a missing *lang* text an error for a snippet written first in *snippet_source*?

        A reply a team wrote first in another allowed language (``source_langs``) is valid before
        it is translated: its missing required languages are translators' work, not errors.
        """
        if lang not in self.required_langs or lang == snippet_source:
            return False
        return snippet_source == self.source_lang or snippet_source not in self.source_langs

    @property
    def limited_channels(self) -> dict[str, int]:
        return {name: limit for name, limit in self.channels.items() if limit is not None}

    def check_language(self, lang: str) -> str:
        """*lang* when this knowledge base has it; else :class:`UnknownChoice` naming the ones it has.

        The one check behind every edge that takes a language (CLI, API, search, import, export).
        """
        if lang not in self.languages:
            raise UnknownChoice(gettext("Unknown language '%(lang)s'; use one of: %(choices)s.")
                                % {"lang": lang, "choices": ", ".join(self.languages)})
        return lang

    def check_channel(self, channel: str) -> str:
        """*channel* when this knowledge base has it; else :class:`UnknownChoice`."""
        if channel not in self.channels:
            raise UnknownChoice(gettext("Unknown channel '%(channel)s'; use one of: %(choices)s.")
                                % {"channel": channel, "choices": ", ".join(self.channels)})
        return channel


class UnknownChoice(ValueError):
    """A language or channel the knowledge base does not have; the message names the ones it has."""


def load_settings(responses_dir: Path) -> KBSettings:
    """Read ``kb.yaml`` from *responses_dir*; raise :class:`SettingsError` when it is wrong."""
    path = Path(responses_dir) / SETTINGS_FILE
    if not path.is_file():
        raise SettingsError(
            path,
            1,
            gettext("no %(file)s in %(folder)s; is this a knowledge base folder?") % {"file": SETTINGS_FILE, "folder": responses_dir},
        )
    data, problem = load_yaml_file(path)
    if problem:
        raise SettingsError(path, problem.line, problem.message)
    if not isinstance(data, LineDict):
        raise SettingsError(path, 1, gettext("kb.yaml must be a mapping of settings"))
    return _parse(path, data)


def _parse(path: Path, data: LineDict) -> KBSettings:
    def fail(key: str, message: str):
        raise SettingsError(path, data.line_of(key), f"{key}: {message}")

    known = {"languages", "source_lang", "source_langs", "required_langs", "channels", "variables"}
    for key in data:
        if key not in known:
            fail(key, gettext("unknown setting; known settings are %(known)s") % {"known": ", ".join(sorted(known))})
    languages = data.get("languages")
    if not isinstance(languages, dict) or not languages:
        fail("languages", gettext("give a mapping of language code to its own name, e.g. fi: Suomi"))
    for code, name in languages.items():
        if not LANG_CODE.match(str(code)) or not isinstance(name, str):
            fail("languages", gettext("%(code)r must be an ISO 639 code mapped to the language's name") % {"code": code})
    source_lang = data.get("source_lang")
    if source_lang not in languages:
        fail("source_lang", gettext("must be one of the languages: %(languages)s") % {"languages": ", ".join(languages)})
    required = data.get("required_langs", [source_lang])
    if not isinstance(required, list) or any(lang not in languages for lang in required):
        fail("required_langs", gettext("must be a list of languages from: %(languages)s") % {"languages": ", ".join(languages)})
    source_langs = data.get("source_langs", [source_lang])
    if not isinstance(source_langs, list) or any(lang not in languages for lang in source_langs) \
            or source_lang not in source_langs:
        fail("source_langs", gettext("must be a list of languages from %(languages)s that includes source_lang "
                                     "%(source)s") % {"languages": ", ".join(languages), "source": source_lang})
    channels = data.get("channels")
    if not isinstance(channels, dict) or not channels:
        fail("channels", gettext("give a mapping of channel name to its character limit (null for none)"))
    for name, limit in channels.items():
        if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
            fail("channels", gettext("%(name)s: the limit must be a positive whole number or null") % {"name": name})
    variables = {}
    for name, spec in (data.get("variables") or {}).items():
        variables[name] = _parse_variable(path, data, name, spec)
    _check_helpdesk_names(path, data, variables)
    return KBSettings(
        languages=dict(languages),
        source_lang=source_lang,
        required_langs=tuple(required),
        source_langs=tuple(source_langs),
        channels=dict(channels),
        variables=variables,
        path=path,
    )


def _parse_variable(path: Path, data: LineDict, name: str, spec: object) -> Variable:
    line = data["variables"].line_of(name) if isinstance(data["variables"], LineDict) else data.line_of("variables")
    if not VARIABLE_NAME.match(str(name)):
        raise SettingsError(
            path, line, gettext("variables: %(name)r must be dotted lower-case words, e.g. customer.first_name") % {"name": name}
        )
    if not isinstance(spec, dict) or "example" not in spec or "max_length" not in spec:
        raise SettingsError(path, line, gettext("variables: %(name)s: give example and max_length") % {"name": name})
    max_length = spec["max_length"]
    if not isinstance(max_length, int) or isinstance(max_length, bool) or max_length < 1:
        raise SettingsError(path, line, gettext("variables: %(name)s: max_length must be a positive whole number") % {"name": name})
    unknown = set(spec) - {"example", "max_length", "description", "default", "format", "helpdesks"}
    if unknown:
        raise SettingsError(
            path, line, gettext("variables: %(name)s: unknown field %(field)r") % {"name": name, "field": sorted(unknown)[0]}
        )
    default = spec.get("default")
    fmt = spec.get("format")
    if fmt is not None and fmt not in FORMATS:
        raise SettingsError(
            path, line, gettext("variables: %(name)s: format must be one of %(formats)s") % {"name": name, "formats": ", ".join(FORMATS)}
        )
    return Variable(
        name=name,
        example=str(spec["example"]),
        max_length=max_length,
        description=str(spec.get("description", "")),
        default=None if default is None else str(default),
        format=fmt,
        helpdesks=_parse_helpdesks(path, line, name, spec.get("helpdesks")),
    )


def _parse_helpdesks(path: Path, line: int, name: str, raw: object) -> dict[str, str]:
    """``helpdesks: {zendesk: ticket.requester.first_name, ...}``: the variable's name in each helpdesk."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise SettingsError(
            path,
            line,
            gettext(
                "variables: %(name)s: helpdesks must map a helpdesk to its name for the variable, "
                "e.g. {zendesk: ticket.requester.first_name}"
            )
            % {"name": name},
        )
    found = {}
    for helpdesk, placeholder in raw.items():
        if helpdesk not in HELPDESKS:
            raise SettingsError(
                path,
                line,
                gettext("variables: %(name)s: helpdesks: unknown helpdesk %(helpdesk)r; known helpdesks are %(known)s")
                % {"name": name, "helpdesk": helpdesk, "known": ", ".join(HELPDESKS)},
            )
        if not isinstance(placeholder, str) or not HELPDESK_NAME.match(placeholder):
            raise SettingsError(
                path,
                line,
                gettext(
                    "variables: %(name)s: helpdesks: %(helpdesk)s: %(placeholder)r must be the placeholder's name "
                    "without braces, e.g. ticket.requester.first_name"
                )
                % {"name": name, "helpdesk": helpdesk, "placeholder": placeholder},
            )
        found[helpdesk] = placeholder
    return found


def _check_helpdesk_names(path: Path, data: LineDict, variables: dict[str, Variable]) -> None:
    """Two variables with the same name in one helpdesk could not be told apart on import."""
    seen: dict[tuple[str, str], str] = {}
    for variable in variables.values():
        for helpdesk, placeholder in variable.helpdesks.items():
            other = seen.setdefault((helpdesk, placeholder), variable.name)
            if other != variable.name:
                line = data["variables"].line_of(variable.name) if isinstance(data["variables"], LineDict) else 1
                raise SettingsError(
                    path,
                    line,
                    gettext(
                        "variables: %(name)s: helpdesks: %(helpdesk)s: %(placeholder)s is already the %(helpdesk)s "
                        "name of %(other)s; give each variable its own"
                    )
                    % {"name": variable.name, "helpdesk": helpdesk, "placeholder": placeholder, "other": other},
                )
