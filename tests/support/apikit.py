"""Fixtures of the API tests: a tiny knowledge base on tmp_path, its index, the app and a
test client, like flaskr's tests. Test modules load them with ``pytest_plugins = ("support.apikit",)``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.search.indexing import index_kb
from support.api_support import ENV_SECRET, write_kb, write_tokens_file


@pytest.fixture
def api_kb(tmp_path: Path) -> Path:
    return write_kb(tmp_path / "responses")


@pytest.fixture
def index_dir(api_kb: Path, tmp_path: Path) -> Path:
    index_kb(api_kb, tmp_path / "index")
    return tmp_path / "index"


@pytest.fixture
def make_app(api_kb: Path, index_dir: Path, tmp_path: Path):
    """``make_app(**config)``: an app on the test knowledge base; rate limits off unless given."""
    from kb.api import create_app

    apps = []

    def build(**config):
        app = create_app({"RESPONSES": str(api_kb), "INDEX": str(index_dir), "RATE_LIMIT": 0,
                          "TOKENS_FILE": None, "TOKENS_ENV": "", "CORS_ORIGINS": "", "TESTING": True,
                          "PLUGIN_DIR": str(tmp_path / "no-plugin"), **config})
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["vastaus"].close()


@pytest.fixture
def client(make_app):
    return make_app().test_client()


@pytest.fixture
def secured(make_app, tmp_path: Path):
    """A client of an app that requires tokens (file and environment)."""
    app = make_app(TOKENS_FILE=str(write_tokens_file(tmp_path / "tokens.yaml")), TOKENS_ENV=f"ci:{ENV_SECRET}",
                   LOOPBACK=False)
    return app.test_client()
