"""Translations of the messages the service shows people (API errors), in fi, et and en.

The catalogs are the ``.po`` files under ``locales/``; they are compiled in memory when the
service starts, so compiled ``.mo`` files never need to be built, committed or kept in step.
Code marks its messages with :func:`gettext` and :func:`ngettext` (the names ``pybabel
extract`` looks for); the language of the current request is chosen with :func:`activate`.
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
DEFAULT_LOCALE = "en"

_NULL = _gettext.NullTranslations()
_active: ContextVar[_gettext.NullTranslations] = ContextVar("kb_translations", default=_NULL)


def compile_po(path: Path) -> _gettext.GNUTranslations:
    """Compile one ``.po`` file in memory (fuzzy entries are left out, as msgfmt does)."""
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=path.parent.parent.name, domain=DOMAIN)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


@lru_cache(maxsize=4)
def catalogs(locales_dir: Path = LOCALES_DIR) -> dict[str, _gettext.GNUTranslations]:
    """Every catalog under *locales_dir*, by locale; loaded once per process."""
    found = {}
    for po in sorted(Path(locales_dir).glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        found[po.parent.parent.name] = compile_po(po)
    return found


def available(locales_dir: Path = LOCALES_DIR) -> list[str]:
    return sorted(catalogs(locales_dir))


def negotiate(preferred: Iterable[str], locales_dir: Path = LOCALES_DIR) -> str:
    """The best available locale for *preferred* (``Accept-Language`` order), else English."""
    wanted = [tag.replace("_", "-") for tag in preferred if tag and tag != "*"]
    try:  # "fi-FI" negotiates to "fi": Babel falls back to the language of a tag
        chosen = Locale.negotiate(wanted, available(locales_dir), sep="-")
    except (UnknownLocaleError, ValueError):
        chosen = None
    return str(chosen) if chosen else DEFAULT_LOCALE


def translations(locale: str, locales_dir: Path = LOCALES_DIR) -> _gettext.NullTranslations:
    return catalogs(locales_dir).get(locale, _NULL)


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


def gettext(message: str) -> str:
    """*message* in the active language; the English text when it has no translation."""
    return _active.get().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form of a message for *n*, in the active language."""
    return _active.get().ngettext(singular, plural, n)


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
