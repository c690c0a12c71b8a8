"""API tokens: who may call the API when it listens beyond loopback, and who may reload it.

Tokens are named, so that logs and rate limits say whose requests they were, and a leaked
token can be revoked by name. They come from a YAML file and/or ``KB_TOKENS``. The file
should hold the sha256 of each token rather than the token itself, so that a copy of the
configuration gives away no secret::

    - name: zendesk-plugin
      sha256: 3f0a…            # printf %s "$TOKEN" | sha256sum
    - name: ops
      sha256: 9b1c…
      admin: true              # may POST /api/v1/reload
    - name: old-plugin
      sha256: 77de…
      revoked: true

The file is read again when it changes, so revoking a token needs no restart. That is per
machine: with several replicas, ``kb tokens revoke NAME`` puts the name in the shared database
instead (:mod:`kb.usage.revocations`), which every worker reads every ``REVOCATION_SECONDS``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from kb import i18n
from kb.i18n import gettext

log = logging.getLogger(__name__)

MIN_SECRET = 16
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
RECHECK_SECONDS = 1.0
REVOCATION_SECONDS = 2.0  # how often a worker reads the shared revocations (in the background)


class TokenConfigError(Exception):
    """The tokens file or ``KB_TOKENS`` is wrong; the message says where and how to fix it."""


@dataclass(frozen=True)
class ApiToken:
    name: str
    sha256: str  # hex digest of the secret
    admin: bool = False
    revoked: bool = False


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _digest(name: str, secret: str | None, digest: str | None, where: str) -> str:
    if (secret is None) == (digest is None):
        raise TokenConfigError(gettext("%(where)s: token %(name)s needs exactly one of sha256 or token")
                               % {"where": where, "name": repr(name)})
    if digest is not None:
        digest = digest.lower().removeprefix("sha256:")
        if not SHA256_HEX.match(digest):
            raise TokenConfigError(gettext("%(where)s: token %(name)s: sha256 must be 64 hexadecimal digits")
                                   % {"where": where, "name": repr(name)})
        return digest
    assert secret is not None
    if len(secret) < MIN_SECRET:
        raise TokenConfigError(gettext("%(where)s: token %(name)s is shorter than %(min)d characters; "
                                       "use e.g. `python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`")
                               % {"where": where, "name": repr(name), "min": MIN_SECRET})
    return hash_secret(secret)


def parse_tokens_file(path: Path) -> list[ApiToken]:
    """The tokens of a YAML file: a list of ``{name, sha256 | token, admin, revoked}``."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise TokenConfigError(gettext("%(path)s: cannot read the tokens file: %(reason)s")
                               % {"path": path, "reason": exc.strerror}) from exc
    except yaml.YAMLError as exc:
        raise TokenConfigError(gettext("%(path)s: not valid YAML: %(error)s") % {"path": path, "error": exc}) from exc
    if data is None:
        return []
    if not isinstance(data, list):
        raise TokenConfigError(gettext("%(path)s: give a list of tokens, each {name, sha256, admin}") % {"path": path})
    tokens = []
    for number, entry in enumerate(data, 1):
        where = gettext("%(path)s: entry %(number)d") % {"path": path, "number": number}
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
            raise TokenConfigError(gettext("%(where)s: each token is a mapping with a name") % {"where": where})
        unknown = set(entry) - {"name", "sha256", "token", "admin", "revoked"}
        if unknown:
            raise TokenConfigError(gettext("%(where)s: unknown field %(field)s")
                                   % {"where": where, "field": repr(sorted(unknown)[0])})
        for flag in ("admin", "revoked"):
            if not isinstance(entry.get(flag, False), bool):
                raise TokenConfigError(gettext("%(where)s: %(field)s must be true or false") % {"where": where, "field": flag})
        secret, digest = entry.get("token"), entry.get("sha256")
        if any(value is not None and not isinstance(value, str) for value in (secret, digest)):
            raise TokenConfigError(gettext("%(where)s: sha256 and token are strings (quote them)") % {"where": where})
        tokens.append(ApiToken(entry["name"].strip(), _digest(entry["name"], secret, digest, where),
                               bool(entry.get("admin", False)), bool(entry.get("revoked", False))))
    return tokens


def parse_env_tokens(value: str) -> list[ApiToken]:
    """``KB_TOKENS``: comma-separated ``name:secret`` entries, ``:admin`` appended for admins;
    the secret may be given as ``sha256:<hex>``."""
    tokens = []
    for entry in filter(None, (part.strip() for part in value.split(","))):
        parts = entry.split(":")
        admin = len(parts) > 2 and parts[-1] == "admin"
        if admin:
            parts = parts[:-1]
        if len(parts) < 2 or not parts[0]:
            raise TokenConfigError(gettext("KB_TOKENS: write each token as name:secret or name:secret:admin"))
        name, secret = parts[0], ":".join(parts[1:])
        if secret.startswith("sha256:"):
            tokens.append(ApiToken(name, _digest(name, None, secret, "KB_TOKENS"), admin))
        else:
            tokens.append(ApiToken(name, _digest(name, secret, None, "KB_TOKENS"), admin))
    return tokens


def _check_unique(tokens: list[ApiToken]) -> None:
    seen: set[str] = set()
    for token in tokens:
        if token.name in seen:
            raise TokenConfigError(gettext("two tokens are named %(name)s; names must be unique") % {"name": repr(token.name)})
        seen.add(token.name)


class TokenStore:
    """The configured tokens; checks presented bearer tokens in constant time.

    ``required`` is true whenever any token source is configured, even if every token in it
    is revoked: revoking the last token locks the API rather than opening it.
    """

    def __init__(self, tokens_file: str | Path | None = None, env_tokens: str = "", revoked: str | set[str] = ""):
        self.path = Path(tokens_file) if tokens_file else None
        self.revoked_names = set(filter(None, (n.strip() for n in revoked.split(",")))) if isinstance(revoked, str) \
            else set(revoked)
        self._env = parse_env_tokens(env_tokens)
        self._lock = threading.Lock()
        self._file_tokens: list[ApiToken] = []
        self._stamp: tuple[float, int] | None = None
        self._checked = 0.0
        self._revocations: Callable[[], set[str]] | None = None
        self._shared_revoked: frozenset[str] = frozenset()
        self._revocations_read = 0.0
        self._reading_revocations = threading.Lock()
        self._revocations_failing = False
        if self.path is not None:
            self._file_tokens = parse_tokens_file(self.path)
            self._stamp = self._file_stamp()
        _check_unique(self.tokens)

    @property
    def required(self) -> bool:
        return self.path is not None or bool(self._env)

    @property
    def tokens(self) -> list[ApiToken]:
        return self._file_tokens + self._env

    def _file_stamp(self) -> tuple[float, int] | None:
        try:
            stat = self.path.stat() if self.path else None
        except OSError:
            return None
        return None if stat is None else (stat.st_mtime, stat.st_size)

    def _refresh(self) -> None:
        """Read the tokens file again when it changed (at most once a second)."""
        now = time.monotonic()
        if self.path is None or now - self._checked < RECHECK_SECONDS:
            return
        with self._lock:
            self._checked = now
            stamp = self._file_stamp()
            if stamp == self._stamp:
                return
            try:
                with i18n.locale(i18n.DEFAULT_LOCALE):  # for the log, not in the language of this request
                    tokens = parse_tokens_file(self.path)
                    _check_unique(tokens + self._env)
            except TokenConfigError as exc:
                # Keep serving with the tokens read last; a typo must not open or close the API.
                log.error("tokens file not reloaded: %s", exc)
                return
            self._file_tokens, self._stamp = tokens, stamp
            log.info("tokens file reloaded: %d tokens", len(tokens))

    def watch_revocations(self, source: Callable[[], set[str]]) -> None:
        """Also refuse the names *source* returns (the shared database's list): read now, then
        every REVOCATION_SECONDS in a thread of its own, the last list kept while it fails."""
        self._revocations = source
        self._read_revocations()

    def _read_revocations(self) -> None:
        if self._revocations is None or not self._reading_revocations.acquire(blocking=False):
            return
        try:
            self._shared_revoked = frozenset(self._revocations())
            if self._revocations_failing:
                log.info("shared token revocations read again: %d names", len(self._shared_revoked))
            self._revocations_failing = False
        except Exception as exc:  # the database is down: the names read last stay refused
            if not self._revocations_failing:
                log.warning("shared token revocations not read (%s); the last list read stays in force",
                            str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__)
            self._revocations_failing = True
        finally:
            self._revocations_read = time.monotonic()
            self._reading_revocations.release()

    def _refresh_revocations(self) -> None:
        if self._revocations is None or time.monotonic() - self._revocations_read < REVOCATION_SECONDS:
            return
        if not self._reading_revocations.locked():
            self._revocations_read = time.monotonic()  # one reader at a time, not one a request
            threading.Thread(target=self._read_revocations, name="kb-token-revocations", daemon=True).start()

    def verify(self, secret: str) -> ApiToken | None:
        """The token *secret* belongs to (check ``revoked`` on it), or None for no match."""
        self._refresh()
        self._refresh_revocations()
        digest = hash_secret(secret)
        found = None
        for token in self.tokens:  # compare with every token: timing says nothing of which matched
            if hmac.compare_digest(digest, token.sha256) and found is None:
                found = token
        if found is not None and (found.name in self.revoked_names or found.name in self._shared_revoked):
            return ApiToken(found.name, found.sha256, found.admin, revoked=True)
        return found
