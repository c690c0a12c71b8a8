"""``kb serve``: the API and the plugin's pages under gunicorn, safe by default.

Before anything listens it checks the security settings: loopback is the default, and a
server reachable from other machines refuses to start without API tokens unless told
``--insecure-no-auth``. It builds the index when it is missing or older than the content,
then runs gunicorn with gevent workers (:mod:`kb.api.worker`: a slow or idle connection
parks a greenlet instead of holding a thread, and gunicorn's own refusals answer in the
API's JSON error shape). Each worker builds its own app after the fork
(``preload_app=False``), so no index reader or lock is shared between processes; what is
read-only and the same for every worker (the detector's models, the code, the index's
vocabulary) is loaded in the master before the fork instead (:func:`preload_for_workers`).

The gunicorn master runs one :class:`kb.search.watcher.Watcher` thread (started in ``when_ready``)
that reindexes when the responses folder or its git HEAD changes; every worker notices the
new index by itself on its next request. Metrics of all workers are added up through
prometheus_client's multiprocess mode, in a temporary folder made here and removed at exit.
"""

from __future__ import annotations

import errno
import gc
import importlib
import logging
import os
import pkgutil
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path

from gunicorn.app.base import BaseApplication

from kb import i18n
from kb.api import config_from_settings, is_loopback
from kb.api.cors import parse_patterns
from kb.api.ratelimit import check_storage
from kb.api.tokens import TokenConfigError, TokenStore
from kb.content.kbyaml import load_settings
from kb.i18n import gettext
from kb.language import detect as langdetect
from kb.memory import give_back_memory
from kb.search.indexing import IndexRefused, index_exists, index_is_current
from kb.search.service import preload as preload_index
from kb.search.watcher import Watcher, guard_forks, log_refused, reindex_here

log = logging.getLogger("kb.api.server")

EXIT_CONFIG = 2
EXIT_CONTENT = 1
WORKER_CONNECTIONS = 1000  # open connections per worker, idle ones included


class ServeError(Exception):
    """A setting that must be fixed before serving; ``kb serve`` prints it and exits 2."""


class VastausServer(BaseApplication):
    """gunicorn, configured from a dict instead of gunicorn's own command line."""

    def __init__(self, app_config: dict, options: dict):
        self.app_config = app_config
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self):
        from kb.api import create_app  # in the worker, after the fork

        return create_app(self.app_config)


def check_security(values: dict) -> TokenStore:
    """The configured tokens; raise :class:`ServeError` when the settings are unsafe or wrong."""
    try:
        tokens = TokenStore(values["tokens_file"] or None, str(values["tokens"] or ""), str(values["revoked_tokens"] or ""))
    except TokenConfigError as exc:
        raise ServeError(str(exc)) from None
    host = str(values["host"])
    if not is_loopback(host) and not tokens.required and not values["insecure_no_auth"]:
        raise ServeError(gettext(
            "refusing to listen on %(host)s without API tokens: anyone who can reach it could use the API. "
            "Give --tokens-file FILE or KB_TOKENS, or --insecure-no-auth if the network in front of it "
            "already allows only trusted clients.") % {"host": host})
    try:
        parse_patterns(str(values["cors_origins"] or ""))
        check_storage(str(values.get("rate_limit_storage") or "memory://"))
    except ValueError as exc:
        raise ServeError(str(exc)) from None
    for name in ("workers", "threads", "port"):
        if int(values[name]) < (0 if name == "port" else 1):
            raise ServeError(gettext("%(flag)s must be a positive number") % {"flag": f"--{name}"})
    if float(values["watch_seconds"]) < 0:
        raise ServeError(gettext("--watch-seconds must be 0 (off) or more"))
    return tokens


def check_port(host: str, port: int) -> None:
    """Raise :class:`ServeError` naming the port when something listens on it already:
    gunicorn would say "serving", then retry five times with a traceback each."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds: TIME_WAIT is no conflict
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                return  # gunicorn says what else is wrong (a name that does not resolve, no permission)
            raise ServeError(gettext("port %(port)d on %(host)s is already in use (another kb serve?); choose another "
                                     "with --port or KB_PORT, for example --port %(other)d")
                             % {"port": port, "host": host, "other": port + 1}) from None


def prepare_index(root: Path, index_dir: Path) -> None:
    """Build or update the index when it is missing or older than the content.

    Broken content with an index already built: serve the old one (and say so). Broken
    content and no index: nothing to serve, so it is an error.
    """
    if index_is_current(root, index_dir):
        return
    try:
        report = reindex_here(root, index_dir)  # nothing is served yet: no need for a child process
    except IndexRefused as refused:
        log_refused(refused, root)
        if not index_exists(index_dir):
            raise
        log.warning("serving the previous index of %s until the errors are fixed", root)
        return
    log.info("%s index %s: %d snippets in %.2f s", "built" if report.full else "updated", index_dir,
             report.snippets, report.seconds)


def prepare_usage(values: dict) -> None:
    """Migrate the usage database once, here, before the workers start (they would race).

    A database that cannot be opened does not stop the service: it searches unrecorded, and
    each worker tries the database again now and then.
    """
    from kb.usage.db import DatabaseError, open_engine

    try:
        open_engine(str(values["database_url"] or ""), str(values["index"])).dispose()
    except DatabaseError as exc:
        log.error("%s; serving without usage insights until it can be opened", exc)


def preload_for_workers(index_dir: Path) -> None:
    """Load in the master what every worker would otherwise load for itself, so that the forked
    workers share its pages instead of each holding a copy (measured in docs/operators/memory.rst).

    Every module of the API is imported (their code, about 30 MB a worker), the message catalogs
    compiled and the index's vocabulary read (:func:`kb.search.service.preload`). The
    memory the detector's loading freed (about 50 MB of its 130 MB) is handed back to the system,
    so that no worker inherits it. Last, every object is frozen out of the cyclic
    garbage collector (:func:`gc.freeze`): a collection writes into the header of each object it
    visits, which would copy into every worker each page holding an object made here.
    """
    import kb.api

    for module in pkgutil.iter_modules(kb.api.__path__):  # the package's modules: no list to keep up
        importlib.import_module(f"kb.api.{module.name}")
    i18n.catalogs()
    preload_index(index_dir)
    give_back_memory()
    gc.freeze()


def bind_address(host: str, port: int) -> str:
    return f"[{host.strip('[]')}]:{port}" if ":" in host else f"{host}:{port}"


def gunicorn_options(values: dict, watcher_box: list) -> dict:
    root, index_dir = Path(str(values["responses"])), Path(str(values["index"]))
    seconds = float(values["watch_seconds"])

    def when_ready(server) -> None:
        if seconds > 0:
            guard_forks()  # the watcher starts child processes while the master forks workers
            watcher = Watcher(root, index_dir, seconds)
            watcher.start()
            watcher_box.append(watcher)
            server.log.info("watching %s every %s s for changes", root, seconds)

    def on_exit(server) -> None:
        for watcher in watcher_box:
            watcher.stop()

    def post_worker_init(worker) -> None:
        started = time.perf_counter()
        try:
            worker.wsgi.extensions["vastaus"].warm()  # before the first request, not during it
        except Exception as error:  # the first request reports it, as it would without warming
            worker.log.warning("could not warm up: %s", error)
            return
        worker.log.info("warmed up in %.1f s", time.perf_counter() - started)

    def pre_fork(server, worker) -> None:
        gc.freeze()  # what the master made since (see preload_for_workers)

    def worker_exit(server, worker) -> None:
        # Collect what was frozen while the modules are still whole: left to the interpreter's own
        # shutdown, logging's clean-up of the master's handlers runs after gevent's is gone.
        gc.unfreeze()
        gc.collect()

    def child_exit(server, worker) -> None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)

    return {
        "bind": [bind_address(str(values["host"]), int(values["port"]))],
        "workers": int(values["workers"]),
        "worker_class": "kb.api.worker.VastausWorker",
        "worker_connections": WORKER_CONNECTIONS,
        "preload_app": False,
        "timeout": 30,
        "graceful_timeout": 10,
        "keepalive": 5,
        "limit_request_line": 8190,  # q is at most a few kB even fully %-encoded
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "kb-serve",
        "control_socket_disable": True,  # several servers per machine (tests, bench) must not share one
        "when_ready": when_ready,
        "on_exit": on_exit,
        "child_exit": child_exit,
        "post_worker_init": post_worker_init,
        "pre_fork": pre_fork,
        "worker_exit": worker_exit,
    }


def serve(values: dict) -> int:
    """Run the server until it is stopped; the exit status of ``kb serve``."""
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s")
    try:
        tokens = check_security(values)
    except ServeError as exc:
        print(f"kb serve: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        check_port(str(values["host"]), int(values["port"]))
    except ServeError as exc:
        print(f"kb serve: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    root, index_dir = Path(str(values["responses"])), Path(str(values["index"]))
    settings = load_settings(root)  # a broken kb.yaml stops here (exit 2 from kb.cli)
    langdetect.preload(settings.languages)  # once, here: the forked workers share the models' memory
    try:
        prepare_index(root, index_dir)
    except IndexRefused:
        print("kb serve: " + gettext("the knowledge base in %(folder)s has errors and there is no index to serve; "
                                     "fix them (see `kb lint`) and start again.") % {"folder": root}, file=sys.stderr)
        return EXIT_CONTENT
    prepare_usage(values)
    metrics_dir = tempfile.mkdtemp(prefix="kb-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir  # before any worker imports prometheus_client
    workers = int(values["workers"])
    app_config = config_from_settings(values, workers=workers)
    scheme_host = bind_address(str(values["host"]), int(values["port"]))
    preload_for_workers(index_dir)  # after PROMETHEUS_MULTIPROC_DIR: the metrics' module reads it when imported
    log.info("serving %s on http://%s with %d workers; API tokens %s", root, scheme_host, workers,
             "required" if tokens.required else "not required")
    watchers: list[Watcher] = []
    master = os.getpid()
    try:
        VastausServer(app_config, gunicorn_options(values, watchers)).run()
    except SystemExit as exc:  # gunicorn's master exits through sys.exit
        if os.getpid() != master:
            raise  # a worker (forked inside run) leaving: not ours to clean up
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        if os.getpid() == master:
            for watcher in watchers:
                watcher.stop()
            shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0
