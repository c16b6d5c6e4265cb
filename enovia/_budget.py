"""A retry budget: retries may add only a share to the calls made, so that they never
multiply the load on a struggling ENOVIA."""

from __future__ import annotations

import time
from collections.abc import Callable


class RetryBudget:
    """Each call earns `ratio` of a retry; each retry spends one. `min_per_second` retries are
    granted over time as well, so that a quiet gateway can still retry; at most `capacity`
    are saved up. With the defaults, retries add at most a fifth to ENOVIA's load."""

    def __init__(
        self,
        *,
        ratio: float = 0.2,
        min_per_second: float = 1.0,
        capacity: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ratio = ratio
        self._min_per_second = min_per_second
        self._capacity = capacity
        self._clock = clock
        self._tokens = capacity
        self._updated = clock()

    def record_call(self) -> None:
        self._tokens = min(self._capacity, self._tokens + self._ratio)

    def try_spend(self) -> bool:
        """True (and one retry spent) when a retry is within budget."""
        now = self._clock()
        earned = (now - self._updated) * self._min_per_second
        self._tokens = min(self._capacity, self._tokens + earned)
        self._updated = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True
