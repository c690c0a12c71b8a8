"""The plugin's files without a browser: size budget, no HTML built from data, CSP-friendly pages,
adapter manifests, packages, and the plugin's message catalogs."""

from __future__ import annotations

import gzip
import importlib.util
import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from conftest import REPO

from kb import i18n

PLUGIN = REPO / "plugin"
CORE = PLUGIN / "core"
LOCALES = REPO / "locales"
CORE_BUDGET_GZIP = 40 * 1024
JS_FILES = sorted(p for p in PLUGIN.rglob("*.js") if "dist" not in p.parts and "node_modules" not in p.parts)
HTML_FILES = sorted(p for p in PLUGIN.rglob("*.html") if "dist" not in p.parts)


def load(path: Path):
    spec = importlib.util.spec_from_file_location(f"plugin_{path.parent.name}_package", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_core_plugin_fits_the_budget():
    total = sum(len(gzip.compress(path.read_bytes(), compresslevel=9)) for path in CORE.glob("*.js"))
    print(f"\ncore plugin: {total} bytes gzipped ({total / 1024:.1f} KB of {CORE_BUDGET_GZIP // 1024} KB)")
    assert 0 < total <= CORE_BUDGET_GZIP


@pytest.mark.parametrize("path", JS_FILES, ids=lambda p: str(p.relative_to(PLUGIN)))
def test_no_markup_is_built_from_strings(path):
    """Snippets, names and messages are data: text nodes only, never parsed as HTML or code."""
    source = path.read_text(encoding="utf-8")
    for pattern in (r"\.innerHTML\b", r"\.outerHTML\b", r"insertAdjacentHTML", r"document\.write", r"\beval\(",
                    r"new Function\(", r"createContextualFragment", r"setTimeout\(\s*['\"`]"):
        assert not re.search(pattern, source), f"{path.name} uses {pattern}"


@pytest.mark.parametrize("path", HTML_FILES, ids=lambda p: str(p.relative_to(PLUGIN)))
def test_pages_work_under_a_strict_csp(path):
    """script-src 'self' and style-src 'self': no inline scripts, handlers or styles."""
    html = path.read_text(encoding="utf-8")
    for script in re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S):
        assert "src=" in script[0] and not script[1].strip(), f"inline script in {path.name}"
    assert not re.search(r"\son[a-z]+\s*=", html), f"inline event handler in {path.name}"
    assert not re.search(r"<style\b|\sstyle\s*=", html), f"inline style in {path.name}"
    assert not re.search(r"<script[^>]+src=\"(https?:)?//", html), f"script from another host in {path.name}"


def test_the_core_never_uses_a_cdn_or_a_framework():
    for path in CORE.glob("*.js"):
        for specifier in re.findall(r"""^(?:import|export)\b[^;'"\n]*\bfrom\s*['"]([^'"]+)['"]""", path.read_text(encoding="utf-8"), re.M):
            assert specifier.startswith("./"), f"{path.name} imports {specifier}"


# -- adapters ---------------------------------------------------------------------------------

def test_zendesk_manifest():
    manifest = json.loads((PLUGIN / "zendesk" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["frameworkVersion"] == "2.0"
    assert manifest["location"]["support"]["ticket_sidebar"]["url"] == "assets/iframe.html"
    token = next(p for p in manifest["parameters"] if p["name"] == "api_token")
    assert token["secure"] is True
    assert token["scopes"] == ["header"]  # the token may only go into a request header
    assert manifest["domainWhitelist"]
    english = json.loads((PLUGIN / "zendesk" / "translations" / "en.json").read_text(encoding="utf-8"))
    assert set(english["app"]["parameters"]) == {p["name"] for p in manifest["parameters"]}
    for lang in ("fi", "et"):  # every key of the English file, in each language
        other = json.loads((PLUGIN / "zendesk" / "translations" / f"{lang}.json").read_text(encoding="utf-8"))
        assert set(other["app"]) == set(english["app"]) and set(other["app"]["parameters"]) == set(english["app"]["parameters"])
        for name, texts in other["app"]["parameters"].items():
            assert set(texts) == set(english["app"]["parameters"][name]), (lang, name)
    app = (PLUGIN / "zendesk" / "assets" / "app.js").read_text(encoding="utf-8")
    for call in ("ticket.comment.appendText", "{{setting.api_token}}", "secure: true", "'ticket.save'",
                 "'ticket.requester.firstName'", "'currentUser.locale'", "'ticket.comments'"):
        assert call in app


def test_zendesk_package_holds_the_app_and_the_sdk(tmp_path):
    module = load(PLUGIN / "zendesk" / "package.py")
    sdk = _fake_sdk(tmp_path / "sdk")
    zip_path = module.package(tmp_path / "out", sdk_dir=sdk, api_url="https://kb.example.org/")
    with zipfile.ZipFile(zip_path) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        bundle = archive.read("assets/vendor/zaf_sdk.js").decode()
    assert {"manifest.json", "translations/en.json", "assets/iframe.html", "assets/app.js", "assets/core/index.js",
            "assets/core/panel.js", "assets/vendor/zaf_sdk.js", "assets/logo.png", "assets/logo-small.png"} <= names
    assert manifest["domainWhitelist"] == ["kb.example.org"]
    assert "window.ZAFClient = load(\"lib/index.js\")" in bundle and "lib/client.js" in bundle


def _fake_sdk(folder: Path) -> Path:
    """A package laid out like zendesk_app_framework_sdk (CommonJS in lib/)."""
    (folder / "lib").mkdir(parents=True)
    (folder / "package.json").write_text(json.dumps({"name": "zendesk_app_framework_sdk", "version": "0.0.0",
                                                     "main": "lib/index.js"}))
    (folder / "lib" / "index.js").write_text("var Client = require('./client'); module.exports = {init: Client};")
    (folder / "lib" / "client.js").write_text("module.exports = function () { return 'client'; };")
    return folder


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed")
def test_zendesk_package_vendors_the_real_sdk_from_npm(tmp_path):
    """The real npm package, bundled and run: ZAFClient.init() does the ZAF handshake."""
    module = load(PLUGIN / "zendesk" / "package.py")
    tree = module.build_tree(tmp_path / "app")
    bundle = (tree / "assets" / "vendor" / "zaf_sdk.js").read_text(encoding="utf-8")
    assert "iframe.handshake" in bundle and "window.ZAFClient" in bundle
    assert (tree / "assets" / "vendor" / "LICENSE-zaf-sdk.txt").is_file()


def test_freshdesk_app():
    manifest = json.loads((PLUGIN / "freshdesk" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["platform-version"] == "3.0"
    assert manifest["modules"]["support_ticket"]["location"]["ticket_sidebar"]["url"] == "index.html"
    templates = json.loads((PLUGIN / "freshdesk" / "config" / "requests.json").read_text(encoding="utf-8"))
    assert set(templates) == set(manifest["modules"]["common"]["requests"])
    iparams = json.loads((PLUGIN / "freshdesk" / "config" / "iparams.json").read_text(encoding="utf-8"))
    assert iparams["api_token"]["secure"] is True
    for template in templates.values():
        assert template["schema"]["headers"]["Authorization"] == "Bearer <%= iparam.api_token %>"
        assert template["schema"]["host"] == "<%= iparam.api_host %>"
    app = (PLUGIN / "freshdesk" / "app" / "scripts" / "app.js").read_text(encoding="utf-8")
    for call in ("client.data.get('ticket')", "client.data.get('loggedInUser')", "'setValue'", "id: 'editor'"):
        assert call in app


def test_freshdesk_and_extension_packages(tmp_path):
    freshdesk = load(PLUGIN / "freshdesk" / "package.py").package(tmp_path)
    with zipfile.ZipFile(freshdesk) as archive:
        assert {"manifest.json", "config/iparams.json", "config/requests.json", "app/index.html",
                "app/scripts/app.js", "app/core/index.js"} <= set(archive.namelist())
    extension = load(PLUGIN / "extension" / "package.py").package(tmp_path)
    with zipfile.ZipFile(extension) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
    assert {"manifest.json", "background.js", "content.js", "content-main.js", "panel.html", "options.html",
            "core/index.js"} <= names
    assert not any("test-harness" in name for name in names)
    assert manifest["manifest_version"] == 3
    assert "content_scripts" not in manifest and "host_permissions" not in manifest  # only on allowed sites
    assert set(manifest["permissions"]) == {"storage", "scripting"}
    assert manifest["optional_host_permissions"]


def test_the_extension_manifest_suits_chrome_and_firefox(tmp_path):
    """What Chrome's store and Mozilla's addons-linter ask for, checked on the built tree."""
    from kb.cli.main import main

    tree = tmp_path / "unpacked"
    assert main(["plugin", "package", "extension", "--tree", str(tree)]) == 0
    manifest = json.loads((tree / "manifest.json").read_text(encoding="utf-8"))
    gecko = manifest["browser_specific_settings"]["gecko"]
    assert "@" in gecko["id"] and gecko["data_collection_permissions"]["required"]
    assert manifest["background"]["service_worker"] == "background.js"  # Chrome
    assert manifest["background"]["scripts"] == ["background.js"]  # Firefox
    for path in [*manifest["icons"].values(), *manifest["action"]["default_icon"].values()]:
        assert (tree / path).read_bytes().startswith(b"\x89PNG"), path
    # Every __MSG_x__ is in every locale, English the default.
    used = set(re.findall(r"__MSG_(\w+)__", (tree / "manifest.json").read_text(encoding="utf-8")))
    assert manifest["default_locale"] == "en" and used
    for lang in ("en", "fi", "et"):
        messages = json.loads((tree / "_locales" / lang / "messages.json").read_text(encoding="utf-8"))
        assert used <= set(messages), lang
    # Only the panel is reachable from pages, and only at the per-session address.
    panel = next(entry for entry in manifest["web_accessible_resources"] if "panel.html" in entry["resources"])
    assert panel["resources"] == ["panel.html"] and panel["use_dynamic_url"] is True
    for entry in manifest["web_accessible_resources"]:
        for name in entry["resources"]:
            assert (tree / name).is_file(), name


def test_every_adapter_has_install_instructions():
    for adapter in ("zendesk", "freshdesk", "chatwoot", "extension", "demo"):
        readme = PLUGIN / adapter / "README.md"
        assert readme.is_file() and len(readme.read_text(encoding="utf-8")) > 300, adapter


# -- message catalogs -------------------------------------------------------------------------

def plugin_ids() -> set:
    found = set()
    for path, _line, message, _comments, _context in extract_from_dir(
            str(REPO), method_map=[("plugin/**.js", "javascript")],
            directory_filter=lambda d: Path(d).name not in ("dist", "node_modules") and not Path(d).name.startswith(".")):
        assert "dist" not in Path(path).parts
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def catalog(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def ids_of(cat) -> set:
    return {m.id if isinstance(m.id, str) else tuple(m.id) for m in cat if m.id}


def test_babel_cfg_extracts_the_plugin_separately():
    text = (REPO / "babel.cfg").read_text(encoding="utf-8")
    assert "[python: kb/**.py]" in text and "[javascript: plugin/**.js]" in text
    assert "-o locales/plugin.pot" in text


def test_plugin_pot_is_up_to_date_with_the_code():
    code = plugin_ids()
    pot = ids_of(catalog(LOCALES / "plugin.pot"))
    assert len(code) > 40
    assert pot == code, f"run the plugin's pybabel commands in babel.cfg; missing: {code - pot}; stale: {pot - code}"


@pytest.mark.parametrize("locale", ["fi", "et", "en"])
def test_plugin_catalogs_follow_the_template(locale):
    cat = catalog(LOCALES / locale / "LC_MESSAGES" / "plugin.po")
    assert ids_of(cat) == ids_of(catalog(LOCALES / "plugin.pot"))
    assert cat.plural_forms == "nplurals=2; plural=(n != 1);"


@pytest.mark.parametrize("locale", ["fi", "et"])
def test_plugin_catalogs_are_translated_and_keep_placeholders(locale):
    cat = catalog(LOCALES / locale / "LC_MESSAGES" / "plugin.po")
    for message in cat:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings) and not message.fuzzy, message.id
        source = message.id if isinstance(message.id, str) else message.id[1]
        for string in strings:
            assert sorted(re.findall(r"\{(\w+)\}", string)) == sorted(re.findall(r"\{(\w+)\}", source)), (locale, message.id)


def test_plugin_strings_endpoint_shape():
    """What GET /api/v1/i18n/<lang> gives the panel: the shape core/i18n.js reads."""
    data = i18n.plugin_messages("fi")
    assert data["lang"] == "fi" and data["plural"] == "(n != 1)"
    assert data["messages"]["Insert"] == "Lisää"
    assert data["messages"]["{count} reply"] == ["{count} vastaus", "{count} vastausta"]
    assert i18n.plugin_messages("et")["messages"]["Retry"] == "Proovi uuesti"


def test_kb_plugin_package_builds_each_adapter(tmp_path, capsys):
    from kb.cli.main import main

    for adapter in ("freshdesk", "extension"):
        assert main(["plugin", "package", adapter, "-o", str(tmp_path / adapter), "--plugin-dir", str(PLUGIN)]) == 0
        written = capsys.readouterr().out.strip().removeprefix("wrote ")
        assert zipfile.is_zipfile(written)
    assert main(["plugin", "package", "zendesk", "--plugin-dir", str(tmp_path / "nothing")]) == 1
