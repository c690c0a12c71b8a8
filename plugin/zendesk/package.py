"""Build the Zendesk app's uploadable zip: ``package(out_dir) -> Path``.

The zip holds what Zendesk's "Upload private app" (or ``zcli apps:create``) expects:
``manifest.json``, ``assets/`` (the iframe page, the adapter, the core panel copied from
``plugin/core`` and the ZAF SDK) and ``translations/en.json``.

The ZAF SDK is vendored at build time, never loaded from a CDN at run time: npm installs the
``zendesk_app_framework_sdk`` package into a temporary folder and its file is copied in. The
npm package ships the SDK as CommonJS sources (``lib/``) without a prebuilt
``zaf_sdk.min.js``; when the package has one it is used, otherwise the sources are joined
here into one browser script with a tiny ``require`` (no bundler needed for four files).

Self-contained on purpose (standard library only, no imports from the rest of the repository):
``kb plugin package zendesk`` can load it by path.
"""

from __future__ import annotations

import argparse
import json
import posixpath
import re
import shutil
import struct
import subprocess
import tempfile
import zipfile
import zlib
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
CORE = HERE.parent / "core"
SDK_PACKAGE = "zendesk_app_framework_sdk"
SDK_VERSION = "2.0.11"
SDK_FILE = "vendor/zaf_sdk.js"
REQUIRE = re.compile(r"""require\(\s*['"](\.{1,2}/[^'"]+)['"]\s*\)""")


class PackageError(Exception):
    """The package could not be built (npm failed, the SDK is missing, a setting is wrong)."""


def install_sdk(target: Path, version: str = SDK_VERSION) -> Path:
    """``npm install`` the SDK package into *target*; its folder in node_modules."""
    npm = shutil.which("npm")
    if npm is None:
        raise PackageError("npm is needed to fetch the ZAF SDK (apt-get install npm), or pass sdk_dir")
    command = [npm, "install", "--no-audit", "--no-fund", "--ignore-scripts", "--no-save", "--prefix", str(target),
               f"{SDK_PACKAGE}@{version}"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    folder = target / "node_modules" / SDK_PACKAGE
    if result.returncode != 0 or not folder.is_dir():
        raise PackageError(f"npm install {SDK_PACKAGE}@{version} failed:\n{result.stderr[-2000:]}")
    return folder


def bundle_commonjs(package_dir: Path) -> str:
    """The package's CommonJS modules, from its ``main``, joined into one script that sets
    ``window.ZAFClient`` (what the SDK's own build does)."""
    meta = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))
    main = posixpath.normpath(meta.get("main", "lib/index.js"))
    modules: dict[str, str] = {}
    pending = [main]
    while pending:
        name = pending.pop()
        if name in modules:
            continue
        path = package_dir / name
        if not path.is_file():
            raise PackageError(f"{SDK_PACKAGE}: missing module {name}")
        source = path.read_text(encoding="utf-8")
        modules[name] = source
        for wanted in REQUIRE.findall(source):
            pending.append(_resolve(name, wanted))
    parts = [f"/* {SDK_PACKAGE} {meta.get('version', '?')} ({meta.get('license') or 'Apache-2.0'}), "
             "joined from its CommonJS sources by plugin/zendesk/package.py. */",
             "(function () {", "  var definitions = {};"]
    for name, source in modules.items():
        parts.append(f"  definitions[{json.dumps(name)}] = function (module, exports, require) {{\n{source}\n  }};")
    parts.append("""  var cache = {};
  function dirname(name) { return name.slice(0, name.lastIndexOf('/') + 1); }
  function resolve(from, wanted) {
    var parts = (dirname(from) + wanted).split('/'), out = [];
    for (var i = 0; i < parts.length; i++) {
      if (parts[i] === '..') { out.pop(); } else if (parts[i] !== '.' && parts[i] !== '') { out.push(parts[i]); }
    }
    var name = out.join('/');
    return /\\.js$/.test(name) ? name : name + '.js';
  }
  function load(name) {
    if (cache[name]) { return cache[name].exports; }
    var module = cache[name] = { exports: {} };
    definitions[name].call(window, module, module.exports, function (wanted) { return load(resolve(name, wanted)); });
    return module.exports;
  }""")
    parts.append(f"  window.ZAFClient = load({json.dumps(main)});")
    parts.append("})();\n")
    return "\n".join(parts)


def _resolve(importer: str, wanted: str) -> str:
    name = posixpath.normpath(posixpath.join(posixpath.dirname(importer), wanted))
    return name if name.endswith(".js") else name + ".js"


def sdk_script(package_dir: Path) -> str:
    """The SDK as one browser script: the package's own minified build when it has one."""
    built = sorted(package_dir.rglob("zaf_sdk.min.js"))
    if built:
        return built[0].read_text(encoding="utf-8")
    return bundle_commonjs(package_dir)


def _png(size: int, rgb: tuple[int, int, int]) -> bytes:
    """A plain square PNG (Zendesk asks for assets/logo.png and logo-small.png)."""
    row = b"\x00" + bytes(rgb) * size
    raw = row * size

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def manifest(api_url: str | None = None) -> dict:
    """manifest.json, with the API's host in domainWhitelist when *api_url* is given
    (Zendesk only puts secure settings into requests to whitelisted domains)."""
    data = json.loads((HERE / "manifest.json").read_text(encoding="utf-8"))
    if api_url:
        parts = urlsplit(api_url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise PackageError(f"api_url must be an http(s) address, not {api_url!r}")
        data["domainWhitelist"] = [parts.hostname]
        for parameter in data["parameters"]:
            if parameter["name"] == "api_url":
                parameter["default"] = api_url.rstrip("/")
    return data


def build_tree(out_dir: Path, sdk_dir: Path | None = None, api_url: str | None = None) -> Path:
    """The app as a folder (what the zip holds); *sdk_dir* is an installed SDK package."""
    root = Path(out_dir)
    if root.exists():
        shutil.rmtree(root)
    assets = root / "assets"
    shutil.copytree(HERE / "assets", assets)
    shutil.copytree(CORE, assets / "core", ignore=shutil.ignore_patterns("*.md"))
    shutil.copytree(HERE / "translations", root / "translations")
    (root / "manifest.json").write_text(json.dumps(manifest(api_url), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (assets / "logo.png").write_bytes(_png(128, (11, 110, 79)))
    (assets / "logo-small.png").write_bytes(_png(64, (11, 110, 79)))
    with tempfile.TemporaryDirectory(prefix="vastaus-zaf-") as temp:
        package_dir = Path(sdk_dir) if sdk_dir else install_sdk(Path(temp))
        vendor = assets / SDK_FILE
        vendor.parent.mkdir(parents=True, exist_ok=True)
        vendor.write_text(sdk_script(package_dir), encoding="utf-8")
        license_file = package_dir / "LICENSE"
        if license_file.is_file():
            shutil.copy(license_file, vendor.parent / "LICENSE-zaf-sdk.txt")
    return root


def package(out_dir: Path | str, sdk_dir: Path | None = None, api_url: str | None = None) -> Path:
    """Build ``vastaus-zendesk-<version>.zip`` in *out_dir* and return its path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="vastaus-zendesk-") as temp:
        tree = build_tree(Path(temp) / "app", sdk_dir=sdk_dir, api_url=api_url)
        version = json.loads((tree / "manifest.json").read_text(encoding="utf-8"))["version"]
        target = out / f"vastaus-zendesk-{version}.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(tree.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(tree).as_posix())
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the Vastaus Zendesk app's zip.")
    parser.add_argument("out_dir", nargs="?", default="dist", help="where to write the zip (default: dist)")
    parser.add_argument("--api-url", help="the Vastaus address; its host goes into domainWhitelist")
    parser.add_argument("--sdk-dir", type=Path, help="an installed zendesk_app_framework_sdk package (skips npm)")
    args = parser.parse_args(argv)
    try:
        print(package(Path(args.out_dir), sdk_dir=args.sdk_dir, api_url=args.api_url))
    except PackageError as exc:
        parser.exit(1, f"package: {exc}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
