"""ENOVIA's health as the gateway sees it: a live check, shared and rate-limited."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import structlog

from enovia import EnoviaHealth, Upstream
from loaders import SingleFlight

logger = structlog.get_logger("gateway.health")


class HealthMonitor:
    """Asks ENOVIA's `/api/v1/health` at most once per `min_interval` seconds.

    `last` is the most recent result (None before the first check), which the cheap liveness
    endpoint reports without calling ENOVIA. Concurrent checks share one call.
    """

    def __init__(
        self,
        upstream: Upstream,
        *,
        min_interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._upstream = upstream
        self._min_interval = min_interval
        self._clock = clock
        self._checked_at: float | None = None
        self._flight: SingleFlight[str, EnoviaHealth] = SingleFlight()
        self.last: EnoviaHealth | None = None

    async def check(self, *, force: bool = False) -> EnoviaHealth:
        """A recent result, or a new check when the last is older than `min_interval`."""
        fresh = (
            self.last is not None
            and self._checked_at is not None
            and self._clock() - self._checked_at < self._min_interval
        )
        if fresh and not force:
            assert self.last is not None
            return self.last
        return await self._flight.run("health", self._check_now)

    async def keep_checking(self, interval: float) -> None:
        """Check every `interval` seconds until cancelled, so that `enovia_health_check` and
        the liveness endpoint stay current without anyone asking (the seed's alert fires on
        `enovia_health_check == 0`)."""
        while True:
            try:
                await self.check(force=True)
            except Exception:  # a bug in a check must not end the checking
                logger.exception("health.check_failed")
            await asyncio.sleep(interval)

    async def _check_now(self) -> EnoviaHealth:
        result = await self._upstream.check_health()
        self.last = result
        self._checked_at = self._clock()
        return result
