"""Per-client token buckets, in a bounded table."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from cachetools import LRUCache

__all__ = ["MAX_CLIENTS", "RateLimiter"]

#: The most clients with a bucket at once; past it the least recently seen one is forgotten,
#: so that requests from ever new addresses cannot grow the table without bound. A forgotten
#: client comes back with a full bucket, as it would after a pause.
MAX_CLIENTS = 10_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """A token bucket per client: `burst` requests at once, then `rate` per second.

    Not thread-safe; it is used from one event loop, and `acquire` does not await, so calls
    never interleave. Each process (each worker, each replica) has its own buckets.
    """

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        max_clients: int = MAX_CLIENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0 or burst < 1 or max_clients < 1:
            raise ValueError("rate must be positive, burst and max_clients at least 1")
        self._rate = rate
        self._burst = float(burst)
        self._clock = clock
        self._buckets: LRUCache[Hashable, _Bucket] = LRUCache(maxsize=max_clients)

    def __len__(self) -> int:
        """How many clients have a bucket now (at most `max_clients`)."""
        return len(self._buckets)

    def acquire(self, client: Hashable) -> float:
        """Take one token from `client`'s bucket: 0.0 when there was one (go ahead), else the
        seconds until there will be one (refuse, and nothing is taken)."""
        now = self._clock()
        bucket = self._buckets.get(client)  # now the most recently seen
        if bucket is None:
            # The least recently seen client is forgotten to make room, if need be.
            bucket = self._buckets[client] = _Bucket(tokens=self._burst, updated=now)
        else:
            # max(): a clock that steps back must not drain a bucket.
            elapsed = max(0.0, now - bucket.updated)
            bucket.tokens = min(self._burst, bucket.tokens + elapsed * self._rate)
            bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self._rate
