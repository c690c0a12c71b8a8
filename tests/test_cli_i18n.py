"""The command line and lint messages speak the user's language: LANG/LANGUAGE for ``kb``,
Accept-Language for the API. Codes, rule names and JSON keys never change with the language."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_reply

from kb import i18n
from kb.cli.main import main
from kb.editors.lint import format_text, lint

pytest_plugins = ("support.apikit",)

BROKEN = """\
id: billing/broken
kind: reply
version: 1
colour: red
texts:
  fi:
    title: Otsikko
    body: Hei {{customer.frist_name}}!
  et:
    source_version: 1
    title: Pealkiri
    body: Tere {{customer.first_name}}!
  en:
    source_version: 1
    title: Title
    body: Hi {{customer.first_name}}!
"""


@pytest.fixture
def broken_kb(empty_kb: Path) -> Path:
    (empty_kb / "billing").mkdir()
    (empty_kb / "billing" / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    return empty_kb


def run_kb(*args: str, **env: str) -> subprocess.CompletedProcess:
    """``kb ARGS`` in a new process with exactly the locale variables given in *env*."""
    environ = {name: value for name, value in os.environ.items() if name not in i18n.LOCALE_VARIABLES}
    return subprocess.run([sys.executable, "-m", "kb.cli", *args], capture_output=True, text=True, timeout=120,
                          env={**environ, **env})


@pytest.mark.parametrize("lang,expected", [
    ("fi_FI.UTF-8", ["KB011 vastauspohjassa on tuntematon kenttä 'colour'; tunnetut kentät: id, kind",
                     "KB020 texts.fi.body: tuntematon paikkamerkki {{customer.frist_name}}; "
                     "tarkoititko {{customer.first_name}}?",
                     "    korjaus: Tarkista kirjoitusasu", "2 virhettä, 0 varoitusta 1 tiedostossa"]),
    ("et_EE.UTF-8", ["KB011 vastusemallis on tundmatu väli 'colour'; tuntud väljad: id, kind",
                     "KB020 texts.fi.body: tundmatu kohatäide {{customer.frist_name}}; "
                     "kas mõtlesid {{customer.first_name}}?",
                     "    parandus: Kontrolli õigekirja", "2 viga, 0 hoiatust 1 failis"]),
    ("C", ["KB011 unknown field 'colour' in the snippet; known fields: id, kind",
           "KB020 texts.fi.body: unknown placeholder {{customer.frist_name}}; did you mean {{customer.first_name}}?",
           "    fix: Check the spelling", "2 errors, 0 warnings in 1 file"]),
])
def test_lint_speaks_the_language_of_lang(broken_kb, lang, expected):
    done = run_kb("lint", "--responses", str(broken_kb), LANG=lang)
    assert done.returncode == 1, done.stderr
    for fragment in expected:
        assert fragment in done.stdout, done.stdout


def test_language_beats_lang_and_unknown_languages_fall_back(broken_kb):
    assert "tundmatu väli" in run_kb("lint", "--responses", str(broken_kb), LANGUAGE="sv:et", LANG="fi_FI.UTF-8").stdout
    assert "unknown field" in run_kb("lint", "--responses", str(broken_kb), LANG="de_DE.UTF-8").stdout


def test_help_and_argparse_errors_in_finnish():
    done = run_kb("--help", LANG="fi_FI.UTF-8")
    assert done.returncode == 0
    assert done.stdout.startswith("käyttö: kb [-h] [--version] KOMENTO ...")
    assert "Vastaus: valmiit vastaukset asiakaspalveluun." in done.stdout
    assert "näytä tämä ohje ja lopeta" in done.stdout and "valitsimet:" in done.stdout
    assert "tarkista kaikki vastauspohjat; paluuarvo 1, jos on virheitä" in done.stdout
    lint_help = run_kb("lint", "--help", LANG="fi_FI.UTF-8").stdout
    assert "Tietämyskannan kansio (vastauspohjat ja kb.yaml). Oletus: responses" in " ".join(lint_help.split())
    wrong = run_kb("lint", "--format", "xml", LANG="fi_FI.UTF-8")
    assert wrong.returncode == 2 and "kb lint: virhe: argumentti --format: virheellinen valinta" in wrong.stderr


def test_help_in_english_by_default():
    done = run_kb("--help", LANG="C.UTF-8")
    assert done.stdout.startswith("usage: kb [-h] [--version] COMMAND ...")
    assert "check every snippet; exit 1 on errors" in done.stdout


def test_json_keeps_keys_codes_and_rule_names(broken_kb, monkeypatch, capsys):
    monkeypatch.setenv("LANGUAGE", "fi")
    assert main(["lint", "--responses", str(broken_kb), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["errors"] == 2 and data["warnings"] == 0
    problem = next(p for p in data["problems"] if p["code"] == "KB011")
    assert problem["rule"] == "unknown-field" and problem["severity"] == "error"
    assert problem["message"].startswith("vastauspohjassa on tuntematon kenttä 'colour'")
    assert problem["hint"].startswith("Tarkista kirjoitusasu")


def test_main_leaves_the_language_as_it_found_it(broken_kb, monkeypatch, capsys):
    monkeypatch.setenv("LANGUAGE", "et")
    main(["lint", "--responses", str(broken_kb)])
    assert "tundmatu väli" in capsys.readouterr().out
    assert i18n.gettext("fix: %(hint)s") == "fix: %(hint)s"  # English again after main()
    assert i18n.PROCESS_LOCALE_VARIABLE not in os.environ
    import argparse

    assert argparse._ is not i18n.gettext  # type: ignore[attr-defined]


def test_spawned_processes_inherit_the_language():
    """Parallel index builds read files in processes started with "spawn": their problems too."""
    import multiprocessing

    with i18n.process_locale("fi"), multiprocessing.get_context("spawn").Pool(1) as pool:
        assert pool.apply(i18n.gettext, ("fix: %(hint)s",)) == "korjaus: %(hint)s"


def test_other_commands_are_translated(empty_kb, monkeypatch, capsys):
    monkeypatch.setenv("LANGUAGE", "fi")
    assert main(["new", "billing/late-fee", "--responses", str(empty_kb)]) == 0
    assert capsys.readouterr().out.startswith("kirjoitettu: ")
    assert main(["new", "Bad Id", "--responses", str(empty_kb)]) == 1
    assert "'Bad Id' ei kelpaa tunnisteeksi" in capsys.readouterr().err
    assert main(["translations", "--lang", "et", "--responses", str(empty_kb)]) == 0
    out = capsys.readouterr().out
    # the untouched skeleton is not a translation (KB029 keeps it out of the knowledge base)
    assert "et: valmiita 0, vanhentuneita 0, puuttuvia 0 (et lähdekielenä: 0)" in out
    assert "et messages.po: käännetty " in out and "epäselviä 0, kääntämättä 0" in out


@pytest.mark.parametrize("environ,expected", [
    ({"LANG": "fi_FI.UTF-8"}, "fi"), ({"LANG": "et_EE.UTF-8"}, "et"), ({"LANG": "en_GB.UTF-8"}, "en"),
    ({"LANG": "C"}, "en"), ({"LANG": "C.UTF-8"}, "en"), ({"LANG": "POSIX"}, "en"), ({}, "en"),
    ({"LANG": "sv_SE.UTF-8"}, "en"), ({"LC_ALL": "et_EE.UTF-8", "LANG": "fi_FI.UTF-8"}, "et"),
    ({"LC_MESSAGES": "fi_FI.UTF-8", "LANG": "et_EE.UTF-8"}, "fi"), ({"LANGUAGE": "sv:fi:et", "LANG": "et_EE"}, "fi"),
    ({"LANGUAGE": "", "LANG": "fi_FI@euro"}, "fi"), ({"LANGUAGE": "C:fi"}, "en"),
])
def test_environment_locale(environ, expected):
    assert i18n.environment_locale(environ) == expected


def test_problems_are_in_the_language_active_when_found(broken_kb):
    with i18n.locale("et"):
        report = lint(broken_kb)
        text = format_text(report)
    assert "tundmatu kohatäide {{customer.frist_name}}" in text
    assert [p.code for p in report.problems] == ["KB011", "KB020"]  # codes stay codes
    assert report.problems[0].hint.startswith("Check the spelling")  # hints follow the language they are read in


def test_numbers_are_grouped_for_the_language(empty_kb):
    (empty_kb / "big.yaml").write_text("id: big\n" + "# filler\n" * 40_000)
    with i18n.locale("fi"):
        (problem,) = lint(empty_kb).problems
    assert problem.code == "KB006" and "262\xa0144" in problem.message


@pytest.mark.parametrize("language,message,problem", [
    ("fi", "Tietämyskannassa on 1 virhe; hakuindeksiä ei muutettu.", "vastauspohjassa on tuntematon kenttä 'colour'"),
    ("et", "Teadmusbaasis on 1 viga; otsinguindeksit ei muudetud.", "vastusemallis on tundmatu väli 'colour'"),
    ("en", "The knowledge base has 1 error; the index was not changed.", "unknown field 'colour' in the snippet"),
])
def test_reload_refusal_is_in_the_request_language(client, api_kb, language, message, problem):
    write_reply(api_kb, "billing/extra")
    path = api_kb / "billing" / "extra.yaml"
    path.write_text(path.read_text().replace("kind: reply\n", "kind: reply\ncolour: red\n"))
    response = client.post("/api/v1/reload", headers={"Accept-Language": language})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "kb_invalid" and error["message"] == message
    (found,) = error["problems"]
    assert found["code"] == "KB011" and found["message"].startswith(problem)
