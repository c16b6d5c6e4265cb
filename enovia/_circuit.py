"""A circuit breaker around ENOVIA: stop calling a system that is down, probe for its return."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from enum import Enum
from typing import Protocol

import structlog

from enovia._errors import UpstreamUnavailable

logger = structlog.get_logger("gateway.enovia")


class CircuitState(Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitObserver(Protocol):
    def circuit_state(self, state: str) -> None: ...


class CircuitOpen(UpstreamUnavailable):
    """Refused without calling ENOVIA: it failed repeatedly and the circuit is open. The
    message says what the last failure was, after how many, and when ENOVIA is tried again;
    `url` and `cause` are the last failure's."""

    def __init__(
        self,
        last_failure: UpstreamUnavailable | None = None,
        failures: int = 0,
        retry_in: float | None = None,
    ) -> None:
        if failures < 1:
            said = "repeated failures"
        else:
            said = f"{failures} failure{'s' if failures > 1 else ''} in a row"
        message = (
            "ENOVIA is unavailable"
            if last_failure is None
            else f"ENOVIA is unavailable: {last_failure.message}"
        )
        message += f"; circuit open after {said}"
        if retry_in is not None:
            message += f", next try in {math.ceil(retry_in)} s"
        super().__init__(
            message,
            url=None if last_failure is None else last_failure.url,
            cause=None if last_failure is None else last_failure.cause,
        )


class CircuitBreaker:
    """Closed: calls go through; `failure_threshold` consecutive failures open it.
    Open: calls fail at once with `CircuitOpen` for `reset_timeout` seconds.
    Half-open: one call goes through as a probe (the others wait for it); its success closes
    the circuit, its failure opens it again for another `reset_timeout`.

    Only `UpstreamUnavailable` (5xx, timeouts, network errors) counts as a failure: a 404 or a
    refused credential says ENOVIA is up. The last failure is kept for the message of
    `CircuitOpen`; opening is logged at ERROR (`enovia.circuit_open`: the gateway can serve
    only what it has cached), closing again at INFO.
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
        self._last_failure: UpstreamUnavailable | None = None
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
                raise self._open_error()
            self._set(CircuitState.HALF_OPEN)
        if self._probe is not None:
            await self._probe.wait()
            if self.state is not CircuitState.CLOSED:
                raise self._open_error()
            return
        self._probe = asyncio.Event()

    def succeeded(self) -> None:
        self._failures = 0
        if self._state is not CircuitState.CLOSED:
            self._set(CircuitState.CLOSED)
            logger.info("enovia.circuit_closed")
        self._end_probe()

    def failed(self, failure: UpstreamUnavailable | None = None) -> None:
        """A call failed; `failure` (what it raised) is what an open circuit then reports."""
        self._failures += 1
        if failure is not None:
            self._last_failure = failure
        was = self._state
        if was is CircuitState.HALF_OPEN or self._failures >= self._threshold:
            self._opened_at = self._clock()
            self._set(CircuitState.OPEN)
            last = self._last_failure
            fields = {
                "failures": self._failures,
                "last_failure": None if last is None else last.message,
                "url": None if last is None else last.url,
                "cause": None if last is None else last.cause,
                "retry_in": self._reset_timeout,
            }
            if was is CircuitState.CLOSED:
                logger.error("enovia.circuit_open", **fields)
            else:  # the probe failed: still down, as already logged
                logger.info("enovia.circuit_reopened", **fields)
        self._end_probe()

    def released(self) -> None:
        """A call that neither succeeded nor failed (cancelled, rate limited): a probe that
        ends so leaves the circuit half-open, and the next call probes."""
        self._end_probe()

    def _end_probe(self) -> None:
        probe, self._probe = self._probe, None
        if probe is not None:
            probe.set()

    def _open_error(self) -> CircuitOpen:
        left = self._reset_timeout - (self._clock() - self._opened_at)
        return CircuitOpen(self._last_failure, self._failures, max(0.0, left))

    def _cooled_down(self) -> bool:
        return self._clock() - self._opened_at >= self._reset_timeout

    def _set(self, state: CircuitState) -> None:
        self._state = state
        if self._observer is not None:
            self._observer.circuit_state(state.value)
