"""`kb translations`: stale, missing and complete translations, with the source diff from git."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import REPO, write_reply
from support.gitkb import edit, make_repo

from kb.cli.main import main
from kb.content.loader import load_kb
from kb.editors.translations import catalog_status, snippet_status


def test_stale_translation_shows_what_changed_in_the_source(tmp_path, capsys):
    root = make_repo(tmp_path)
    invoice = root / "billing" / "invoice.yaml"
    edit(invoice, "kuukausimaksu.", "kuukausimaksu ja toimitusmaksu.")
    edit(invoice, "version: 1", "version: 2")
    edit(invoice, "  et:\n    source_version: 1", "  et:\n    source_version: 2")  # et caught up, en did not
    text = invoice.read_text()
    invoice.write_text(text[: text.index("  en:")])  # and en is missing now
    write_reply(root, "billing/extra")
    statuses = {s.lang: s for s in snippet_status(load_kb(root))}
    assert statuses["fi"].source == ["billing/extra", "billing/invoice", "delivery/tracking"]
    assert statuses["et"].complete == ["billing/extra", "billing/invoice", "delivery/tracking"]
    assert statuses["en"].missing == ["billing/invoice"]
    edit(invoice, "  et:\n    source_version: 2", "  et:\n    source_version: 1")
    (stale,) = snippet_status(load_kb(root), ["et"])[0].stale
    assert (stale.id, stale.follows, stale.version) == ("billing/invoice", 1, 2)
    assert main(["translations", "--lang", "et", "--responses", str(root)]) == 0
    out = capsys.readouterr().out
    assert "et: 2 complete, 1 stale, 0 missing" in out
    assert "fi.body: Hei {{customer.first_name}}! Laskussasi on [-kuukausimaksu.-] {+kuukausimaksu ja toimitusmaksu.+}" in out
    assert main(["translations", "--format", "json", "--responses", str(root)]) == 0
    data = json.loads(capsys.readouterr().out)
    et = next(s for s in data["snippets"] if s["lang"] == "et")
    assert et["stale"] == 1 and et["stale_ids"][0]["diff"]["body"].startswith("Hei")
    assert {c["lang"] for c in data["catalogs"]} >= {"fi", "et"}


def test_without_git_history_the_stale_list_says_so(empty_kb, capsys):
    path = write_reply(empty_kb, "billing/invoice")
    path.write_text(path.read_text().replace("version: 1\n", "version: 2\n", 1))
    assert main(["translations", "--lang", "en", "--responses", str(empty_kb)]) == 0
    assert "no git history" in capsys.readouterr().out


def test_catalog_counts(tmp_path: Path):
    po = tmp_path / "fi" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
                  'msgid "Done"\nmsgstr "Valmis"\n\n#, fuzzy\nmsgid "Ready"\nmsgstr "Valmiina"\n\n'
                  'msgid "Late"\nmsgstr ""\n\nmsgid "one item"\nmsgid_plural "{n} items"\nmsgstr[0] "yksi"\nmsgstr[1] ""\n',
                  encoding="utf-8")
    (status,) = catalog_status(tmp_path)
    assert (status.translated, status.fuzzy, status.untranslated) == (1, 1, 2)


def test_english_source_entries_are_not_untranslated(tmp_path: Path):
    """Message ids are English: an empty English msgstr shows the msgid, nothing is missing."""
    po = tmp_path / "en" / "LC_MESSAGES" / "plugin.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  'msgid "Done"\nmsgstr ""\n\nmsgid "Ready"\nmsgstr "Ready"\n', encoding="utf-8")
    (status,) = catalog_status(tmp_path)
    assert (status.translated, status.fuzzy, status.untranslated) == (2, 0, 0)


def test_the_shipped_catalogs_report_nothing_untranslated():
    assert [(c.lang, c.domain) for c in catalog_status(REPO / "locales") if c.untranslated or c.fuzzy] == []
