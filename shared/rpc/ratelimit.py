"""Token buckets for public (unauthenticated) callers, kept in memory per process."""
from __future__ import annotations

import threading
import time


class RateLimiter:
    def __init__(self, per_minute: float, *, burst: int | None = None, clock=time.monotonic, max_keys: int = 100_000):
        self.rate = per_minute / 60.0
        self.burst = float(burst if burst is not None else max(1, per_minute // 4))
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if len(self._buckets) >= self._max_keys and key not in self._buckets:
                # A flood of distinct keys must not grow memory without bound: forget full buckets.
                self._buckets = {k: v for k, v in self._buckets.items() if v[0] < self.burst}
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return False
            self._buckets[key] = (tokens - 1.0, now)
            return True
