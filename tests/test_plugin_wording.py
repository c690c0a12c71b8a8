"""The helpdesk apps' own wording (what the helpdesk, not the panel, shows: app store texts,
installation settings, the browser's extension list) exists in Finnish and Estonian too, with
the same keys as the English, and follows the glossary (API-avain / API-võti, the product name
uninflected)."""

from __future__ import annotations

import importlib.util
import json
import re

import pytest
from conftest import REPO

PLUGIN = REPO / "plugin"


def leaves(data, prefix=""):
    if isinstance(data, dict):
        for key, value in data.items():
            yield from leaves(value, f"{prefix}.{key}" if prefix else key)
    else:
        yield prefix, data


def read(path):
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("lang", ["fi", "et"])
def test_zendesk_app_translations_match_the_english(lang):
    english = dict(leaves(read(PLUGIN / "zendesk" / "translations" / "en.json")))
    translated = dict(leaves(read(PLUGIN / "zendesk" / "translations" / f"{lang}.json")))
    assert translated.keys() == english.keys()
    assert all(isinstance(v, str) and v.strip() for v in translated.values())
    untranslated = [k for k, v in translated.items() if v == english[k] and k != "app.name"]
    assert untranslated == []
    token = {"fi": "API-avain", "et": "API-võti"}[lang]
    assert translated["app.parameters.api_token.label"] == token


def test_extension_manifest_wording_comes_from_its_locales():
    manifest = read(PLUGIN / "extension" / "manifest.json")
    names = set(re.findall(r"__MSG_(\w+)__", json.dumps(manifest)))
    assert names and manifest["default_locale"] == "en"
    locales = PLUGIN / "extension" / "_locales"
    english = read(locales / "en" / "messages.json")
    for lang in ("en", "fi", "et"):
        messages = read(locales / lang / "messages.json")
        assert set(messages) == names, lang
        assert all(m["message"].strip() for m in messages.values())
        if lang != "en":
            assert all(messages[n]["message"] != english[n]["message"] for n in names), lang


def test_the_built_extension_carries_its_locales(tmp_path):
    path = PLUGIN / "extension" / "package.py"
    spec = importlib.util.spec_from_file_location("plugin_extension_package_wording", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tree = module.build_tree(tmp_path / "extension")
    assert {p.parent.name for p in (tree / "_locales").glob("*/messages.json")} == {"en", "fi", "et"}


@pytest.mark.parametrize("path", ["zendesk/translations/fi.json", "zendesk/translations/et.json",
                                  "extension/_locales/fi/messages.json", "extension/_locales/et/messages.json"])
def test_the_product_name_is_never_inflected(path):
    text = (PLUGIN / path).read_text(encoding="utf-8")
    assert not re.search(r"\bVastau(?:ks|s)\w+", text)
