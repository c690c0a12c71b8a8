"""Token-bucket rate limits, one bucket per client (API token name, or address without tokens).

Buckets live in each worker process: nothing is shared between workers, so the server
divides the configured rate and burst by the number of workers (see ``kb serve``). With
requests spread over the workers by the kernel, a client then gets about the configured
rate overall; a client that happens to hit one worker only gets less, never more.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

MAX_BUCKETS = 10_000  # clients remembered per worker; full buckets are forgotten first


class TokenBuckets:
    """``take(key)`` spends one request from *key*'s bucket, refilled at *rate* per second."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic):
        if rate <= 0:
            raise ValueError("rate must be positive; leave limiting off instead")
        self.rate = rate
        self.burst = max(burst, 1.0)
        self.clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, time)

    def take(self, key: str) -> float:
        """0 when the request may go ahead, else the seconds until it could."""
        with self._lock:
            now = self.clock()
            tokens, then = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - then) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                if len(self._buckets) > MAX_BUCKETS:
                    self._forget_full(now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate

    def _forget_full(self, now: float) -> None:
        for key, (tokens, then) in list(self._buckets.items()):
            if tokens + (now - then) * self.rate >= self.burst:
                del self._buckets[key]
        if len(self._buckets) > MAX_BUCKETS:  # many clients at once: forget the longest idle
            by_age = sorted(self._buckets, key=lambda key: self._buckets[key][1])
            for key in by_age[: len(by_age) - MAX_BUCKETS // 2]:
                del self._buckets[key]
