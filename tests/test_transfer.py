"""``kb import`` and ``kb export``: realistic helpdesk files in, valid snippet files out, and back.

The sample files in ``tests/support/transfer_samples/`` are written from each helpdesk's public API
documentation. Every import must give files that pass ``kb lint``; every export of the
bundled knowledge base, imported again, must give the same texts.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import SAMPLE

from kb.cli.main import main
from kb.content.kbyaml import HELPDESKS, SettingsError, load_settings
from kb.content.loader import load_kb
from kb.content.placeholders import fill
from kb.editors.lint import lint
from kb.transfer import FORMATS, ExportRefused, export_kb, import_file
from kb.transfer.common import slug
from kb.transfer.htmltext import html_to_text, text_to_html

SAMPLES = Path(__file__).resolve().parent / "support" / "transfer_samples"
ZENDESK = {"dynamic_content": SAMPLES / "zendesk_dynamic_content.json", "locales": SAMPLES / "zendesk_locales.json"}


def snippet_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.yaml") if p.name != "kb.yaml")


def assert_lints_clean(root: Path) -> None:
    report = lint(root)
    assert not report.errors, [f"{p.path}:{p.line}: {p.code} {p.message}" for p in report.errors]


# -- kb.yaml: helpdesks -------------------------------------------------------------------------


def test_every_helpdesk_has_a_format_and_the_sample_maps_the_common_variables():
    assert {fmt.helpdesk for fmt in FORMATS.values() if fmt.helpdesk} == set(HELPDESKS)
    variables = load_settings(SAMPLE).variables
    assert variables["customer.first_name"].helpdesks == {
        "zendesk": "ticket.requester.first_name", "freshdesk": "ticket.requester.firstname",
        "zammad": "ticket.customer.firstname", "chatwoot": "contact.first_name"}


@pytest.mark.parametrize("entry, message", [
    ("{helpdesk: {zendesk: x}}", "unknown field 'helpdesk'"),
    ("{helpdesks: {kayako: user.name}}", "unknown helpdesk 'kayako'; known helpdesks are zendesk"),
    ("{helpdesks: [zendesk]}", "helpdesks must map a helpdesk"),
    ("{helpdesks: {zendesk: '{{ticket.id}}'}}", "without braces"),
])
def test_a_wrong_helpdesks_entry_is_a_settings_error(empty_kb, entry, message):
    settings = empty_kb / "kb.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace(
        "  order.id: {example:", f"  order.other: {{example: x, max_length: 3, {entry[1:-1]}}}\n  order.id: {{example:"),
        encoding="utf-8")
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace("[", r"\[")):
        load_settings(empty_kb)


def test_two_variables_may_not_share_a_helpdesk_name(empty_kb):
    settings = empty_kb / "kb.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace(
        "  order.id: {example: \"700123456\",", "  order.id: {example: \"700123456\", helpdesks: {zendesk: ticket.id},"),
        encoding="utf-8")
    with pytest.raises(SettingsError, match="already the zendesk name of ticket.id"):
        load_settings(empty_kb)


# -- shared pieces ------------------------------------------------------------------------------


def test_ids_fold_finnish_and_estonian_letters():
    assert slug("Häiriö Õhtul: šokk & žürii – Åland") == "hairio-ohtul-sokk-zurii-aland"
    assert slug("!!!") == "reply"
    assert len(slug("Pitkä otsikko " * 20)) <= 60


def test_html_is_read_as_text_never_run():
    text, dropped = html_to_text(
        '<div dir="ltr">Hei&nbsp;Aino &amp; Mikko<br><script>alert("x")</script><style>b{}</style>'
        '<p>Katso <a href="https://example.com/ohje">ohje</a> tai <a href="javascript:steal()">tämä</a>.</p>'
        "<ol><li>yksi</li><li>kaksi</li></ol><iframe src=x>upotus</iframe><b>loppu</div><script>unclosed")
    assert dropped
    assert text == "Hei Aino & Mikko\n\nKatso ohje (https://example.com/ohje) tai tämä.\n\n1. yksi\n2. kaksi\nloppu"
    assert "alert" not in text and "steal" not in text and "upotus" not in text
    assert html_to_text("<p>ok</p>") == ("ok", False)


def test_text_to_html_and_back_gives_the_same_text():
    text = "Hei {{x}}!\n\nRivi  kahdella   välillä <ja> & merkit\n- luettelo"
    assert html_to_text(text_to_html(text))[0] == text


# -- import -------------------------------------------------------------------------------------


def test_import_zendesk_macros_with_dynamic_content(empty_kb):
    result = import_file("zendesk", SAMPLES / "zendesk_macros.json", empty_kb, **ZENDESK)
    assert result.exit_code == 0
    assert snippet_files(empty_kb) == ["laskutus/hyvitys-kasitelty.yaml", "toimitus/paketti-on-myohassa-2.yaml",
                                       "toimitus/paketti-on-myohassa.yaml", "yleiset/kiitos-palautteesta.yaml"]
    assert_lints_clean(empty_kb)
    kb = load_kb(empty_kb)
    late = kb.snippets["toimitus/paketti-on-myohassa"]
    assert late.texts["fi"].title == "Paketti on myöhässä"
    assert late.texts["fi"].body.startswith("Hei {{customer.first_name}}!\n\nPahoittelemme")
    assert "#{{ticket.id}}" in late.texts["fi"].body and late.texts["fi"].body.rstrip().endswith("{{agent.first_name}}")
    assert late.guidance["fi"].startswith("Käytä, kun seurantakoodi")
    assert "sms" not in late.channels and "email" in late.channels  # too long for SMS, and there is no short text
    # Dynamic Content variants are one snippet's languages; the de variant is reported, not kept
    thanks = kb.snippets["yleiset/kiitos-palautteesta"]
    assert set(thanks.texts) == {"fi", "et", "en"}
    assert thanks.texts["et"].title == "Täname tagasiside eest" and thanks.texts["et"].source_version == 1
    assert thanks.texts["en"].body.startswith("Hi {{customer.first_name}}, thanks")
    assert any("de variant was left out" in note for note in result.report.notes)
    # HTML converted, script and style gone; the unmapped placeholder kept visibly and reported
    refund = kb.snippets["laskutus/hyvitys-kasitelty"].texts["fi"].body
    assert "[[zendesk:ticket.organization.name]]" in refund and "- Kuitti lähetetään sähköpostiin." in refund
    assert "document.cookie" not in refund and "color" not in refund and "&amp;" not in refund
    assert result.report.html_converted == 1 and result.report.html_removed == 1
    assert result.report.unmapped == [
        "zendesk macro 360001002 'Laskutus::Hyvitys käsitelty': {{ticket.organization.name}} has no Vastaus variable; "
        "kept as [[zendesk:ticket.organization.name]]; add a helpdesks: entry in kb.yaml"]
    notes = "\n".join(result.report.notes)
    assert "360001005 'Vanhat::Kesäkampanja 2023': inactive" in notes and "360001006 'Sulje roskaposti': has no reply" in notes


def test_a_dynamic_content_placeholder_without_its_items_is_reported(empty_kb):
    result = import_file("zendesk", SAMPLES / "zendesk_macros.json", empty_kb)
    assert any("{{dc.kiitos_palautteesta}} has no dynamic content item" in line for line in result.report.unmapped)
    assert_lints_clean(empty_kb)


def test_import_freshdesk_canned_responses(empty_kb):
    result = import_file("freshdesk", SAMPLES / "freshdesk_canned_responses.json", empty_kb)
    assert snippet_files(empty_kb) == ["general/palautus-vastaanotettu.yaml",
                                       "palautukset-ja-hyvitykset/palautus-vastaanotettu.yaml",
                                       "palautukset-ja-hyvitykset/palautusohjeet.yaml"]
    assert_lints_clean(empty_kb)
    kb = load_kb(empty_kb)
    received = kb.snippets["palautukset-ja-hyvitykset/palautus-vastaanotettu"].texts["fi"].body
    assert received == ("Hei {{customer.first_name}}!\n\nPalautuksesi on saapunut varastollemme. Hyvitämme summan viiden "
                        "arkipäivän kuluessa.\n\nYstävällisin terveisin\n{{agent.first_name}}\n")  # Freshdesk's signing name
    howto = kb.snippets["palautukset-ja-hyvitykset/palautusohjeet"].texts["fi"].body
    assert "1. Tulosta palautuslappu tilauksesi {{ticket.id}} sivulta." in howto
    assert "evil" not in howto and "Upota" not in howto and "alert" not in howto
    assert result.report.html_converted == 3 and result.report.html_removed == 1
    assert any("attachments were not imported" in note for note in result.report.notes)


def test_import_zammad_text_modules(empty_kb):
    result = import_file("zammad", SAMPLES / "zammad_text_modules.csv", empty_kb, into="yleiset")
    assert snippet_files(empty_kb) == ["yleiset/aukioloajat.yaml", "yleiset/tervehdys.yaml",
                                       "yleiset/tilauksen-peruutus.yaml"]
    assert_lints_clean(empty_kb)
    cancel = load_kb(empty_kb).snippets["yleiset/tilauksen-peruutus"]
    assert cancel.texts["fi"].keywords == ("peruutus", "peru tilaus", "tilauksen peruminen")
    assert cancel.texts["fi"].body.startswith("Hei {{customer.first_name}} [[zammad:ticket.customer.lastname]],\n\n")
    assert "Tapausnumerosi on {{ticket.id}}." in cancel.texts["fi"].body
    assert cancel.guidance["fi"] == "Tarkista ennen peruutusta, ettei tilaus ole jo lähtenyt varastolta."
    assert any("#{ticket.customer.lastname} has no Vastaus variable" in line for line in result.report.unmapped)
    assert any("'Vanha kampanja' (line 5): inactive" in note for note in result.report.notes)


def test_import_zammad_text_modules_from_the_api(empty_kb):
    result = import_file("zammad", SAMPLES / "zammad_text_modules.json", empty_kb)
    assert snippet_files(empty_kb) == ["imported/salasanan-vaihto.yaml"]
    assert_lints_clean(empty_kb)
    text = load_kb(empty_kb).snippets["imported/salasanan-vaihto"].texts["fi"]
    assert text.keywords == ("salasana", "kirjautuminen")
    assert text.body == ("Hei {{customer.first_name}},\n\nvoit vaihtaa salasanan kirjautumissivun linkistä Unohtuiko "
                         "salasana? (https://example.com/salasana). Linkki on voimassa tunnin.\n\nTerveisin\n"
                         "{{agent.first_name}}\n")
    assert any("'Testimoduuli' (id 22): inactive" in note for note in result.report.notes)


def test_import_chatwoot_canned_responses(empty_kb):
    result = import_file("chatwoot", SAMPLES / "chatwoot_canned_responses.json", empty_kb)
    assert snippet_files(empty_kb) == ["imported/kiitos.yaml", "imported/tervetuloa.yaml", "imported/tilaus-tila.yaml"]
    assert_lints_clean(empty_kb)
    kb = load_kb(empty_kb)
    assert kb.snippets["imported/tervetuloa"].texts["fi"].body == \
        "Hei {{customer.first_name}}! Olen {{agent.first_name}} asiakaspalvelusta. Miten voin auttaa?\n"
    assert kb.snippets["imported/tilaus-tila"].texts["fi"].title == "Tilaus tila"
    assert "{{ticket.id}}" in kb.snippets["imported/tilaus-tila"].texts["fi"].body
    assert any("{{contact.email}} has no Vastaus variable" in line for line in result.report.unmapped)


def test_import_a_sheet_groups_languages_by_id(empty_kb):
    result = import_file("sheet", SAMPLES / "sheet.csv", empty_kb)
    assert snippet_files(empty_kb) == ["imported/lahjakortin-voimassaolo.yaml", "toimitus/paketti-kadonnut.yaml"]
    assert_lints_clean(empty_kb)
    lost = load_kb(empty_kb).snippets["toimitus/paketti-kadonnut"]
    assert set(lost.texts) == {"fi", "et", "en"} and lost.tags == ("toimitus", "reklamaatio")
    assert lost.texts["et"].keywords == ("pakk kadus", "pakk ei jõudnud kohale", "kus on minu pakk")
    assert lost.texts["fi"].short == "Hei {{customer.first_name}}! Pakettisi on kadonnut, selvitämme asian ja lähetämme uuden."
    assert lost.guidance == {"fi": "Käytä vasta kun seuranta ei ole päivittynyt viiteen päivään.",
                             "en": "Use only when tracking has not updated for five days."}
    assert any("{{tilausnumero}} is not a variable of kb.yaml; kept as [[tilausnumero]]" in line
               for line in result.report.unmapped)
    assert any("line 6" in note and "de is not a language" in note for note in result.report.notes)


def test_a_file_in_a_language_that_is_not_required_alone_is_reported_not_written(empty_kb):
    # en is not in the sample's source_langs (et is: tests/test_transfer_match.py)
    result = import_file("chatwoot", SAMPLES / "chatwoot_canned_responses.json", empty_kb, lang="en")
    assert result.exit_code == 1 and snippet_files(empty_kb) == []
    assert all(outcome.status == "invalid" for outcome in result.outcomes)
    assert "KB017" in result.outcomes[0].messages[0] and "'fi'" in result.outcomes[0].messages[0]


def test_dry_run_writes_nothing(empty_kb):
    result = import_file("zendesk", SAMPLES / "zendesk_macros.json", empty_kb, dry_run=True, **ZENDESK)
    assert result.count("created") == 4 and snippet_files(empty_kb) == []


def _sheet(path: Path, rows: list[str]) -> Path:
    path.write_text("id,lang,title,body\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_titles_and_bodies_yaml_would_misread_are_written_safely(empty_kb, tmp_path):
    awkward = ["yes", "Hinta: 10 € # alv 0 %", "- lista", "@kaikki", '"lainaus"', "null", "2026-11-20", "[x]", "{a: b}"]
    body = "  Sisennetty alku\n---\n...\n\tsarkain\x07 ja {{customer.name}}"
    rows = "".join(f'testi/{i},fi,"{t.replace(chr(34), chr(34) * 2)}","{body}"\n' for i, t in enumerate(awkward))
    sheet = tmp_path / "awkward.csv"
    sheet.write_text("id,lang,title,body\n" + rows, encoding="utf-8")
    result = import_file("sheet", sheet, empty_kb)
    assert result.count("created") == len(awkward), [o.messages for o in result.outcomes]
    assert_lints_clean(empty_kb)
    kb = load_kb(empty_kb)
    titles = sorted(s.texts["fi"].title for s in kb.snippets.values())
    assert titles == sorted(awkward)
    body = next(iter(kb.snippets.values())).texts["fi"].body
    assert body == "Sisennetty alku\n---\n...\n    sarkain ja {{customer.name}}\n"


def test_existing_files_change_only_with_force(empty_kb, tmp_path):
    first = _sheet(tmp_path / "a.csv", ["toimitus/nouto,fi,Nouto,Hei {{customer.first_name}}! Paketti odottaa.",
                                        "toimitus/nouto,et,Pakiautomaat,Tere {{customer.first_name}}! Pakk ootab."])
    assert import_file("sheet", first, empty_kb).count("created") == 1
    path = empty_kb / "toimitus" / "nouto.yaml"
    before = path.read_text(encoding="utf-8")
    second = _sheet(tmp_path / "b.csv", ["toimitus/nouto,fi,Nouto,Hei {{customer.first_name}}! Paketti odottaa noutoa."])
    result = import_file("sheet", second, empty_kb)
    assert result.count("skipped") == 1 and "--force" in result.outcomes[0].messages[0]
    assert path.read_text(encoding="utf-8") == before
    assert import_file("sheet", second, empty_kb, force=True, dry_run=True).count("overwritten") == 1
    assert path.read_text(encoding="utf-8") == before
    assert import_file("sheet", second, empty_kb, force=True).count("overwritten") == 1
    snippet = load_kb(empty_kb).snippets["toimitus/nouto"]
    assert snippet.version == 2 and snippet.texts["fi"].body.startswith("Hei {{customer.first_name}}! Paketti odottaa noutoa")
    assert snippet.texts["et"].source_version == 1 and snippet.is_stale("et")  # kept, and now stale: translators see it
    assert_lints_clean(empty_kb)
    assert import_file("sheet", second, empty_kb, force=True).count("unchanged") == 1
    # a sheet with every language: only a translation that changed follows the new source version
    third = _sheet(tmp_path / "c.csv", ["toimitus/nouto,fi,Nouto,Hei {{customer.first_name}}! Paketti odottaa noutoa.",
                                        "toimitus/nouto,et,Pakiautomaat,Tere {{customer.first_name}}! Pakk ootab."])
    assert import_file("sheet", third, empty_kb, force=True).count("unchanged") == 1
    fourth = _sheet(tmp_path / "d.csv", ["toimitus/nouto,et,Pakiautomaat,Tere {{customer.first_name}}! Pakk ootab noutmist."])
    assert import_file("sheet", fourth, empty_kb, force=True).count("overwritten") == 1
    snippet = load_kb(empty_kb).snippets["toimitus/nouto"]
    assert snippet.version == 2 and snippet.texts["et"].source_version == 2 and not snippet.is_stale("et")


def test_an_escalation_is_never_overwritten(sample_kb, tmp_path):
    before = (sample_kb / "escalation" / "legal.yaml").read_text(encoding="utf-8")
    sheet = _sheet(tmp_path / "a.csv", ["escalation/legal,fi,Lakimies,Hei {{customer.first_name}}! Muutettu."])
    result = import_file("sheet", sheet, sample_kb, force=True)
    assert result.count("skipped") == 1 and "approved wording" in result.outcomes[0].messages[0]
    assert (sample_kb / "escalation" / "legal.yaml").read_text(encoding="utf-8") == before


# -- export, and back ---------------------------------------------------------------------------


def _as_exported(text: str, helpdesk: str | None) -> str:
    """What export does to variables the helpdesk has no name for but kb.yaml gives a default."""
    settings = load_settings(SAMPLE)
    defaults = {name: v.default for name, v in settings.variables.items()
                if v.default is not None and helpdesk is not None and helpdesk not in v.helpdesks}
    return fill(text, defaults).text.strip()


@pytest.mark.parametrize("name, options", [("zendesk", {}), ("zendesk", {"dynamic_content": True}), ("freshdesk", {}),
                                           ("zammad", {}), ("chatwoot", {}), ("sheet", {})])
def test_export_then_import_gives_the_same_snippets(name, options, empty_kb, tmp_path):
    text, report, count = export_kb(name, SAMPLE, **options)
    exported = tmp_path / f"export-{name}"
    exported.write_text(text, encoding="utf-8")
    result = import_file(name, exported, empty_kb)
    original = load_kb(SAMPLE)
    assert count == len(original.snippets) == result.count("created"), [o.messages for o in result.outcomes]
    assert_lints_clean(empty_kb)
    imported = load_kb(empty_kb)
    fmt = FORMATS[name]
    all_langs = name == "sheet" or options.get("dynamic_content")
    by_body = {(lang, text.body.strip()): text for s in imported.snippets.values() for lang, text in s.texts.items()}
    for snippet in original.snippets.values():
        if name == "sheet":
            copy = imported.snippets[snippet.id]
            assert set(copy.texts) == set(snippet.texts)
            for lang, text in snippet.texts.items():
                got = copy.texts[lang]
                assert (got.title, got.body, got.short, got.keywords) == (text.title, text.body, text.short, text.keywords)
            assert copy.tags == snippet.tags and copy.guidance == snippet.guidance
            continue
        for lang in (snippet.texts if all_langs else [original.settings.source_lang]):
            text = snippet.texts[lang]
            got = by_body.get((lang, _as_exported(text.body, fmt.helpdesk)))
            assert got is not None, (snippet.id, lang)
            if name != "chatwoot":  # Chatwoot has no titles: the title comes from the short code
                assert got.title == text.title
            if name == "zammad":
                assert got.keywords == text.keywords


def test_escalations_keep_their_approved_wording_and_are_marked(tmp_path):
    text, _, _ = export_kb("zendesk", SAMPLE)
    macros = {m["title"]: m for m in json.loads(text)["macros"]}
    legal = load_kb(SAMPLE).snippets["escalation/legal"]
    macro = macros["escalation::[escalation] " + legal.texts["fi"].title]
    expected = (legal.texts["fi"].body.rstrip("\n").replace("{{customer.first_name}}", "{{ticket.requester.first_name}}")
                .replace("{{agent.first_name}}", "{{current_user.first_name}}").replace("{{ticket.id}}", "{{ticket.id}}"))
    assert macro["actions"] == [{"field": "comment_value", "value": expected}]
    codes = [r["short_code"] for r in json.loads(export_kb("chatwoot", SAMPLE)[0])]
    assert "esc-escalation-legal" in codes and "outage-acknowledge" in codes


def test_export_reports_what_the_helpdesk_cannot_name(tmp_path):
    text, report, _ = export_kb("freshdesk", SAMPLE)
    assert any(line.startswith("{{order.tracking_code}} has no freshdesk name: written as [[order.tracking_code]]")
               for line in report.unmapped)
    assert not any("{{agent.first_name}}" in line for line in report.unmapped)  # signed as {{ticket.agent.name}}
    assert any(line.startswith("{{links.status}} has no freshdesk name: filled with its kb.yaml default") for line in report.notes)
    ack = next(r for r in json.loads(text)["canned_responses"] if r["title"].startswith("Häiriö on tiedossa"))
    assert "{{ticket.requester.firstname}}" in ack["content"] and "[[outage.area]]" in ack["content"]
    assert "https://example.com/status" in ack["content"] and "<div>" in ack["content_html"]


def test_a_missing_translation_falls_back_to_the_source_text_and_is_reported(empty_kb):
    (empty_kb / "toimitus").mkdir()
    (empty_kb / "toimitus" / "nouto.yaml").write_text(
        "id: toimitus/nouto\nkind: reply\nversion: 1\ntexts:\n  fi:\n    title: Nouto\n    body: Paketti odottaa.\n",
        encoding="utf-8")
    text, report, _ = export_kb("chatwoot", empty_kb, lang="en")
    assert json.loads(text) == [{"short_code": "toimitus-nouto", "content": "Paketti odottaa."}]
    assert any("no en text: the source text was exported instead for 1 snippets: toimitus/nouto" in n for n in report.notes)


def test_a_knowledge_base_with_errors_is_not_exported(sample_kb):
    (sample_kb / "outage" / "broken.yaml").write_text("id: outage/broken\nkind: reply\n", encoding="utf-8")
    with pytest.raises(ExportRefused):
        export_kb("sheet", sample_kb)


def test_every_format_is_documented():
    page = (Path(__file__).resolve().parent.parent / "docs" / "integrators" / "import-export.rst").read_text(encoding="utf-8")
    for name in FORMATS:
        assert f"kb export {name}" in page and f"kb import {name}" in page, name


# -- command line -------------------------------------------------------------------------------


@pytest.fixture
def english(monkeypatch):
    monkeypatch.setenv("LANGUAGE", "en")


def test_cli_import_dry_run(empty_kb, capsys, english):
    code = main(["import", "zendesk", str(SAMPLES / "zendesk_macros.json"), "--dynamic-content",
                 str(ZENDESK["dynamic_content"]), "--locales", str(ZENDESK["locales"]), "--responses", str(empty_kb),
                 "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0 and snippet_files(empty_kb) == []
    assert "would create" in out and "yleiset/kiitos-palautteesta" in out
    assert "[[zendesk:ticket.organization.name]]" in out and "HTML converted to text: 1 texts" in out
    assert "4 created, 0 replaced, 0 unchanged, 0 skipped, 0 not valid" in out and "dry run: nothing was written" in out


def test_cli_import_writes_and_reports_invalid(empty_kb, capsys, english):
    assert main(["import", "sheet", str(SAMPLES / "sheet.csv"), "--responses", str(empty_kb)]) == 0
    assert "created        toimitus/paketti-kadonnut" in capsys.readouterr().out
    assert main(["import", "chatwoot", str(SAMPLES / "chatwoot_canned_responses.json"), "--lang", "en",
                 "--responses", str(empty_kb)]) == 1
    assert "not valid" in capsys.readouterr().out


def test_cli_import_of_a_bad_file_writes_nothing(empty_kb, tmp_path, capsys, english):
    bad = tmp_path / "macros.json"
    bad.write_text("{not json", encoding="utf-8")
    assert main(["import", "zendesk", str(bad), "--responses", str(empty_kb)]) == 2
    assert "is not a JSON file" in capsys.readouterr().err
    assert main(["import", "zammad", str(SAMPLES / "sheet.csv"), "--responses", str(empty_kb)]) == 2
    assert "has no column name, content" in capsys.readouterr().err
    assert snippet_files(empty_kb) == []


def test_cli_export(tmp_path, capsys, english):
    out = tmp_path / "textmodules.csv"
    assert main(["export", "zammad", "--lang", "et", "-o", str(out), "--responses", str(SAMPLE)]) == 0
    err = capsys.readouterr().err
    assert f"exported {len(load_kb(SAMPLE).snippets)} snippets to" in err and "placeholders without a counterpart" in err
    assert out.read_text(encoding="utf-8").startswith("name,keywords,content,note,active\n")
    assert main(["export", "sheet", "--responses", str(SAMPLE)]) == 0
    assert capsys.readouterr().out.startswith("id,lang,title,body,short,keywords,tags,guidance\n")


def test_cli_export_refuses_a_knowledge_base_with_errors(sample_kb, capsys, english):
    shutil.copy(SAMPLES / "sheet.csv", sample_kb / "sheet.csv")  # not a snippet: a lint warning only
    (sample_kb / "outage" / "broken.yaml").write_text("id: outage/broken\n", encoding="utf-8")
    assert main(["export", "chatwoot", "--responses", str(sample_kb)]) == 1
    assert "nothing was exported" in capsys.readouterr().err
