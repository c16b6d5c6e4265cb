"""The retry policy for ENOVIA's idempotent GETs, wrapped once around tenacity."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    wait_random_exponential,
)

from enovia._budget import RetryBudget
from enovia._circuit import CircuitOpen
from enovia._deadline import time_left
from enovia._errors import UpstreamUnavailable

T = TypeVar("T")
P = ParamSpec("P")

Sleep = Callable[[float], Awaitable[None]]

#: The least time worth starting another attempt with.
MIN_ATTEMPT_SECONDS = 0.1

#: Within an attempt: how many tries of the same call came before it.
_retries: ContextVar[int] = ContextVar("enovia_retries", default=0)


def retries_so_far() -> int:
    """Within an attempt made by `RetryPolicy.call`, the tries of the same call before it
    (0: this is the first); 0 outside any (an unretried call)."""
    return _retries.get()


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Retry a GET on `UpstreamUnavailable` (5xx, 429, timeouts, network errors), never on 4xx.

    `attempts` counts the first try. Between tries: exponential backoff with jitter from
    `backoff_initial` up to `backoff_max` seconds, or ENOVIA's Retry-After when it sent one,
    capped at `retry_after_max`. Within a request deadline (`deadline_after`) no retry starts
    that would wait past it, and with a `budget` no retry starts beyond it. `sleep` is
    injected so tests never really wait.
    """

    attempts: int = 3
    backoff_initial: float = 0.1
    backoff_max: float = 2.0
    retry_after_max: float = 5.0
    sleep: Sleep = field(default=asyncio.sleep)
    budget: RetryBudget | None = None

    def stop_before_next(self, state: RetryCallState) -> bool:
        """Stop when the attempts are spent, or when even the shortest allowed wait would leave
        less than `MIN_ATTEMPT_SECONDS` of the request's deadline: a retry that cannot finish
        in time is not started (and a Retry-After is never cut short)."""
        if state.attempt_number >= self.attempts:
            return True
        left = time_left()
        if left is not None:
            retry_after = self._retry_after(state)
            shortest = retry_after if retry_after is not None else self.backoff_initial
            if left - shortest < MIN_ATTEMPT_SECONDS:
                return True
        return self.budget is not None and not self.budget.try_spend()

    def wait_before_next(self, state: RetryCallState) -> float:
        retry_after = self._retry_after(state)
        if retry_after is not None:
            return retry_after
        # "Full jitter" between the initial wait and the doubling bound, so that replicas
        # retrying together spread out instead of arriving at ENOVIA in waves.
        backoff = wait_random_exponential(
            multiplier=self.backoff_initial, min=self.backoff_initial, max=self.backoff_max
        )
        wait = float(backoff(state))
        left = time_left()
        if left is not None:
            wait = min(wait, max(0.0, left - MIN_ATTEMPT_SECONDS))
        return wait

    def _retry_after(self, state: RetryCallState) -> float | None:
        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, UpstreamUnavailable) and error.retry_after is not None:
            return max(0.0, min(error.retry_after, self.retry_after_max))
        return None

    async def call(
        self, attempt: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Await `attempt(*args, **kwargs)` until it succeeds, fails for good, or the
        attempts are spent. `attempt` must be a coroutine function."""
        if self.budget is not None:
            self.budget.record_call()
        retrying = AsyncRetrying(
            stop=self.stop_before_next,
            wait=self.wait_before_next,
            retry=retry_if_exception(_worth_retrying),
            sleep=self.sleep,
            reraise=True,
        )
        tries = itertools.count()

        async def counted(*args: P.args, **kwargs: P.kwargs) -> T:
            # Each attempt knows its place (`retries_so_far`), e.g. for its trace.
            token = _retries.set(next(tries))
            try:
                return await attempt(*args, **kwargs)
            finally:
                _retries.reset(token)

        return await retrying(counted, *args, **kwargs)


def _worth_retrying(error: BaseException) -> bool:
    # An open circuit answers the same until it cools down: retrying it is pointless.
    return isinstance(error, UpstreamUnavailable) and not isinstance(error, CircuitOpen)
