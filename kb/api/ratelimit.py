"""Rate limits through Flask-Limiter: one count per client (API token name, or address without
tokens), kept in ``memory://`` (each worker process on its own) or in Redis (every worker of
every replica shares it).

The settings say a rate and a burst (``--rate-limit`` requests a second, ``--rate-burst`` at
once). Flask-Limiter counts windows, not buckets, so the pair becomes a moving window: at most
*burst* requests in any *burst / rate* seconds (whole seconds, rounded up: never more than
the rate). The moving window is exact, so *N* allowed requests are *N* however the requests
are spread over workers and replicas; its cost is one Redis round trip per request (a Lua
script), measured in ``bench/replicas.py``.

With ``memory://`` nothing is shared between workers, so ``kb serve`` divides the rate and the
burst by the number of workers (:func:`kb.api.config_from_settings`): with requests spread
over the workers by the kernel, a client gets about the configured rate overall, and a client
that happens to hit one worker only gets less, never more. Several replicas with ``memory://``
each allow that much again: behind a load balancer the limits need Redis.

When Redis cannot be reached, each worker counts in memory on its own with its share of the
limits (Flask-Limiter's in-memory fallback) and tries Redis again after 1, 2, 4 ... 32 s; the
service never stops answering because its limiter's storage is down. Redis calls time out
after ``REDIS_TIMEOUT`` seconds, so a Redis that hangs costs a request at most that.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Response
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from limits import parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from kb.api.errors import error_response, rate_limited
from kb.i18n import gettext

log = logging.getLogger(__name__)

STRATEGY = "moving-window"
KEY_PREFIX = "kb"
REDIS_TIMEOUT = 0.5  # seconds for connecting to Redis and for each answer
# Failed authentications per address are counted over this window (the ``auth_failures`` setting says
# how many): the token buckets before allowed 10 at once and one a second more in each worker, and
# 20 in any 10 s is that over a window (a moving window has no refill).
AUTH_FAILURE_SECONDS = 10
SCHEMES = ("memory", "redis", "rediss", "redis+unix", "redis+sentinel", "redis+cluster")  # what kb serve accepts


def window(rate: float, burst: float) -> str:
    """The Flask-Limiter limit for *rate* requests a second and *burst* at once: ``"100 per 2 second"``."""
    if rate <= 0:
        raise ValueError("rate must be positive; leave limiting off instead")
    amount = max(int(burst), 1)
    seconds = max(math.ceil(amount / rate - 1e-9), 1)
    if amount < rate:  # a burst below one second's worth: the rate wins, in one-second windows
        amount = math.floor(rate)
    return f"{amount} per {seconds} second"


def is_shared(storage_uri: str) -> bool:
    """True when *storage_uri* is one count for every worker (Redis), not one per process."""
    return not storage_uri.startswith("memory://")


def safe_storage_url(url: str) -> str:
    """A rate-limit storage URL with its password hidden: ``redis://:***@host:6379/0``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    netloc = f"{user}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def check_storage(storage_uri: str) -> None:
    """Raise ValueError, saying what is accepted, when *storage_uri* is not one of SCHEMES."""
    scheme, separator, _rest = storage_uri.partition("://")
    if not separator or scheme not in SCHEMES:
        raise ValueError(gettext("--rate-limit-storage must be memory:// or redis://[:password@]host:port/db (or "
                                 "%(others)s), not %(value)s")
                         % {"others": ", ".join(f"{name}://" for name in SCHEMES[2:]),
                            "value": repr(safe_storage_url(storage_uri))})


def storage_options(storage_uri: str) -> dict:
    """Timeouts for Redis, so that a Redis that does not answer never holds a request long."""
    if storage_uri.startswith(("redis://", "rediss://", "redis+unix://")):
        return {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT}
    return {}


class RateLimits:
    """The app's limiter: the per-client limit on the API and the allowance for failed logins."""

    def __init__(self, app: Flask, key: Callable[[], str], limited: Callable[[], bool]):
        config = app.config
        self.storage_uri = str(config.get("RATE_LIMIT_STORAGE") or "memory://")
        self.shared = is_shared(self.storage_uri)
        rate = float(config.get("RATE_LIMIT") or 0)
        burst = float(config.get("RATE_BURST") or 1)
        self.limit = window(rate, burst) if rate > 0 else None
        share = max(int(config.get("WORKERS") or 1), 1) if is_shared(self.storage_uri) else 1
        fallback = window(rate / share, max(burst / share, 1.0)) if rate > 0 else None
        options = storage_options(self.storage_uri)
        self.limiter = Limiter(
            key_func=key,
            app=None,
            application_limits=[self.limit] if self.limit else [],
            strategy=STRATEGY,
            storage_uri=self.storage_uri,
            storage_options=options,
            key_prefix=KEY_PREFIX,
            headers_enabled=False,  # Retry-After is set on 429 by the error shape below
            swallow_errors=True,
            in_memory_fallback_enabled=bool(fallback) and is_shared(self.storage_uri),
            in_memory_fallback=[fallback] if fallback and is_shared(self.storage_uri) else None,
            enabled=self.limit is not None,
        )
        self.limiter.request_filter(lambda: not limited())
        self.limiter.init_app(app)
        # Failed authentications: counted in the same storage (one allowance per address across
        # replicas), in this worker's memory while that storage cannot be reached.
        allowed = max(int(config.get("AUTH_FAILURES") or 20), 1)
        self._failures = parse(f"{allowed} per {AUTH_FAILURE_SECONDS} second")
        self._failure_storage = self.limiter.storage if self.limiter.initialized \
            else storage_from_string(self.storage_uri, **options)
        self._failure_limiter = MovingWindowRateLimiter(self._failure_storage)
        self._local_failures = MovingWindowRateLimiter(MemoryStorage())

        @app.errorhandler(RateLimitExceeded)
        def _limited(_exc: RateLimitExceeded) -> Response:
            return error_response(rate_limited(self.retry_after()))

    def retry_after(self) -> float:
        """Seconds until the limit just breached lets this client in again."""
        current = self.limiter.current_limit
        if current is None:
            return 1.0
        try:
            return max(current.window[0] - time.time(), 1.0)
        except Exception:  # the storage went away between the hit and this question
            return 1.0

    def failure(self, address: str) -> float:
        """Count one failed authentication from *address*: 0 while within the allowance, else
        the seconds until the next one would be."""
        keys = (KEY_PREFIX, "auth-failure", address)
        try:
            if self._failure_limiter.hit(self._failures, *keys):
                return 0.0
            reset, _remaining = self._failure_limiter.get_window_stats(self._failures, *keys)
        except Exception:  # Redis unreachable: this worker's own count
            if self._local_failures.hit(self._failures, *keys):
                return 0.0
            reset, _remaining = self._local_failures.get_window_stats(self._failures, *keys)
        return max(reset - time.time(), 1.0)

    def ping(self) -> bool:
        """True when the storage answers (memory:// always does)."""
        return bool(self._failure_storage.check())
