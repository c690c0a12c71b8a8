"""The OpenAPI document against the real thing: schemathesis fuzzes a live ``kb serve``.

Every operation gets generated valid and invalid requests (a bounded number, loopback only);
no answer may be a 5xx, and every answer must conform to the document: status, content
type, headers and body schema; invalid input must be refused and requests without the
token must get 401.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import REPO
from support.api_support import http, live_server, write_kb

pytestmark = [pytest.mark.live_server, pytest.mark.slow]

FUZZ_SECRET = "fuzz-admin-token-0123456789"
AGENT_SECRET = "fuzz-agent-token-0123456789"
TOKENS = f"""\
- name: fuzz
  token: {FUZZ_SECRET}
  admin: true
- name: agent
  token: {AGENT_SECRET}
"""
# 413 and 414 are our documented answers to bodies and queries over the limits; 409 to a reload
# while another process writes the index.
CONFIG = """\
[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "414", "415", "422", "428", "429"]
"""
# Valid requests of a role that may not make them: refused as documented, never a 5xx.
REFUSED = """\
[checks.positive_data_acceptance]
expected-statuses = ["200", "401", "403", "404", "409", "422"]
"""
# Revoked tokens and no token at all are fuzzed by hand in tests/test_faults.py (every operation
# and method): schemathesis would meet the allowance of failed authentication (429) after ten
# requests, as any client guessing does, and check little else.
ROLES = {  # role -> (the Authorization header, or none; what valid requests may answer besides 2xx)
    "admin": (FUZZ_SECRET, ""),
    "agent": (AGENT_SECRET, REFUSED),  # may not reload: 403
}


@pytest.mark.parametrize("role", list(ROLES))
def test_live_server_conforms_to_its_openapi_document(tmp_path, role):
    secret, extra = ROLES[role]
    responses = write_kb(tmp_path / "responses")
    (tmp_path / "tokens.yaml").write_text(TOKENS)
    (tmp_path / "schemathesis.toml").write_text(CONFIG + extra)
    # Incidents name a reply of this knowledge base, so that declaring them is fuzzed past that check.
    replies = {"KB_INCIDENT_REPLY": "outage/known", "KB_INCIDENT_RESOLVED_REPLY": "outage/known"}
    with live_server(tmp_path, responses, tmp_path / "index", "--workers", "2", "--watch-seconds", "0",
                     "--rate-limit", "0", "--tokens-file", str(tmp_path / "tokens.yaml"),
                     # The coverage phase sends requests without the token to every operation and expects
                     # 401 (ST203): how many land within 10 s depends on the machine's speed, so the
                     # allowance of failed authentication (tested in test_faults.py) is out of its way.
                     "--auth-failures", "100000", env=replies) as base:
        document = json.loads(http("GET", f"{base}/api/v1/openapi.json")[2])
        header = ["--header", f"Authorization: Bearer {secret}"] if secret else []
        done = subprocess.run(
            [sys.executable, "-m", "schemathesis.cli", "--config-file", str(tmp_path / "schemathesis.toml"), "run",
             f"{base}/api/v1/openapi.json", *header,
             "--checks", "all", "--phases", "examples,coverage,fuzzing", "--max-examples", "30",
             # One worker: with two, hypothesis describes strategies (ast.parse) in two threads at
             # once, and CPython 3.11's parser is not thread-safe there ("SystemError: AST
             # constructor recursion depth mismatch" in CI).
             "--seed", "20261123", "--workers", "1", "--request-timeout", "10", "--no-color"],
            capture_output=True, text=True, timeout=180, cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(REPO), "SCHEMATHESIS_HOOKS": ""})
    summary = done.stdout[-6000:]
    assert done.returncode == 0, summary + done.stderr[-2000:]
    operations = sum(len(methods) for path, methods in document["paths"].items() if not path.endswith("openapi.json"))
    assert f"Tested: {operations}" in summary, summary  # every operation but the document itself
