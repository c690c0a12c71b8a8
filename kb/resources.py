"""The files Vastaus ships beside its code: the gettext catalogs and the helpdesk plugin.

In the repository they are the top-level folders ``locales/`` and ``plugin/``, where
translators and integrators look for them; the build maps them into the package as
``kb.locales`` and ``kb.plugin`` (``pyproject.toml``), so an installed Vastaus finds them
in its wheel and a checkout finds them through its editable install. Both ways go through
:mod:`importlib.resources`, never through a path relative to the code or the working folder.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path


@cache
def _folder(package: str) -> Path:
    # The package is a plain folder (a wheel is installed unpacked), so its traversable is a path.
    return Path(str(files(package)))


def locales_dir() -> Path:
    """``locales/``: one folder per language, ``LC_MESSAGES/messages.po`` and ``plugin.po`` in each."""
    return _folder("kb.locales")


def plugin_dir() -> Path:
    """``plugin/``: the panel, its adapters and the demo page, served at ``/plugin/``."""
    return _folder("kb.plugin")
