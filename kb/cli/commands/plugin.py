"""``kb plugin package ADAPTER``: the uploadable package of a helpdesk adapter.

The adapters live in ``plugin/`` (plain files, not a Python package), each with a
``package.py`` that knows its helpdesk's packaging rules; this command loads it by path.
"""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

from kb import resources
from kb.cli.common import add_setting, fail
from kb.i18n import gettext

ADAPTERS = ("zendesk", "freshdesk", "extension")


def _load(plugin_dir: Path, adapter: str):
    path = plugin_dir / adapter / "package.py"
    if not path.is_file():
        raise FileNotFoundError(gettext("%(path)s not found; is --plugin-dir the plugin folder?") % {"path": path})
    spec = importlib.util.spec_from_file_location(f"vastaus_plugin_{adapter}_package", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cmd_package(args: argparse.Namespace) -> int:
    try:
        module = _load(Path(args.plugin_dir) if args.plugin_dir else resources.plugin_dir(), args.adapter)
    except FileNotFoundError as exc:
        fail("plugin package", exc)
        return 1
    if args.tree:
        if args.adapter != "extension":
            fail("plugin package", gettext("--tree is for the browser extension only."))
            return 2
        out = module.build_tree(Path(args.tree))
        print(gettext("wrote %(path)s") % {"path": out})
        return 0
    extra = {"api_url": args.api_url} if args.adapter == "zendesk" and args.api_url else {}
    out = module.package(Path(args.out), **extra)
    print(gettext("wrote %(path)s") % {"path": out})
    return 0


def register(sub) -> None:
    plugin = sub.add_parser("plugin", help=gettext("package a helpdesk adapter of the plugin"),
                            description=gettext("Build the file a helpdesk administrator uploads or installs."))
    plugin_sub = plugin.add_subparsers(dest="plugin_command", required=True, metavar=gettext("ACTION"))
    package = plugin_sub.add_parser("package", help=gettext("build the uploadable zip of an adapter"),
                                    description=gettext("Zendesk: the app zip for Admin Center > Apps > Upload private "
                                                        "app (the ZAF SDK is vendored from npm, never loaded from a "
                                                        "CDN). Freshdesk: the FDK app zip. extension: the browser "
                                                        "extension zip."))
    package.add_argument("adapter", choices=ADAPTERS)
    package.add_argument("-o", "--out", default="dist", help=gettext("output folder (default dist/)"))
    package.add_argument("--tree", help=gettext("extension: write the unpacked extension into this folder (for "
                                                "Load unpacked) instead of the zip; the folder is replaced"))
    package.add_argument("--api-url", help=gettext("Zendesk: the Vastaus API URL to allow in the app's domain whitelist"))
    add_setting(package, "plugin_dir")
    package.set_defaults(func=cmd_package)
