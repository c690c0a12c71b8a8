"""Runtime settings, declared once as data.

Each setting has a command-line flag and a ``KB_``-prefixed environment variable; a flag
beats the variable, the variable beats the default. The docs have a heading per setting
and a test checks that none is missing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str
    type: type = str

    @property
    def env(self) -> str:
        return "KB_" + self.name.upper()

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def value(self, environ: dict | None = None) -> object:
        raw = (os.environ if environ is None else environ).get(self.env)
        if raw is None or raw == "":
            return self.default
        return self.type(raw)


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in [
        Setting("responses", "responses", "Folder of the knowledge base (snippets and kb.yaml)."),
        Setting("index", ".kb-index", "Folder of the search index; built by `kb index`."),
    ]
}


def setting(name: str) -> Setting:
    return SETTINGS[name]
