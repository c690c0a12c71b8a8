"""`kb approve` records approval; any later change to approved wording fails lint."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from kb.cli.main import main
from kb.editors.approve import ApprovalError, approve, replace_top_level_block
from kb.editors.lint import lint

ESCALATION = """\
# yaml-language-server: $schema=../schema.json
id: escalation/legal
kind: escalation
version: 1
texts:
  fi:
    title: Oikeudelliset uhat
    body: Hei! Välitämme asiasi lakiasioista vastaavalle tiimille.
  et:
    source_version: 1
    title: Õiguslikud ähvardused
    body: Tere! Edastame teie küsimuse õigusmeeskonnale.
  en:
    source_version: 1
    title: Legal threats
    body: Hi! We are passing your case to our legal team.
triggers:
  fi: [lakimies]
  et: [advokaat]
  en: [lawyer]
"""


@pytest.fixture
def escalation(empty_kb: Path) -> Path:
    path = empty_kb / "escalation" / "legal.yaml"
    path.parent.mkdir()
    path.write_text(ESCALATION, encoding="utf-8")
    return path


def codes(root: Path) -> list[str]:
    return [p.code for p in lint(root).problems]


def test_unapproved_escalation_fails_then_approval_fixes_it(empty_kb, escalation):
    assert codes(empty_kb) == ["KB025"]
    snippet = approve(empty_kb, "escalation/legal", "Viestintä ja lakiasiat", datetime.date(2026, 11, 1))
    assert snippet.approval.by == "Viestintä ja lakiasiat" and snippet.approval.date == "2026-11-01"
    assert codes(empty_kb) == []
    text = escalation.read_text()
    assert text.startswith("# yaml-language-server")  # the rest of the file is kept as written
    assert 'by: "Viestintä ja lakiasiat"' in text


@pytest.mark.parametrize("lang,old,new", [
    ("fi", "Välitämme asiasi", "Siirrämme asiasi"),
    ("et", "Edastame teie", "Saadame teie"),
    ("en", "passing your case", "handing your case"),
])
def test_changing_any_language_invalidates_the_approval(empty_kb, escalation, lang, old, new):
    approve(empty_kb, "escalation/legal", "Lakiasiat")
    escalation.write_text(escalation.read_text().replace(old, new))
    assert codes(empty_kb) == ["KB027"]
    approve(empty_kb, "escalation/legal", "Lakiasiat")  # re-approval is the only fix
    assert codes(empty_kb) == []


def test_approving_twice_replaces_the_block(empty_kb, escalation):
    approve(empty_kb, "escalation/legal", "A")
    approve(empty_kb, "escalation/legal", "B")
    text = escalation.read_text()
    assert text.count("approval:") == 1 and 'by: "B"' in text


def test_reply_and_broken_snippets_are_not_approved(empty_kb, escalation):
    escalation.write_text(ESCALATION.replace("kind: escalation", "kind: reply").split("triggers:")[0])
    with pytest.raises(ApprovalError, match="only escalation"):
        approve(empty_kb, "escalation/legal", "X")
    escalation.write_text(ESCALATION.replace("{", "").replace("Hei!", "Hei {{asiakas}}!"))
    with pytest.raises(ApprovalError) as error:
        approve(empty_kb, "escalation/legal", "X")
    assert [p.code for p in error.value.problems] == ["KB020"]
    with pytest.raises(ApprovalError, match="does not exist"):
        approve(empty_kb, "escalation/nothing", "X")


def test_cli_approve(empty_kb, escalation, capsys):
    assert main(["approve", "escalation/legal", "--by", "Lakiasiat", "--date", "2026-11-02",
                 "--responses", str(empty_kb)]) == 0
    assert "approved escalation/legal version 1 by Lakiasiat" in capsys.readouterr().out
    assert main(["lint", "--responses", str(empty_kb)]) == 0


def test_replace_block_keeps_following_keys():
    text = "a: 1\napproval:\n  by: x\n  date: 2020-01-01\n\n# comment\nb: 2\n"
    assert replace_top_level_block(text, "approval", "approval: new\n") == "a: 1\napproval: new\n\n# comment\nb: 2\n"
