"""Everything a running simulator holds, in one object the app factory creates."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime

from enovia.simulators.facade.config import SimulatorConfig
from enovia.simulators.facade.faults import Faults
from enovia.simulators.facade.hang import HangGate
from enovia.simulators.facade.stats import Stats
from enovia.simulators.facade.store import DocumentStore
from enovia.simulators.facade.tokens import TokenRegistry


class SimulatorState:
    """The live state of one simulator: documents, tokens, stats and faults.

    Reachable in-process as `app.state.simulator`; tests should prefer the admin HTTP API.
    Not thread-safe: read or change it only from the event loop serving the app.
    """

    def __init__(
        self,
        config: SimulatorConfig,
        *,
        clock: Callable[[], float],
        wall_clock: Callable[[], datetime],
    ) -> None:
        self.config = config
        self.tokens = TokenRegistry(clock)
        self.stats = Stats()
        self.store = DocumentStore(wall_clock)
        self.hang = HangGate()
        self._rng = random.Random(config.seed)  # noqa: S311 - reproducible faults, by design
        self._faults = Faults.initial(config)
        self._rate_limit_count = 0

    @property
    def faults(self) -> Faults:
        """The current faults."""
        return self._faults

    def update_faults(self, update: object) -> Faults:
        """Merge a JSON fault update (see `Faults.updated`); returns the new faults.

        Raises FaultError, changing nothing, when the update is invalid. Turning `hang` off
        releases the held calls; setting `rate_limit` starts its count afresh.
        """
        faults = self._faults.updated(update)
        if isinstance(update, dict) and "rate_limit" in update:
            self._rate_limit_count = 0
        self._apply(faults)
        return self._faults

    def reset(self) -> None:
        """Back to the start: stats, faults, documents and the random sequence.

        Issued tokens stay valid (a client keeps working across a reset); revoked ones stay
        revoked. Held calls are released.
        """
        self.stats.reset()
        self.store.reset()
        self._rng.seed(self.config.seed)
        self._rate_limit_count = 0
        self._apply(Faults.initial(self.config))

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

    def draw_error(self) -> bool:
        """Whether this API answer is replaced by the error status (error_rate's draw)."""
        rate = self._faults.error_rate
        # No draw at 0 or 1: those need no randomness and keep the sequence for jitter.
        if rate <= 0:
            return False
        return rate >= 1 or self._rng.random() < rate

    def draw_rate_limit(self) -> int | None:
        """Retry-After seconds when this API call is the Nth one and is limited, else None."""
        rate_limit = self._faults.rate_limit
        if rate_limit is None:
            return None
        self._rate_limit_count += 1
        if self._rate_limit_count % rate_limit.every:
            return None
        return rate_limit.retry_after

    def _apply(self, faults: Faults) -> None:
        if faults.rate_limit != self._faults.rate_limit:
            self._rate_limit_count = 0
        if faults.hang:
            self.hang.engage()
        else:
            self.hang.release()
        self._faults = faults
