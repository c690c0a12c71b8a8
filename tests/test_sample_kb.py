"""The bundled sample knowledge base: complete, clean, and valid against the published schema."""

from __future__ import annotations

import json

import jsonschema
import yaml
from conftest import SAMPLE

from kb.content.kbyaml import load_settings
from kb.content.loader import load_kb
from kb.content.placeholders import placeholders
from kb.content.schema import SCHEMA_FILE, schema_json
from kb.editors.lint import format_text, lint

REQUIRED = """
outage/acknowledge outage/status-update outage/resolved outage/troubleshoot outage/compensation
privacy/move-to-private privacy/phishing-warning privacy/personal-data-removed privacy/no-card-details privacy/identity-verification
complaint/service-apology complaint/feedback-forwarded complaint/thanks-positive complaint/public-criticism
complaint/response-delay billing/invoice-explained billing/due-date-extension billing/refund-status
delivery/tracking delivery/delayed delivery/damaged travel/booking-change travel/cancellation-refund
travel/disruption-info subscription/missed-delivery subscription/pause subscription/cancel channel/chat
channel/opening-hours escalation/specialist escalation/supervisor escalation/legal escalation/data-protection
escalation/media escalation/crisis-holding escalation/abusive-language
""".split()


def test_sample_lints_with_no_errors_and_no_warnings():
    report = lint(SAMPLE)
    assert report.problems == [], format_text(report)


def test_sample_has_every_required_snippet_in_every_language():
    kb = load_kb(SAMPLE)
    assert sorted(kb.snippets) == sorted(REQUIRED)
    for snippet in kb.snippets.values():
        assert set(snippet.texts) == set(kb.settings.languages), snippet.id
        for text in snippet.texts.values():
            assert len(text.keywords) >= 4, (snippet.id, text.lang)


def test_escalations_are_approved_and_triggered():
    kb = load_kb(SAMPLE)
    escalations = [s for s in kb.snippets.values() if s.is_escalation]
    assert len(escalations) == 7
    for snippet in escalations:
        assert snippet.approval is not None
        assert set(snippet.triggers) == set(kb.settings.languages), snippet.id


def test_sample_uses_only_declared_variables():
    kb = load_kb(SAMPLE)
    used = {name for s in kb.snippets.values() for t in s.texts.values() for name in placeholders(t.body)}
    assert used <= set(kb.settings.variables)
    assert {"customer.first_name", "customer.name", "agent.first_name", "ticket.id"} <= set(kb.settings.variables)


def test_published_schema_is_generated_from_the_code():
    committed = (SAMPLE / SCHEMA_FILE).read_text(encoding="utf-8")
    assert committed == schema_json(load_settings(SAMPLE)), "run `kb schema --write`"


def test_every_sample_file_is_valid_against_the_schema():
    schema = json.loads((SAMPLE / SCHEMA_FILE).read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    for path in sorted(SAMPLE.rglob("*.yaml")):
        if path.name == "kb.yaml":
            continue
        data = json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))
        errors = [e.message for e in validator.iter_errors(data)]
        assert errors == [], (path, errors)
        assert path.read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=../schema.json")


def test_schema_rejects_what_lint_rejects():
    schema = json.loads((SAMPLE / SCHEMA_FILE).read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    bad = {"id": "x", "kind": "answer", "version": 0, "texts": {"sv": {"title": "t"}}, "colour": 1}
    messages = " ".join(e.message for e in validator.iter_errors(bad))
    for fragment in ["'answer'", "0 is less than", "'colour'", "'sv'"]:
        assert fragment in messages
