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


# Call metadata a trusted forwarder (the web portal) sets for the citizen it speaks for.
CLIENT_ADDRESS_HEADER = "x-lianxin-client-address"
DEVICE_HEADER = "x-lianxin-device"
MAX_DEVICE_ID = 64


class PublicLimits:
    """The limits on public calls, each a token bucket (per process):

    - per client address, generous: a village or an office behind one address (carrier-grade
      NAT on mobile networks puts hundreds of phones behind one) shares it;
    - per device, stricter: one phone or browser hammering is stopped without its neighbours.

    The address is the connection's peer, or the one a trusted forwarder names; the device
    is the opaque id in ``x-lianxin-device``. From an anonymous caller the device is keyed
    under its own address, so a made-up device id adds a limit and never lifts one.
    Raises ResourceExhausted naming the limit that was reached."""

    def __init__(self, per_address_per_minute: float, address_burst: int,
                 per_device_per_minute: float, device_burst: int, *, clock=time.monotonic):
        self.address = RateLimiter(per_address_per_minute, burst=address_burst, clock=clock)
        self.device = RateLimiter(per_device_per_minute, burst=device_burst, clock=clock)

    def check(self, address: str, device: str = "", *, forwarded: bool = False) -> None:
        from shared.errors import ResourceExhausted
        if device:
            key = device if forwarded else f"{address}|{device}"
            if not self.device.allow(key):
                raise ResourceExhausted("too many requests from this device; try again in a minute")
        if not self.address.allow(address):
            raise ResourceExhausted("too many requests from this address; try again in a minute")
