"""Translations of the messages Vastaus shows people, in fi, et and en.

API errors, the command line (output, errors, ``--help``) and lint messages. The catalogs
are the ``.po`` files under ``locales/``; they are compiled in memory when first used, so
compiled ``.mo`` files never need to be built, committed or kept in step. Code marks its
messages with :func:`gettext` and :func:`ngettext` (the names ``pybabel extract`` looks for),
and with :func:`N_` where a table is built at import time and translated where it is shown.
The language is chosen with :func:`activate` or :func:`locale`: per request from
``Accept-Language`` in the API; in ``kb`` from the environment (:func:`environment_locale`) with
:func:`process_locale`, which the processes ``kb`` starts inherit. Messages are translated when
they are produced, in the language active then.
"""

from __future__ import annotations

import gettext as _gettext
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from kb.resources import locales_dir

LOCALES_DIR = locales_dir()  # kb/resources.py
DOMAIN = "messages"
DEFAULT_LOCALE = "en"

_NULL = _gettext.NullTranslations()
_active: ContextVar[_gettext.NullTranslations | None] = ContextVar("kb_translations", default=None)
# The language of a process where no context chose one. Processes started with multiprocessing's
# "spawn" (parallel index builds) do not inherit the context's language but do inherit the
# environment: process_locale() puts the language there for them.
PROCESS_LOCALE_VARIABLE = "VASTAUS_INTERNAL_LOCALE"


def compile_po(path: Path) -> _gettext.GNUTranslations:
    """Compile one ``.po`` file in memory (fuzzy entries are left out, as msgfmt does)."""
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=path.parent.parent.name, domain=DOMAIN)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


@lru_cache(maxsize=4)
def _catalog_files(locales_dir: Path) -> dict[str, Path]:
    return {po.parent.parent.name: po for po in sorted(Path(locales_dir).glob(f"*/LC_MESSAGES/{DOMAIN}.po"))}


@lru_cache(maxsize=16)
def _compiled(path: Path) -> _gettext.GNUTranslations:
    return compile_po(path)


def catalogs(locales_dir: Path = LOCALES_DIR) -> dict[str, _gettext.GNUTranslations]:
    """Every catalog under *locales_dir*, by locale; each compiled once per process."""
    return {name: _compiled(path) for name, path in _catalog_files(Path(locales_dir)).items()}


def available(locales_dir: Path = LOCALES_DIR) -> list[str]:
    return sorted(_catalog_files(Path(locales_dir)))


def negotiate(preferred: Iterable[str], locales_dir: Path = LOCALES_DIR) -> str:
    """The best available locale for *preferred* (``Accept-Language`` order), else English."""
    return _negotiate(tuple(tag.replace("_", "-") for tag in preferred if tag and tag != "*"), locales_dir)


@lru_cache(maxsize=256)  # every request negotiates; helpdesks send a handful of distinct headers
def _negotiate(wanted: tuple[str, ...], locales_dir: Path) -> str:
    try:  # "fi-FI" negotiates to "fi": Babel falls back to the language of a tag
        chosen = Locale.negotiate(list(wanted), available(locales_dir), sep="-")
    except (UnknownLocaleError, ValueError):
        chosen = None
    return str(chosen) if chosen else DEFAULT_LOCALE


# The variables gettext reads for the language of messages, in its order of precedence.
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def environment_languages(environ: Mapping[str, str] | None = None) -> list[str]:
    """Language tags from the environment, as gettext reads them.

    The first of ``LANGUAGE`` (a colon-separated list such as ``fi:en``), ``LC_ALL``,
    ``LC_MESSAGES`` and ``LANG`` that is set and not empty; ``fi_FI.UTF-8`` gives ``fi_FI``.
    ``C`` and ``POSIX`` mean untranslated messages: they end the list.
    """
    env = os.environ if environ is None else environ
    value = next((env[name] for name in LOCALE_VARIABLES if env.get(name)), "")
    tags = []
    for item in value.split(":"):
        tag = item.split(".", 1)[0].split("@", 1)[0].strip()
        if tag in ("C", "POSIX"):
            break
        if tag:
            tags.append(tag)
    return tags


def environment_locale(environ: Mapping[str, str] | None = None, locales_dir: Path = LOCALES_DIR) -> str:
    """The command line's language: the environment's languages negotiated with the catalogs."""
    return negotiate(environment_languages(environ), locales_dir)


def translations(locale: str, locales_dir: Path = LOCALES_DIR) -> _gettext.NullTranslations:
    """The catalog of *locale* (compiled on first use; the command line needs only one)."""
    path = _catalog_files(Path(locales_dir)).get(locale)
    return _compiled(path) if path is not None else _NULL


def activate(locale: str, locales_dir: Path = LOCALES_DIR) -> object:
    """Make *locale* the language of messages in this context; returns a token for :func:`reset`."""
    return _active.set(translations(locale, locales_dir))


def reset(token: object) -> None:
    _active.reset(token)  # type: ignore[arg-type]


@contextmanager
def locale(name: str, locales_dir: Path = LOCALES_DIR) -> Iterator[None]:
    """``with locale("fi"):`` messages in Finnish (for code outside a request, and tests)."""
    token = activate(name, locales_dir)
    try:
        yield
    finally:
        reset(token)


@contextmanager
def process_locale(name: str, locales_dir: Path = LOCALES_DIR) -> Iterator[None]:
    """``locale(name)`` for this process and for the processes it starts (the command line, the
    reindexing child), whether they fork or spawn."""
    saved = os.environ.get(PROCESS_LOCALE_VARIABLE)
    os.environ[PROCESS_LOCALE_VARIABLE] = name
    try:
        with locale(name, locales_dir):
            yield
    finally:
        if saved is None:
            os.environ.pop(PROCESS_LOCALE_VARIABLE, None)
        else:
            os.environ[PROCESS_LOCALE_VARIABLE] = saved


def _current() -> _gettext.NullTranslations:
    active = _active.get()
    if active is not None:
        return active
    inherited = os.environ.get(PROCESS_LOCALE_VARIABLE)
    return translations(inherited) if inherited else _NULL


def gettext(message: str) -> str:
    """*message* in the active language; the English text when it has no translation."""
    return _current().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form of a message for *n*, in the active language."""
    return _current().ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark *message* for extraction without translating it (tables built at import time).

    Translate it with :func:`gettext` where it is shown, so that it is in the language active then.
    """
    return message


def active_locale() -> str:
    """The language messages are translated into in this context (``en`` when none is active)."""
    return _current().info().get("language") or DEFAULT_LOCALE


def number(value: int) -> str:
    """*value* with the active language's digit grouping: 262,144 in English, 262 144 in Finnish."""
    from babel.numbers import format_decimal

    return format_decimal(value, locale=active_locale())


# argparse's own messages (``usage:``, ``options``, its errors), as Python 3.11+ writes them. argparse
# translates them with the module-level functions ``_`` and ``ngettext``, which
# :func:`argparse_messages` points at this module's for as long as ``kb`` runs.
ARGPARSE_MESSAGES = (
    N_("usage: "), N_("positional arguments"), N_("options"), N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"), N_("argument %(argument_name)s: %(message)s"),
    N_("the following arguments are required: %s"), N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"), N_("invalid %(type)s value: %(value)r"),
    N_("expected one argument"), N_("ambiguous option: %(option)s could match %(matches)s"),
)


@contextmanager
def argparse_messages() -> Iterator[None]:
    """argparse's own messages in the active language while the block runs."""
    import argparse

    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._, argparse.ngettext = gettext, ngettext  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


PLUGIN_DOMAIN = "plugin"


@lru_cache(maxsize=8)
def plugin_messages(locale: str, locales_dir: Path = LOCALES_DIR) -> dict:
    """The plugin's interface strings for *locale* as JSON-ready data (read once per process).

    ``messages`` maps each msgid to its translation, or to ``[singular, plural]`` for plural
    entries; untranslated and fuzzy entries are left out, so the plugin falls back to the
    English msgid exactly as gettext does.
    """
    path = Path(locales_dir) / locale / "LC_MESSAGES" / f"{PLUGIN_DOMAIN}.po"
    messages: dict[str, object] = {}
    plural = "n != 1"
    if path.is_file():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale, domain=PLUGIN_DOMAIN)
        plural = catalog.plural_expr
        for message in catalog:
            if not message.id or message.fuzzy:
                continue
            if isinstance(message.id, (tuple, list)):
                if all(message.string):
                    messages[message.id[0]] = list(message.string)
            elif message.string:
                messages[message.id] = message.string
    return {"lang": locale, "messages": messages, "plural": plural}
