"""What every running simulator holds besides its data: call counters, the faults in force,
the hang gate they drive, and the one random generator behind every random fault."""

from __future__ import annotations

import random
from typing import Generic, TypeVar

from starlette.types import Receive

from enovia.simulators.common.faults import SharedFaults
from enovia.simulators.common.hang import HANG_LIMIT_SECONDS, HangGate
from enovia.simulators.common.stats import CallStats

FaultsT = TypeVar("FaultsT", bound=SharedFaults)
StatsT = TypeVar("StatsT", bound=CallStats)


class SimulatorCore(Generic[FaultsT, StatsT]):
    """The base of each simulator's state: stats, faults, hang gate and random sequence.

    Starts from the faults *initial* (and returns to them on reset) and the random sequence
    of *seed*. Not thread-safe: read or change it only from the event loop serving the app.
    """

    def __init__(self, stats: StatsT, initial: FaultsT, seed: int) -> None:
        self.stats = stats
        self.hang = HangGate()
        self._initial = initial
        self._seed = seed
        self._rng = random.Random(seed)  # noqa: S311 - reproducible faults, by design
        self._faults = initial
        self._rate_limit_count = 0

    @property
    def faults(self) -> FaultsT:
        """The current faults."""
        return self._faults

    def update_faults(self, update: object) -> FaultsT:
        """Merge a JSON fault update (see `SharedFaults.updated`); returns the new faults.

        Raises FaultError, changing nothing, when the update is invalid. Turning `hang` off
        releases the held calls; setting `rate_limit` starts its count afresh.
        """
        faults = self._faults.updated(update)
        if isinstance(update, dict) and "rate_limit" in update:
            self._rate_limit_count = 0
        self._apply(faults)
        return self._faults

    def reset(self) -> None:
        """Back to the start: stats, faults and the random sequence. Held calls are
        released. A simulator resets its own data too."""
        self.stats.reset()
        self._rng.seed(self._seed)
        self._rate_limit_count = 0
        self._apply(self._initial)

    def shutdown(self) -> None:
        """The server is stopping: let held calls finish."""
        self.hang.release()

    def delay(self) -> float:
        """Seconds the next answer waits: latency plus a uniform draw of jitter."""
        faults = self._faults
        seconds = faults.latency_ms / 1000
        if faults.jitter_ms > 0:
            seconds += self._rng.uniform(0, faults.jitter_ms) / 1000
        return seconds

    async def held(self, receive: Receive) -> bool:
        """Hold this call while `hang` is on; True when the client went away meanwhile."""
        return self._faults.hang and await self.hang.hold(receive, HANG_LIMIT_SECONDS)

    def draw_error(self) -> bool:
        """Whether this answer is replaced by the error status (error_rate's draw)."""
        return self._draw(self._faults.error_rate)

    def draw_rate_limit(self) -> int | None:
        """Retry-After seconds when this call is the Nth one and is limited, else None."""
        rate_limit = self._faults.rate_limit
        if rate_limit is None:
            return None
        self._rate_limit_count += 1
        if self._rate_limit_count % rate_limit.every:
            return None
        return rate_limit.retry_after

    def _draw(self, rate: float) -> bool:
        """Whether an event of probability *rate* happens this time."""
        # No draw at 0 or 1: those need no randomness and keep the sequence for jitter.
        if rate <= 0:
            return False
        return rate >= 1 or self._rng.random() < rate

    def _apply(self, faults: FaultsT) -> None:
        if faults.rate_limit != self._faults.rate_limit:
            self._rate_limit_count = 0
        if faults.hang:
            self.hang.engage()
        else:
            self.hang.release()
        self._faults = faults
