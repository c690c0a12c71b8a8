"""The package's layout, checked against its imports: what each subpackage may use.

The layers, lowest first: ``i18n``/``resources``/``config``/``memory`` -> ``content`` -> ``language`` ->
``engine`` -> ``search`` -> ``usage`` -> ``incidents`` -> ``editors``/``transfer`` -> ``api`` -> ``cli``. A module may import
its own layer and the ones below it, never one above; only ``kb/search`` talks to the engine.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

KB = Path(__file__).resolve().parent.parent / "kb"

LAYERS = ["base", "content", "language", "engine", "search", "usage", "incidents", "editors", "transfer", "api", "cli"]
BASE = {"kb", "kb.i18n", "kb.resources", "kb.config", "kb.memory"}
# Layers that sit side by side and do not use each other.
SIDE_BY_SIDE = {("editors", "transfer"), ("transfer", "editors")}


def layer_of(module: str) -> str:
    if module in BASE or module == "kb.__main__":
        return "base"
    return module.split(".")[1]


def modules() -> dict[str, Path]:
    found = {}
    for path in KB.rglob("*.py"):
        parts = path.relative_to(KB.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports_of(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    known = modules()
    return {name for name in names if name in known}


@pytest.mark.parametrize("module", sorted(modules()))
def test_no_module_imports_a_layer_above_its_own(module: str):
    own = layer_of(module)
    if module == "kb.__main__":
        return
    for imported in imports_of(modules()[module]):
        theirs = layer_of(imported)
        assert LAYERS.index(theirs) <= LAYERS.index(own) and (own, theirs) not in SIDE_BY_SIDE, (
            f"{module} ({own}) imports {imported} ({theirs})")


def test_only_search_uses_the_engine():
    for module, path in modules().items():
        if layer_of(module) in ("engine", "search"):
            continue
        used = {name for name in imports_of(path) if name == "kb.engine" or name.startswith("kb.engine.")}
        assert not used, f"{module} uses the engine directly ({sorted(used)}); go through kb.search"
        assert not re.search(r"\.engine\.\w", path.read_text(encoding="utf-8")), f"{module} reaches into an engine"


def test_no_module_finds_files_relative_to_the_checkout():
    """Catalogs and the plugin come through kb/resources.py (importlib.resources), which works in a wheel."""
    for module, path in modules().items():
        text = path.read_text(encoding="utf-8")
        assert "__file__" not in text, f"{module} finds files through __file__; use kb.resources"
        assert "PYTHONPATH" not in text, f"{module} sets PYTHONPATH; an installed kb is importable as it is"


@pytest.mark.parametrize("pattern", [r"[Uu]nknown (language|channel).*use one of"])
def test_one_check_for_languages_and_channels(pattern: str):
    """KBSettings.check_language/check_channel is the one place; every edge calls it."""
    holders = [m for m, p in modules().items() if re.search(pattern, p.read_text(encoding="utf-8"))]
    assert holders in ([], ["kb.content.kbyaml"]), holders


def test_every_subpackage_is_in_the_wheel():
    """pyproject.toml lists the packages by hand (locales/ and plugin/ are mapped in): none may be missing."""
    listed = set(tomllib.loads((KB.parent / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    packages = {m for m, p in modules().items() if p.name == "__init__.py"}
    assert packages <= listed, sorted(packages - listed)
