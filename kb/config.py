"""Runtime settings, declared once as data.

Each setting has a command-line flag and a ``KB_``-prefixed environment variable; a flag
beats the variable, the variable beats the default. The docs have a heading per setting
and a test checks that none is missing.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass

from kb.i18n import N_, gettext

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def parse_bool(raw: str) -> bool:
    """``KB_X=1``/``true``/``yes``/``on`` and their opposites; anything else is a mistake."""
    word = raw.strip().lower()
    if word in TRUE_WORDS | FALSE_WORDS:
        return word in TRUE_WORDS
    raise ValueError(gettext("%(value)s is not a yes/no value; use 1 or 0") % {"value": repr(raw)})


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str  # English, marked with N_(): translated where it is shown (help_text)
    type: type = str
    cli: bool = True  # False for secrets: an environment variable only, never on a command line

    @property
    def env(self) -> str:
        return "KB_" + self.name.upper()

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def value(self, environ: dict | None = None) -> object:
        raw = (os.environ if environ is None else environ).get(self.env)
        if raw is None or raw == "":
            return self.default
        return parse_bool(raw) if self.type is bool else self.type(raw)


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in [
        Setting("responses", "responses", N_("Folder of the knowledge base (snippets and kb.yaml).")),
        Setting("index", ".kb-index", N_("Folder of the search index; built by `kb index`.")),
        # `kb serve`: where it listens and how much it runs.
        Setting("host", "127.0.0.1", N_("Address to listen on. Anything but loopback needs API tokens "
                                         "(or --insecure-no-auth).")),
        Setting("port", 8000, N_("TCP port to listen on."), int),
        Setting("workers", 2, N_("Worker processes; about one per CPU core."), int),
        Setting("threads", 4, N_("Not used any more: the gevent workers of kb serve need no threads for "
                                  "waiting connections. Kept so that existing command lines still start."), int),
        Setting("plugin_dir", "", N_("Folder served at /plugin/ when it exists (the helpdesk plugin); empty for the "
                                      "plugin installed with Vastaus.")),
        Setting("watch_seconds", 5.0, N_("Poll the responses folder (files and git HEAD) this often and reindex "
                                         "on changes; 0 turns the watcher off."), float),
        # `kb serve`: security.
        Setting("tokens_file", "", N_("YAML list of API tokens: {name, sha256 (or token), admin}. "
                                      "Edits apply without a restart; remove an entry or set `revoked: true` to revoke it.")),
        Setting("tokens", "", N_("API tokens as comma-separated name:secret[:admin] entries; the secret may be "
                                 "sha256:<hex>. Environment only, so that secrets stay off command lines."), cli=False),
        Setting("revoked_tokens", "", N_("Comma-separated names of tokens to refuse even though they are configured.")),
        Setting("insecure_no_auth", False, N_("Allow listening beyond loopback without API tokens."), bool),
        Setting("cors_origins", "", N_("Comma-separated origins allowed to call the API from a browser, e.g. "
                                       "https://*.zendesk.com (* stands for one DNS label; the scheme must match).")),
        Setting("rate_limit", 50.0, N_("Requests per second allowed per token (per client address without "
                                       "tokens); 0 turns limiting off. With memory:// storage each worker keeps its own "
                                       "count with this rate divided by the number of workers; with redis:// every "
                                       "worker of every server shares one count."), float),
        Setting("rate_burst", 100, N_("Requests a token may send at once before the rate applies "
                                      "(divided by the number of workers too with memory:// storage)."), int),
        Setting("rate_limit_storage", "memory://", N_("Where the rate limits are counted: memory:// (each worker "
                                                      "on its own) or redis://[:password@]host:port/db, shared by "
                                                      "every worker of every server.")),
        Setting("auth_failures", 20, N_("Failed authentications allowed from one client address in any 10 seconds; "
                                        "beyond them the answer is 429 instead of 401. Counted where the rate "
                                        "limits are, whatever --rate-limit says."), int),
        Setting("max_body_bytes", 64 * 1024, N_("Largest request body accepted (413 beyond)."), int),
        Setting("max_query_chars", 500, N_("Longest search query `q` accepted (414 beyond)."), int),
        Setting("max_message_chars", 10_000, N_("Longest customer message accepted by suggest (422 beyond)."), int),
        # Usage insights (kb/usage/).
        Setting("database_url", "", N_("Database of usage insights: empty for SQLite in a file beside the index, or "
                                       "postgresql://user:password@host/name for several servers.")),
        Setting("no_usage_recording", False, N_("Do not record searches for the usage insights (by default they are "
                                                "recorded: typed queries masked, never a customer's message)."), bool),
        Setting("usage_prior", 0.0, N_("How much the replies agents used after typing the same words move up within "
                                       "a search's results: 0 (off) to 0.2, the most a score is raised (as a share)."),
                float),
        Setting("usage_retention_days", 90, N_("Days usage data is kept; `kb serve` removes older data every hour, "
                                                    "`kb usage purge` at once."), int),
        # Outage mode (kb/incidents/): declared incidents, kept in the usage database.
        Setting("incident_reply", "outage/acknowledge", N_("Reply pinned first for messages about an incident when "
                                                           "`kb incident start` is given no --reply.")),
        Setting("incident_resolved_reply", "outage/resolved", N_("Reply pinned first for messages about an incident "
                                                                 "after it has ended, during the wind-down.")),
        Setting("incident_wind_down_minutes", 120, N_("Minutes after an incident ends during which messages about it "
                                                      "get the resolved reply first."), int),
        Setting("timezone", "Europe/Helsinki", N_("Time zone of the times team leads declare (an incident's next "
                                                  "update, e.g. 14:30) and of the times shown to them.")),
    ]
}

SERVE_SETTINGS = ("responses", "index", "host", "port", "workers", "threads", "plugin_dir", "watch_seconds",
                  "tokens_file", "tokens", "revoked_tokens", "insecure_no_auth", "cors_origins", "rate_limit",
                  "rate_burst", "rate_limit_storage", "auth_failures", "max_body_bytes", "max_query_chars", "max_message_chars",
                  "database_url", "no_usage_recording", "usage_retention_days", "usage_prior", "incident_reply",
                  "incident_resolved_reply", "incident_wind_down_minutes", "timezone")


def setting(name: str) -> Setting:
    return SETTINGS[name]


def help_text(spec: Setting) -> str:
    """The ``--help`` text of a setting's flag, in the active language."""
    return gettext("%(help)s Default: %(default)s (env %(env)s).") % {
        "help": gettext(spec.help), "default": spec.default, "env": spec.env}


def add_argument(parser: argparse.ArgumentParser, name: str) -> None:
    """Add setting *name* to *parser*: a flag whose default comes from the environment.

    Yes/no settings become plain switches; secrets (``cli=False``) get no flag at all, and
    are read from the environment when the command runs.
    """
    spec = setting(name)
    if not spec.cli:
        return
    if spec.type is bool:
        parser.add_argument(spec.flag, dest=name, action="store_true", default=spec.value(), help=help_text(spec))
    else:
        parser.add_argument(spec.flag, dest=name, default=spec.value(), type=spec.type, help=help_text(spec))


def values(args: argparse.Namespace | None, names: tuple[str, ...]) -> dict[str, object]:
    """Setting values by name: the flag when parsed, else the environment, else the default."""
    return {name: getattr(args, name) if args is not None and hasattr(args, name) else setting(name).value()
            for name in names}
