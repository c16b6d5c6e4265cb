"""A circuit breaker around ENOVIA: stop calling a system that is down, probe for its return."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from enum import Enum
from typing import Protocol

from enovia._errors import UpstreamUnavailable


class CircuitState(Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitObserver(Protocol):
    def circuit_state(self, state: str) -> None: ...


class CircuitOpen(UpstreamUnavailable):
    """Refused without calling ENOVIA: it failed repeatedly and the circuit is open."""

    def __init__(self) -> None:
        super().__init__("ENOVIA is unavailable (circuit open after repeated failures)")


class CircuitBreaker:
    """Closed: calls go through; `failure_threshold` consecutive failures open it.
    Open: calls fail at once with `CircuitOpen` for `reset_timeout` seconds.
    Half-open: one call goes through as a probe (the others wait for it); its success closes
    the circuit, its failure opens it again for another `reset_timeout`.

    Only `UpstreamUnavailable` (5xx, timeouts, network errors) counts as a failure: a 404 or a
    refused credential says ENOVIA is up.
    """

    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        reset_timeout: float = 10.0,
        observer: CircuitObserver | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._threshold = failure_threshold
        self._reset_timeout = reset_timeout
        self._observer = observer
        self._clock = clock
        self._state = CircuitState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probe: asyncio.Event | None = None
        if observer is not None:
            observer.circuit_state(self._state.value)

    @property
    def state(self) -> CircuitState:
        if self._state is CircuitState.OPEN and self._cooled_down():
            return CircuitState.HALF_OPEN
        return self._state

    async def before_call(self) -> None:
        """Return when a call may go to ENOVIA now; raise `CircuitOpen` when it may not.

        Calls that arrive while the half-open probe is in flight wait for its outcome (within
        their own deadline) instead of failing: when ENOVIA is back they all go through.
        """
        if self._state is CircuitState.CLOSED:
            return
        if self._state is CircuitState.OPEN:
            if not self._cooled_down():
                raise CircuitOpen
            self._set(CircuitState.HALF_OPEN)
        if self._probe is not None:
            await self._probe.wait()
            if self.state is not CircuitState.CLOSED:
                raise CircuitOpen
            return
        self._probe = asyncio.Event()

    def succeeded(self) -> None:
        self._failures = 0
        if self._state is not CircuitState.CLOSED:
            self._set(CircuitState.CLOSED)
        self._end_probe()

    def failed(self) -> None:
        self._failures += 1
        if self._state is CircuitState.HALF_OPEN or self._failures >= self._threshold:
            self._opened_at = self._clock()
            self._set(CircuitState.OPEN)
        self._end_probe()

    def released(self) -> None:
        """A call that neither succeeded nor failed (cancelled, rate limited): a probe that
        ends so leaves the circuit half-open, and the next call probes."""
        self._end_probe()

    def _end_probe(self) -> None:
        probe, self._probe = self._probe, None
        if probe is not None:
            probe.set()

    def _cooled_down(self) -> bool:
        return self._clock() - self._opened_at >= self._reset_timeout

    def _set(self, state: CircuitState) -> None:
        self._state = state
        if self._observer is not None:
            self._observer.circuit_state(state.value)
