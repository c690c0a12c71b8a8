"""Versions enforced against a git base, review summaries and history, with real git."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_reply
from support.gitkb import commit, edit, make_repo

from kb.cli.main import main
from kb.content.kbyaml import load_settings
from kb.editors.git import GitError
from kb.editors.history import texts_at_version, versions
from kb.editors.lint import lint
from kb.editors.review import compare
from kb.editors.review_output import review_markdown, review_text


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_repo(tmp_path)


def codes(report) -> list[str]:
    return sorted(p.code for p in report.problems)


def test_source_text_change_needs_a_version_bump(root):
    invoice = root / "billing" / "invoice.yaml"
    edit(invoice, "kuukausimaksu.", "kuukausimaksu ja toimitusmaksu.")
    assert codes(lint(root, base="HEAD")) == ["KB050"]
    assert lint(root).problems == []  # without --base nothing can tell
    edit(invoice, "version: 1", "version: 2")
    report = lint(root, base="HEAD")
    assert codes(report) == ["KB030", "KB030"]  # et and en now follow an older version: warnings
    assert report.exit_code == 0


def test_translation_only_change_needs_no_bump(root):
    edit(root / "billing" / "invoice.yaml", "Tere {{customer.first_name}}! Tekst.", "Tere {{customer.first_name}}! Arve.")
    assert lint(root, base="HEAD").problems == []


def test_version_going_down_is_an_error(root):
    invoice = root / "billing" / "invoice.yaml"
    edit(invoice, "version: 1", "version: 2")
    for lang in ("et", "en"):
        edit(invoice, f"  {lang}:\n    source_version: 1", f"  {lang}:\n    source_version: 2")
    commit(root.parent, "v2")
    edit(invoice, "version: 2", "version: 1")
    for lang in ("et", "en"):
        edit(invoice, f"  {lang}:\n    source_version: 2", f"  {lang}:\n    source_version: 1")
    assert "KB051" in codes(lint(root, base="HEAD"))


def test_removed_snippet_is_reported_with_its_references(root):
    write_reply(root, "billing/other", "Muu", "Katso myös billing/invoice.")
    commit(root.parent, "reference")
    (root / "billing" / "invoice.yaml").unlink()
    (problem,) = [p for p in lint(root, base="HEAD").problems if p.code == "KB053"]
    assert "billing/invoice (texts in en, et, fi) is removed" in problem.message
    assert "responses/billing/other.yaml" in problem.message


def test_renamed_snippet_is_reported(root):
    old = root / "billing" / "invoice.yaml"
    new = root / "billing" / "invoice-explained.yaml"
    new.write_text(old.read_text().replace("id: billing/invoice", "id: billing/invoice-explained"))
    old.unlink()
    report = lint(root, base="HEAD")
    (problem,) = [p for p in report.problems if p.code == "KB054"]
    assert "billing/invoice (texts in en, et, fi) is renamed to billing/invoice-explained" in problem.message


def test_unknown_base_is_a_clear_error(root, capsys):
    with pytest.raises(GitError):
        lint(root, base="no-such-branch")
    assert main(["lint", "--responses", str(root), "--base", "no-such-branch"]) == 2
    assert "no-such-branch" in capsys.readouterr().err


def test_review_summary_shows_word_diffs_staleness_and_lengths(root):
    tracking = root / "delivery" / "tracking.yaml"
    edit(tracking, "version: 1\n", "version: 2\nchannels: [twitter, chat]\n")
    edit(tracking, "Pakettisi on matkalla.", "Pakettisi on jo matkalla.")
    write_reply(root, "delivery/new", "Uusi")
    settings = load_settings(root)
    changes = compare(root, settings, "HEAD")
    assert [(c.id, c.status) for c in changes] == [("delivery/new", "added"), ("delivery/tracking", "modified")]
    tracked = changes[1]
    assert tracked.old_version == 1 and tracked.new_version == 2
    assert sorted(tracked.became_stale) == ["en", "et"]
    text = review_text(changes, lint(root, base="HEAD").problems, "HEAD")
    assert "fi.body: Hei {{customer.first_name}}! Pakettisi on {+jo+} matkalla." in text
    assert "version 1 → 2" in text and "now stale: et, en" in text
    assert "length fi on twitter:" in text
    markdown = review_markdown(changes, [], "HEAD")
    assert "| fi | body |" in markdown and "**jo**" in markdown and "#### `delivery/new` — added, new, version 1" in markdown


def test_history_lists_versions_with_authors(root):
    invoice = root / "billing" / "invoice.yaml"
    edit(invoice, "kuukausimaksu.", "kuukausimaksu ja toimitusmaksu.")
    edit(invoice, "version: 1", "version: 2")
    sha = commit(root.parent, "Invoice explains delivery fee")
    found = versions(root, "billing/invoice")
    assert [(v.version, v.author) for v in found] == [(1, "Eeva Editori"), (2, "Eeva Editori")]
    assert found[-1].sha == sha and found[-1].subject == "Invoice explains delivery fee"
    assert texts_at_version(root, "billing/invoice", 1)["fi"]["body"].endswith("kuukausimaksu.\n")
    edit(invoice, "toimitusmaksu.", "toimitusmaksu!")
    assert versions(root, "billing/invoice")[-1].subject == "(not committed)"


def test_history_without_git_is_empty(empty_kb):
    write_reply(empty_kb, "billing/invoice")
    assert versions(empty_kb, "billing/invoice") == []


def test_cli_review_history_and_new(root, capsys):
    invoice = root / "billing" / "invoice.yaml"
    edit(invoice, "kuukausimaksu.", "kuukausimaksu ja toimitusmaksu.")
    assert main(["lint", "--responses", str(root), "--base", "HEAD"]) == 1
    assert "KB050" in capsys.readouterr().out
    assert main(["review", "--responses", str(root), "--base", "HEAD", "--format", "markdown"]) == 1
    out = capsys.readouterr().out
    assert "`billing/invoice` — modified, version 1 (unchanged)" in out and "~~kuukausimaksu.~~ **kuukausimaksu ja toimitusmaksu.**" in out
    assert main(["history", "billing/invoice", "--responses", str(root)]) == 0
    assert "version 1" in capsys.readouterr().out
    assert main(["new", "billing/late-fee", "--responses", str(root)]) == 0
    assert main(["new", "escalation/fraud", "--kind", "escalation", "--responses", str(root)]) == 0
    assert main(["new", "billing/late-fee", "--responses", str(root)]) == 1  # never overwrites
    assert main(["new", "Bad Id", "--responses", str(root)]) == 1
    capsys.readouterr()
    edit(invoice, "version: 1", "version: 2")
    report = lint(root)
    # the escalation awaits approval, and both skeletons are still unwritten prompts
    assert sorted({p.code for p in report.problems}) == ["KB025", "KB026", "KB029", "KB030"]
    skeleton = (root / "billing" / "late-fee.yaml").read_text()
    assert skeleton.startswith("# yaml-language-server: $schema=../schema.json\nid: billing/late-fee\n")


def test_history_endpoint(root, tmp_path):
    from kb.api import create_app
    from kb.search.indexing import index_kb

    invoice = root / "billing" / "invoice.yaml"
    edit(invoice, "kuukausimaksu.", "kuukausimaksu ja toimitusmaksu.")
    edit(invoice, "version: 1", "version: 2")
    commit(root.parent, "Invoice v2")
    index_kb(root, tmp_path / "ix")
    app = create_app({"RESPONSES": str(root), "INDEX": str(tmp_path / "ix"), "RATE_LIMIT": 0, "TOKENS_FILE": None,
                      "TOKENS_ENV": "", "CORS_ORIGINS": "", "TESTING": True})
    client = app.test_client()
    data = client.get("/api/v1/snippets/billing/invoice/history").get_json()
    assert data["id"] == "billing/invoice" and data["version"] == 2
    assert [(h["version"], h["author"], h["subject"]) for h in data["history"]] == [
        (1, "Eeva Editori", "Initial replies"), (2, "Eeva Editori", "Invoice v2")]
    assert client.get("/api/v1/snippets/billing/invoice").get_json()["id"] == "billing/invoice"
    assert client.get("/api/v1/snippets/nothing/history").status_code == 404
    app.extensions["vastaus"].close()
