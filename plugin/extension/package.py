"""Build the browser extension: ``package(out_dir) -> Path`` (a zip for the Chrome Web Store or
"Load unpacked" after unzipping), with the core panel copied to ``core/``.
Standard library only, so it can be loaded by path.
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
FILES = ("manifest.json", "background.js", "content.js", "content-main.js", "insert.js", "sites.js", "panel.html",
         "panel.js", "panel.css", "options.html", "options.js", "options.css")
FOLDERS = ("icons", "_locales")  # _locales: the manifest's own wording, per browser language


def build_tree(out_dir: Path | str) -> Path:
    """The unpacked extension in *out_dir* (replaced if it exists)."""
    root = Path(out_dir)
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    for name in FILES:
        shutil.copy(HERE / name, root / name)
    for name in FOLDERS:
        shutil.copytree(HERE / name, root / name)
    shutil.copytree(CORE, root / "core", ignore=shutil.ignore_patterns("*.md"))
    return root


def package(out_dir: Path | str) -> Path:
    """``vastaus-extension-<version>.zip`` in *out_dir*."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    version = json.loads((HERE / "manifest.json").read_text(encoding="utf-8"))["version"]
    target = out / f"vastaus-extension-{version}.zip"
    with tempfile.TemporaryDirectory(prefix="vastaus-extension-") as temp:
        tree = build_tree(Path(temp) / "extension")
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(tree.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(tree).as_posix())
    return target


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Build the Vastaus browser extension.")
    parser.add_argument("out_dir", nargs="?", default="dist")
    parser.add_argument("--tree", action="store_true", help="write the unpacked folder (for Load unpacked)")
    args = parser.parse_args()
    print(build_tree(Path(args.out_dir) / "vastaus-extension") if args.tree else package(args.out_dir))
