"""``GET /api/v1/i18n/<lang>``: the plugin's interface strings from the Babel catalogs.

The plugin is plain JavaScript without a build step, so it fetches its translations as
JSON; the language is negotiated like the API's own messages (``fi-FI`` gives ``fi``,
unknown languages give English).
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from kb import i18n

bp = Blueprint("strings", __name__, url_prefix="/api/v1")


@bp.get("/i18n/<lang>")
def plugin_strings(lang: str):
    locale = i18n.negotiate([lang])
    response = jsonify(i18n.plugin_messages(locale))
    response.cache_control.max_age = 300
    response.cache_control.public = True
    return response
