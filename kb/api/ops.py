"""Running the service: health for load balancers, version for humans, reload for editors' CI."""

from __future__ import annotations

import datetime
import logging
from pathlib import Path

from flask import Blueprint, current_app, g, jsonify, request

from kb import __version__
from kb.api import params
from kb.api.dependencies import probe
from kb.api.errors import ApiError, bad_request
from kb.api.services import services
from kb.i18n import gettext, ngettext
from kb.search.guard import IndexBusy
from kb.search.indexing import IndexRefused
from kb.search.watcher import RELOAD_WAIT, git_head, reindex

bp = Blueprint("ops", __name__, url_prefix="/api/v1")
log = logging.getLogger(__name__)


def _content_state(svc) -> dict:
    """What /health and /version say about the content: problems found in it, and whether the
    index served is older than the files (an edit not indexed yet, or refused)."""
    problems, count = svc.problems()
    return {"stale": svc.stale(), "problems": problems, "problem_count": count}


@bp.get("/health")
def health():
    """200 while the index answers (``degraded`` when the content on disk has problems or is
    newer than the index, or the database or Redis did not answer the last check: searching
    goes on); 503 when there is none."""
    svc = services()
    snippets = svc.doc_count()
    state = _content_state(svc)
    shared = probe(current_app._get_current_object()).report()  # type: ignore[attr-defined]
    down = any(shared[name].get("reachable") is False for name in ("database", "rate_limits"))
    status = "degraded" if state["problem_count"] or state["stale"] or down else "ok"
    return jsonify({"status": status, "snippets": snippets, **state, **shared})


def _time(epoch: object) -> str | None:
    if not isinstance(epoch, int | float):
        return None
    return datetime.datetime.fromtimestamp(epoch, datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@bp.get("/version")
def version():
    """Which code and which content are being served."""
    svc = services()
    counts = svc.counts()
    meta = svc.index_meta()
    return jsonify({
        "version": __version__,
        "api": "v1",
        "revision": git_head(svc.responses),
        "snippets": {"total": sum(counts.values()), **counts},
        "languages": list(svc.settings.languages),
        "language_names": dict(svc.settings.languages),  # code -> the language's own name, for the plugin's menu
        "channels": dict(svc.settings.channels),  # the plugin shows "212 / 280" from these
        # The panel asks the agent for what the helpdesk cannot fill, with a field fit for the format.
        "variables": {name: {"format": spec.format, "max_length": spec.max_length, "description": spec.description,
                             "example": spec.example, "default": spec.default}
                      for name, spec in svc.settings.variables.items()},
        "index": {"built_at": _time(meta.get("built_at")), "updated_at": _time(meta.get("updated_at"))},
        **_content_state(svc),
    })


def _may_reload() -> None:
    token = g.get("token")
    if current_app.config["TOKENS"].required:
        if token is None or not token.admin:
            raise ApiError(403, "forbidden", gettext("Reloading needs an admin token."))
    elif not current_app.config["LOOPBACK"]:
        raise ApiError(403, "forbidden", gettext("Reloading needs an admin token; configure API tokens to allow it."))


def _problem(problem, root: Path) -> dict:
    try:
        path = Path(problem.path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        path = Path(problem.path).name
    return {"path": path, "line": problem.line, "code": problem.code, "message": problem.message}


@bp.post("/reload")
def reload():
    """Reindex now. Broken content: 422 with the problems, and the old index serves on."""
    _may_reload()
    full = False
    if request.get_data(cache=True):
        full = params.json_body(("full",)).get("full", False)
        if not isinstance(full, bool):
            raise bad_request(gettext("The field '%(field)s' must be true or false.") % {"field": "full"})
    svc = services()
    try:
        report = reindex(svc.responses, svc.index_dir, full=full, locale=g.get("locale", "en"),  # messages in its language
                         wait=float(current_app.config.get("RELOAD_WAIT", RELOAD_WAIT)))
        svc.index_changed()
    except IndexRefused as refused:
        count = len(refused.problems)
        message = ngettext("The knowledge base has %(count)d error; the index was not changed.",
                           "The knowledge base has %(count)d errors; the index was not changed.", count) % {"count": count}
        raise ApiError(422, "kb_invalid", message,
                       details={"problems": [_problem(p, svc.responses) for p in refused.problems]}) from None
    except IndexBusy:
        raise ApiError(409, "reindex_busy", gettext("Another process is writing the index; try again shortly."),
                       headers={"Retry-After": "5"}) from None
    except RuntimeError as failed:  # the child failed (a full disk): the old index serves on
        log.error("reload failed: %s", str(failed).splitlines()[-1][:500])
        raise ApiError(503, "reindex_failed", gettext("Reindexing failed on the server (the error was logged); "
                                                      "the previous index is still served."),
                       headers={"Retry-After": "30"}) from None
    return jsonify({
        "full": report.full,
        "snippets": report.snippets,
        "changed": report.changed,
        "removed": report.removed,
        "warnings": len(report.warnings),
        "seconds": round(report.seconds, 3),
    })
