"""Build the Freshdesk app: ``package(out_dir) -> Path`` (a zip for Freshworks' upload or ``fdk``).

The app folder is what ``fdk run`` / ``fdk pack`` expect (manifest.json, config/, app/); the
core panel from ``plugin/core`` is copied to ``app/core/`` because Freshworks serves only the
app's own files. Standard library only, so it can be loaded by path.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORE = HERE.parent / "core"
PARTS = ("manifest.json", "config", "app")


def build_tree(out_dir: Path | str) -> Path:
    """The app as a folder in *out_dir* (replaced if it exists)."""
    root = Path(out_dir)
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    for part in PARTS:
        source = HERE / part
        if source.is_dir():
            shutil.copytree(source, root / part)
        else:
            shutil.copy(source, root / part)
    shutil.copytree(CORE, root / "app" / "core", ignore=shutil.ignore_patterns("*.md"))
    return root


def package(out_dir: Path | str) -> Path:
    """``vastaus-freshdesk.zip`` in *out_dir*."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="vastaus-freshdesk-") as temp:
        tree = build_tree(Path(temp) / "app")
        json.loads((tree / "manifest.json").read_text(encoding="utf-8"))  # fails loudly on a broken manifest
        target = out / "vastaus-freshdesk.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(tree.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(tree).as_posix())
    return target


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Build the Vastaus Freshdesk app.")
    parser.add_argument("out_dir", nargs="?", default="dist")
    parser.add_argument("--tree", action="store_true", help="write the unpacked folder instead of a zip")
    args = parser.parse_args()
    print(build_tree(Path(args.out_dir) / "vastaus-freshdesk") if args.tree else package(args.out_dir))
