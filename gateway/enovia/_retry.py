"""The retry policy for ENOVIA's idempotent GETs, wrapped once around tenacity."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from gateway.enovia._errors import UpstreamUnavailable

T = TypeVar("T")
P = ParamSpec("P")

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Retry a GET on `UpstreamUnavailable` (5xx, 429, timeouts, network errors), never on 4xx.

    `attempts` counts the first try. Between tries: exponential backoff with jitter from
    `backoff_initial` up to `backoff_max` seconds, or ENOVIA's Retry-After when it sent one,
    capped at `retry_after_max`. `sleep` is injected so tests never really wait.
    """

    attempts: int = 3
    backoff_initial: float = 0.1
    backoff_max: float = 2.0
    retry_after_max: float = 5.0
    sleep: Sleep = field(default=asyncio.sleep)

    def wait_before_next(self, state: RetryCallState) -> float:
        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, UpstreamUnavailable) and error.retry_after is not None:
            return max(0.0, min(error.retry_after, self.retry_after_max))
        # "Full jitter" between the initial wait and the doubling bound, so that replicas
        # retrying together spread out instead of arriving at ENOVIA in waves.
        backoff = wait_random_exponential(
            multiplier=self.backoff_initial, min=self.backoff_initial, max=self.backoff_max
        )
        return float(backoff(state))

    async def call(
        self, attempt: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Await `attempt(*args, **kwargs)` until it succeeds, fails for good, or the
        attempts are spent. `attempt` must be a coroutine function."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.attempts),
            wait=self.wait_before_next,
            retry=retry_if_exception_type(UpstreamUnavailable),
            sleep=self.sleep,
            reraise=True,
        )
        return await retrying(attempt, *args, **kwargs)
