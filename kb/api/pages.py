"""The pages people open in a browser: ``/`` and the helpdesk plugin's files under ``/plugin/``.

The plugin and its demo page are built separately in ``plugin/``; until they exist ``/``
shows a small placeholder that points to the API. Pages get a strict Content-Security-Policy:
their own scripts and styles only, and framing only by the origins allowed for CORS (the
helpdesk that embeds the plugin).
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from flask import Blueprint, Response, current_app, redirect, send_from_directory

from kb.api.errors import not_found
from kb.i18n import gettext

bp = Blueprint("pages", __name__)

DEMO_PAGE = "demo/index.html"
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}")


def _plugin_dir() -> Path | None:
    folder = current_app.config.get("PLUGIN_DIR")
    return Path(folder).resolve() if folder and Path(folder).is_dir() else None


def with_csp(response: Response) -> Response:
    ancestors = " ".join(["'self'", *current_app.config.get("CORS_ORIGINS_TEXT", [])])
    response.headers["Content-Security-Policy"] = PAGE_CSP.format(ancestors=ancestors)
    return response


def placeholder() -> str:
    title = gettext("Vastaus is running")
    text = gettext("The demo page has not been built yet. The API is at /api/v1/ and described in "
                   "/api/v1/openapi.json.")
    return (f'<!doctype html>\n<html><head><meta charset="utf-8"><title>{escape(title)}</title></head>\n'
            f"<body><h1>{escape(title)}</h1><p>{escape(text)}</p>"
            '<p><a href="/api/v1/openapi.json">openapi.json</a> · <a href="/api/v1/health">health</a></p>'
            "</body></html>\n")


@bp.get("/")
def index() -> Response:
    folder = _plugin_dir()
    if folder is not None and (folder / DEMO_PAGE).is_file():
        return with_csp(redirect(f"/plugin/{DEMO_PAGE}"))  # the demo's relative links resolve under /plugin/
    return with_csp(Response(placeholder(), mimetype="text/html"))


@bp.get("/plugin/", defaults={"name": "index.html"})
@bp.get("/plugin/<path:name>")
def plugin_file(name: str) -> Response:
    folder = _plugin_dir()
    if folder is None:
        raise not_found()
    return with_csp(send_from_directory(folder, name))  # refuses paths outside the folder (404)
