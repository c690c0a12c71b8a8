"""Tokens, CORS, rate limits, size limits and headers, through the Flask test client."""

from __future__ import annotations

import hashlib

import pytest
from support.api_support import ADMIN_SECRET, AGENT_SECRET, ENV_SECRET, OLD_SECRET, bearer, write_tokens_file

from kb.api.cors import origin_allowed, parse_patterns
from kb.api.ratelimit import window
from kb.api.tokens import TokenConfigError, TokenStore, parse_env_tokens, parse_tokens_file

pytest_plugins = ("support.apikit",)

SEARCH = "/api/v1/search?q=lasku"


def error_code(response) -> str:
    return response.get_json()["error"]["code"]


# -- tokens ----------------------------------------------------------------------------------

def test_a_token_is_required_when_tokens_are_configured(secured):
    response = secured.get(SEARCH)
    assert response.status_code == 401 and error_code(response) == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer wrong-token-0123456789", "Basic YWxhZGRpbjpvcGVuc2VzYW1l", "Bearer ",
                                    AGENT_SECRET])
def test_wrong_tokens_are_refused(secured, header):
    response = secured.get(SEARCH, headers={"Authorization": header})
    assert response.status_code == 401


@pytest.mark.parametrize("secret", [AGENT_SECRET, ADMIN_SECRET, ENV_SECRET])
def test_configured_tokens_from_file_and_environment_work(secured, secret):
    assert secured.get(SEARCH, headers=bearer(secret)).status_code == 200
    assert secured.get(SEARCH, headers={"Authorization": f"bearer {secret}"}).status_code == 200


def test_revoked_tokens_are_refused(secured, make_app, tmp_path):
    response = secured.get(SEARCH, headers=bearer(OLD_SECRET))
    assert response.status_code == 401 and "revoked" in response.get_json()["error"]["message"]
    app = make_app(TOKENS_FILE=str(tmp_path / "tokens.yaml"), REVOKED_TOKENS="agent, ci", TOKENS_ENV=f"ci:{ENV_SECRET}")
    assert app.test_client().get(SEARCH, headers=bearer(AGENT_SECRET)).status_code == 401
    assert app.test_client().get(SEARCH, headers=bearer(ENV_SECRET)).status_code == 401
    assert app.test_client().get(SEARCH, headers=bearer(ADMIN_SECRET)).status_code == 200


def test_editing_the_tokens_file_revokes_without_a_restart(secured, tmp_path, monkeypatch):
    import kb.api.tokens

    monkeypatch.setattr(kb.api.tokens, "RECHECK_SECONDS", 0)
    assert secured.get(SEARCH, headers=bearer(AGENT_SECRET)).status_code == 200
    path = tmp_path / "tokens.yaml"
    path.write_text(path.read_text().replace("- name: agent\n", "- name: agent\n  revoked: true\n"))
    assert secured.get(SEARCH, headers=bearer(AGENT_SECRET)).status_code == 401
    path.write_text("- {broken")  # a broken file keeps the tokens read last
    assert secured.get(SEARCH, headers=bearer(AGENT_SECRET)).status_code == 401
    assert secured.get(SEARCH, headers=bearer(ADMIN_SECRET)).status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/health", "/api/v1/version", "/api/v1/openapi.json", "/"])  # /metrics: test_faults.py
def test_open_paths_need_no_token(secured, path):
    assert secured.get(path).status_code == 200


def test_openapi_declares_bearer_auth_when_tokens_are_required(secured):
    doc = secured.get("/api/v1/openapi.json").get_json()
    assert doc["security"] == [{"bearerAuth": []}]
    assert doc["paths"]["/api/v1/health"]["get"]["security"] == []


def test_reload_needs_an_admin_token(secured):
    assert secured.post("/api/v1/reload").status_code == 401
    response = secured.post("/api/v1/reload", headers=bearer(AGENT_SECRET))
    assert response.status_code == 403 and error_code(response) == "forbidden"
    assert secured.post("/api/v1/reload", headers=bearer(ADMIN_SECRET)).status_code == 200


def test_reload_without_tokens_only_on_loopback(make_app):
    assert make_app(LOOPBACK=True).test_client().post("/api/v1/reload").status_code == 200
    assert make_app(LOOPBACK=False).test_client().post("/api/v1/reload").status_code == 403


def test_token_sources_are_checked(tmp_path):
    path = tmp_path / "t.yaml"
    for text, fragment in [("{name: x}", "list"), ("- name: x\n", "exactly one"), ("- name: x\n  token: short\n", "shorter"),
                           ("- name: x\n  sha256: abc\n", "64"), ("- name: x\n  token: 0123456789abcdefgh\n  admin: yes please\n",
                                                                 "true or false"),
                           ("- token: 0123456789abcdefgh\n", "name"), ("- name: x\n  token: 0123456789abcdefgh\n  role: a\n",
                                                                       "unknown")]:
        path.write_text(text)
        with pytest.raises(TokenConfigError, match=fragment):
            parse_tokens_file(path)
    with pytest.raises(TokenConfigError, match="unique"):
        TokenStore(None, "a:0123456789abcdefgh,a:0123456789abcdefgi")
    digest = hashlib.sha256(b"0123456789abcdefgh").hexdigest()
    [a, b] = parse_env_tokens(f"a:0123456789abcdefgh:admin, b:sha256:{digest}")
    assert a.admin and not b.admin and a.sha256 == b.sha256 == digest
    assert TokenStore(write_tokens_file(tmp_path / "ok.yaml")).verify(ADMIN_SECRET).admin


# -- CORS ------------------------------------------------------------------------------------

PATTERNS = "https://*.zendesk.com, http://localhost:3000"


@pytest.mark.parametrize("origin,allowed", [
    ("https://acme.zendesk.com", True),
    ("https://ACME.zendesk.com", True),
    ("https://acme.zendesk.com:443", True),
    ("http://localhost:3000", True),
    ("http://acme.zendesk.com", False),  # scheme must match
    ("https://a.b.zendesk.com", False),  # * is one label
    ("https://zendesk.com", False),
    ("https://evilzendesk.com", False),
    ("https://acme.zendesk.com.evil.com", False),
    ("https://evil.com/.zendesk.com", False),
    ("https://acme.zendesk.com:8443", False),
    ("http://localhost:3001", False),
    ("null", False),
    ("", False),
])
def test_origin_patterns_match_safely(origin, allowed):
    assert origin_allowed(origin, parse_patterns(PATTERNS)) is allowed


@pytest.mark.parametrize("pattern", ["https://*.com", "*", "ftp://x.example.com", "https://*", "example.com"])
def test_too_broad_or_bad_patterns_are_refused(pattern):
    with pytest.raises(ValueError):
        parse_patterns(pattern)


def test_cors_headers_only_for_allowed_origins(make_app):
    client = make_app(CORS_ORIGINS=PATTERNS).test_client()
    allowed = client.get(SEARCH, headers={"Origin": "https://acme.zendesk.com"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://acme.zendesk.com"
    assert "Origin" in allowed.headers["Vary"]
    denied = client.get(SEARCH, headers={"Origin": "https://evil.example"})
    assert denied.status_code == 200 and "Access-Control-Allow-Origin" not in denied.headers
    plain = make_app().test_client().get(SEARCH, headers={"Origin": "https://acme.zendesk.com"})
    assert "Access-Control-Allow-Origin" not in plain.headers


def test_preflight_is_answered_without_a_token(make_app, tmp_path):
    client = make_app(CORS_ORIGINS=PATTERNS, TOKENS_FILE=str(write_tokens_file(tmp_path / "tokens.yaml"))).test_client()
    preflight = {"Origin": "https://acme.zendesk.com", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization, content-type"}
    response = client.options("/api/v1/suggest", headers=preflight)
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "https://acme.zendesk.com"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]
    denied = client.options("/api/v1/suggest", headers={**preflight, "Origin": "https://evil.example"})
    assert denied.status_code == 204 and "Access-Control-Allow-Origin" not in denied.headers
    assert "Access-Control-Allow-Methods" not in denied.headers
    assert client.options("/api/v1/nothing", headers=preflight).status_code == 404


# -- rate limits -----------------------------------------------------------------------------

def test_rate_and_burst_become_a_moving_window_never_above_the_rate():
    assert window(50, 100) == "100 per 2 second"
    assert window(0.5, 3) == "3 per 6 second"
    assert window(20 / 60, 20) == "20 per 60 second"  # 20 a minute, all at once if need be
    assert window(30, 100) == "100 per 4 second"  # 25 a second: rounded to whole seconds, down
    assert window(50, 10) == "50 per 1 second"  # a burst under the rate: the rate, per second
    with pytest.raises(ValueError):
        window(0, 10)


def test_rate_limit_answers_429_with_retry_after(make_app, tmp_path):
    app = make_app(RATE_LIMIT=0.5, RATE_BURST=3, TOKENS_FILE=str(write_tokens_file(tmp_path / "tokens.yaml")))
    client = app.test_client()
    assert [client.get(SEARCH, headers=bearer(AGENT_SECRET)).status_code for _ in range(3)] == [200] * 3
    limited = client.get(SEARCH, headers=bearer(AGENT_SECRET))
    assert limited.status_code == 429 and error_code(limited) == "rate_limited"
    assert 5 <= int(limited.headers["Retry-After"]) <= 6  # 3 per 6 s: the first of the three leaves the window
    assert client.get(SEARCH, headers=bearer(ADMIN_SECRET)).status_code == 200  # per token
    assert client.get("/api/v1/health").status_code == 200  # probes are never limited


def test_rate_is_divided_among_workers():
    from kb.api import config_from_settings
    from kb.config import SERVE_SETTINGS, values

    config = config_from_settings({**values(None, SERVE_SETTINGS), "rate_limit": 20.0, "rate_burst": 40}, workers=4)
    assert config["RATE_LIMIT"] == 5.0 and config["RATE_BURST"] == 10.0


def test_rate_is_whole_when_redis_shares_the_count():
    from kb.api import config_from_settings
    from kb.config import SERVE_SETTINGS, values

    config = config_from_settings({**values(None, SERVE_SETTINGS), "rate_limit": 20.0, "rate_burst": 40,
                                   "rate_limit_storage": "redis://127.0.0.1:6379/0"}, workers=4)
    assert config["RATE_LIMIT"] == 20.0 and config["RATE_BURST"] == 40.0 and config["WORKERS"] == 4


# -- sizes, methods, media types, headers ----------------------------------------------------

def test_body_too_large_is_413(make_app):
    client = make_app(MAX_CONTENT_LENGTH=1024).test_client()
    response = client.post("/api/v1/suggest", json={"message": "lasku " * 400})
    assert response.status_code == 413 and error_code(response) == "payload_too_large"
    assert "1024" in response.get_json()["error"]["message"]


def test_default_body_limit_is_64_kib(client):
    assert client.application.config["MAX_CONTENT_LENGTH"] == 64 * 1024
    assert client.post("/api/v1/suggest", json={"message": "x" * 70_000}).status_code == 413


def test_not_json_is_415_and_bad_json_is_400(client):
    response = client.post("/api/v1/suggest", data="message=hei", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415 and error_code(response) == "unsupported_media_type"
    assert client.post("/api/v1/suggest", data="{nope", content_type="application/json").status_code == 400
    assert client.post("/api/v1/suggest", data="[1, 2]", content_type="application/json").status_code == 400
    assert client.post("/api/v1/suggest", data=b"\xff\xfe", content_type="application/json").status_code == 400


def test_wrong_method_is_405_with_allow(client):
    response = client.put("/api/v1/suggest", json={})
    assert response.status_code == 405 and error_code(response) == "method_not_allowed"
    assert "POST" in response.headers["Allow"]


def test_unknown_paths_are_404_json(client):
    for path in ("/api/v1/nothing", "/api/v2/search", "/plugin/app.js", "/plugin/../kb/serve.py"):
        response = client.get(path)
        assert response.status_code == 404 and response.is_json, path


def test_security_headers(client):
    api = client.get(SEARCH)
    assert api.headers["X-Content-Type-Options"] == "nosniff"
    assert api.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert api.headers["Cache-Control"] == "no-store"
    page = client.get("/")
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in page.headers["Content-Security-Policy"]


def test_plugin_folder_is_served_when_it_exists(make_app, tmp_path):
    plugin = tmp_path / "plugin"
    plugin.mkdir()
    (plugin / "app.js").write_text("console.log('hi');\n")
    (plugin / "demo").mkdir()
    (plugin / "demo" / "index.html").write_text("<!doctype html><title>demo</title>\n")
    client = make_app(PLUGIN_DIR=str(plugin), CORS_ORIGINS="https://*.zendesk.com").test_client()
    script = client.get("/plugin/app.js")
    assert script.status_code == 200 and script.get_data(as_text=True) == "console.log('hi');\n"
    assert "frame-ancestors 'self' https://*.zendesk.com" in script.headers["Content-Security-Policy"]
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/plugin/demo/index.html")
    assert "<title>demo</title>" in client.get("/plugin/demo/index.html").get_data(as_text=True)
    assert client.get("/plugin/../apikit.py").status_code == 404


def test_unexpected_errors_are_500_json_without_details(client, monkeypatch, caplog):
    from kb.api.services import Services

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setattr(Services, "cached_search", explode)
    response = client.get(SEARCH, headers={"Accept-Language": "et"})
    assert response.status_code == 500 and error_code(response) == "internal_error"
    assert "secret" not in response.get_data(as_text=True) and "Serveris" in response.get_json()["error"]["message"]
    assert "secret internals" in caplog.text  # logged for the operators
