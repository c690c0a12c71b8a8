"""Helpers of the API tests: the test knowledge base, tokens, and a real ``kb serve`` process.

The fixtures built on them are in ``support/apikit.py`` (loaded with ``pytest_plugins = ("support.apikit",)``).
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO, SAMPLE, require_marker, write_reply

from kb.editors.approve import approve
from support.ports import free_port
from support.processes import stop

ADMIN_SECRET = "admin-secret-0123456789abcdef"
AGENT_SECRET = "agent-secret-0123456789abcdef"
OLD_SECRET = "old-secret-0123456789abcdef0"
ENV_SECRET = "env-secret-0123456789abcdef0"

ESCALATION = """\
id: escalation/legal
kind: escalation
version: 1
tags: [legal]
texts:
  fi:
    title: Oikeudelliset uhat
    body: Hei! Välitämme asiasi lakiasioista vastaavalle tiimillemme, joka ottaa sinuun yhteyttä.
  et:
    source_version: 1
    title: Õiguslikud ähvardused
    body: Tere! Edastame teie küsimuse meie õigusmeeskonnale, kes võtab teiega ühendust.
  en:
    source_version: 1
    title: Legal threats
    body: Hi! We are passing your case to our legal team, who will contact you.
guidance:
  fi: Älä kommentoi asiaa itse.
triggers:
  fi: [lakimies, haastaa oikeuteen]
  et: [advokaat, kohtusse]
  en: [lawyer, sue you]
"""

TRACKING = """\
id: delivery/tracking
kind: reply
version: 2
channels: [twitter, chat, email]
texts:
  fi:
    title: Paketin seuranta
    body: Hei {{customer.first_name}}! Pakettisi {{order.id}} on matkalla. Seurantakoodi on {{order.tracking_code}}.
    short: Paketti {{order.id}} on matkalla, koodi {{order.tracking_code}}.
    keywords: [paketti, seuranta, missä tilaus]
  et:
    source_version: 1
    title: Paki jälgimine
    body: Tere {{customer.first_name}}! Teie pakk {{order.id}} on teel. Jälgimiskood on {{order.tracking_code}}.
  en:
    source_version: 2
    title: Parcel tracking
    body: Hi {{customer.first_name}}! Your parcel {{order.id}} is on its way. The tracking code is {{order.tracking_code}}.
    short: Parcel {{order.id}} is on its way, code {{order.tracking_code}}.
guidance:
  fi: Tarkista tilausnumero ennen vastaamista.
  en: Check the order number before answering.
"""


def write_kb(root: Path) -> Path:
    """The test knowledge base: three replies and one approved escalation."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(SAMPLE / "kb.yaml", root / "kb.yaml")
    write_reply(root, "billing/invoice", "Laskun selitys", "Laskussasi on kuukausimaksu ja käsittelymaksu.")
    write_reply(root, "outage/known", "Verkkohäiriö on tiedossa", "Alueellasi on häiriö ja korjaamme sitä.")
    (root / "delivery").mkdir(exist_ok=True)
    (root / "delivery" / "tracking.yaml").write_text(TRACKING, encoding="utf-8")
    (root / "escalation").mkdir(exist_ok=True)
    (root / "escalation" / "legal.yaml").write_text(ESCALATION, encoding="utf-8")
    approve(root, "escalation/legal", "Viestintä ja lakiasiat", datetime.date(2026, 11, 1))
    return root


def write_tokens_file(path: Path) -> Path:
    import hashlib

    digest = hashlib.sha256(AGENT_SECRET.encode()).hexdigest()
    old = hashlib.sha256(OLD_SECRET.encode()).hexdigest()
    path.write_text(f"- name: agent\n  sha256: {digest}\n"
                    f"- name: ops\n  token: {ADMIN_SECRET}\n  admin: true\n"
                    f"- name: old-plugin\n  sha256: {old}\n  revoked: true\n", encoding="utf-8")
    return path


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


# -- a real `kb serve` ------------------------------------------------------------------------

def http(method: str, url: str, body: dict | None = None, headers: dict | None = None,
         timeout: float = 10) -> tuple[int, dict, bytes]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={
        **({"Content-Type": "application/json"} if body is not None else {}), **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def serve_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "kb.cli", "serve", *args]


@contextlib.contextmanager
def live_server(workdir: Path, responses: Path, index: Path, *args: str, env: dict | None = None,
                timeout: float = 30) -> Iterator[str]:
    """Run ``kb serve`` on a free loopback port; yield its base URL once /health answers.

    Only in tests marked ``live_server``: the fast tier leaves them out.
    """
    require_marker("live_server", "a real `kb serve` process")
    port = free_port()
    log_path = workdir / f"serve-{port}.log"
    environment = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            serve_command("--responses", str(responses), "--index", str(index), "--port", str(port), *args),
            cwd=workdir, stdout=log, stderr=subprocess.STDOUT, env=environment)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                pytest.fail(f"kb serve exited with {process.returncode}:\n{log_path.read_text()}")
            try:
                if http("GET", base + "/api/v1/health", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"kb serve did not answer in {timeout} s:\n{log_path.read_text()}")
            time.sleep(0.1)
        yield base
    finally:
        stop(process, 15)
