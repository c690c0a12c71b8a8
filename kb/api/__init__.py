"""The HTTP API (``/api/v1``) and the plugin's pages, as a Flask app factory.

``create_app()`` reads the ``KB_`` settings of :mod:`kb.config`; tests pass ``test_config``
to point it at a knowledge base on ``tmp_path``. ``kb serve`` runs one app per gunicorn
worker. One blueprint per surface: search, snippets, ops, openapi, metrics, pages, usage
(events and insights), the Insights page and incidents.
"""

from __future__ import annotations

import contextlib
import ipaddress
from pathlib import Path

from flask import Flask, Response, g, request

from kb import i18n
from kb.api.cors import parse_patterns
from kb.api.tokens import TokenStore
from kb.config import SERVE_SETTINGS, values
from kb.resources import plugin_dir


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name: it may resolve to anything, so it is treated as public


def config_from_settings(settings: dict[str, object], workers: int = 1) -> dict:
    """Flask config from ``kb.config`` setting values; rate limits divided among *workers*
    when each worker counts on its own (``memory://``), whole when they share a count (Redis)."""
    storage = str(settings.get("rate_limit_storage") or "memory://")
    workers = max(int(workers), 1)
    share = workers if storage.startswith("memory://") else 1
    return {
        "RESPONSES": str(settings["responses"]),
        "INDEX": str(settings["index"]),
        "PLUGIN_DIR": str(settings["plugin_dir"] or plugin_dir()),
        "LOOPBACK": is_loopback(str(settings["host"])),
        "TOKENS_FILE": settings["tokens_file"] or None,
        "TOKENS_ENV": str(settings["tokens"] or ""),
        "REVOKED_TOKENS": str(settings["revoked_tokens"] or ""),
        "CORS_ORIGINS": str(settings["cors_origins"] or ""),
        # memory:// counts per worker process: each holds its share of the rate (kb/api/ratelimit.py).
        "RATE_LIMIT": float(settings["rate_limit"]) / share,
        "RATE_BURST": max(float(settings["rate_burst"]) / share, 1.0),
        "RATE_LIMIT_STORAGE": storage,
        "AUTH_FAILURES": int(settings["auth_failures"]),
        "WORKERS": workers,  # a worker's share of the limits while Redis is unreachable
        "MAX_CONTENT_LENGTH": int(settings["max_body_bytes"]),
        "MAX_QUERY_CHARS": int(settings["max_query_chars"]),
        "MAX_MESSAGE_CHARS": int(settings["max_message_chars"]),
        "DATABASE_URL": str(settings["database_url"] or ""),
        "RECORD_USAGE": not settings["no_usage_recording"],
        "USAGE_RETENTION_DAYS": int(settings["usage_retention_days"]),
        "USAGE_PRIOR": float(settings["usage_prior"]),
        "INCIDENT_REPLY": str(settings["incident_reply"]),
        "INCIDENT_RESOLVED_REPLY": str(settings["incident_resolved_reply"]),
        "INCIDENT_WIND_DOWN_MINUTES": int(settings["incident_wind_down_minutes"]),
        "TIMEZONE": str(settings["timezone"]),
    }


def create_app(test_config: dict | None = None) -> Flask:
    """The app; *test_config* overrides the settings (tests build a tiny app on ``tmp_path``)."""
    from kb.api import accesslog, errors, incidents, insights, metrics, openapi, ops, pages, search, security, snippets, strings, usage
    from kb.api.services import Services

    app = Flask(__name__)
    app.config.from_mapping(config_from_settings(values(None, SERVE_SETTINGS)))
    if test_config:
        app.config.update(test_config)
    if not isinstance(app.config.get("TOKENS"), TokenStore):
        app.config["TOKENS"] = TokenStore(app.config["TOKENS_FILE"], app.config["TOKENS_ENV"],
                                          app.config["REVOKED_TOKENS"])
    app.config["CORS_PATTERNS"] = parse_patterns(app.config["CORS_ORIGINS"])
    app.config["CORS_ORIGINS_TEXT"] = [item.strip() for item in app.config["CORS_ORIGINS"].split(",") if item.strip()]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["vastaus"] = Services(Path(app.config["RESPONSES"]), Path(app.config["INDEX"]))
    i18n.catalogs()  # compile the message catalogs now, not on the first error

    @app.before_request
    def _choose_language() -> None:
        g.locale = i18n.negotiate(request.accept_languages.values())
        g.locale_token = i18n.activate(g.locale)

    @app.after_request
    def _vary_by_language(response: Response) -> Response:
        response.vary.add("Accept-Language")  # error messages and pages are translated
        return response

    @app.teardown_request
    def _forget_language(_exc: BaseException | None) -> None:
        token = g.pop("locale_token", None)
        if token is not None:
            with contextlib.suppress(ValueError):  # set in another context (should not happen)
                i18n.reset(token)

    metrics.init_app(app)
    accesslog.init_app(app)
    security.init_app(app)
    errors.register(app)
    usage.init_app(app)
    incidents.init_app(app)
    for blueprint in (search.bp, snippets.bp, strings.bp, ops.bp, openapi.bp, metrics.bp, pages.bp, usage.bp,
                      insights.bp, incidents.bp):
        app.register_blueprint(blueprint)
    return app
