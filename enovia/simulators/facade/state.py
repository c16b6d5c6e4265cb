"""Everything a running simulator holds, in one object the app factory creates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from enovia.simulators.common.state import SimulatorCore
from enovia.simulators.common.stats import CallStats
from enovia.simulators.facade.config import SimulatorConfig
from enovia.simulators.facade.faults import Faults, initial_faults
from enovia.simulators.facade.stats import TEMPLATES, TOKEN
from enovia.simulators.facade.store import DocumentStore
from enovia.simulators.facade.tokens import TokenRegistry


class SimulatorState(SimulatorCore[Faults, CallStats]):
    """The live state of one simulator: documents, tokens, stats and faults.

    `stats.snapshot()`: `calls` by TEMPLATES, `token_requests` the token endpoint's calls,
    `unauthorized` the 401 answers of the API and the token endpoint alike; `calls_by_path`
    holds canonical paths (`paths.document_path` and friends).

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
        super().__init__(CallStats(TEMPLATES, TOKEN), initial_faults(config), config.seed)
        self.config = config
        self.tokens = TokenRegistry(clock)
        self.store = DocumentStore(wall_clock)

    def reset(self) -> None:
        """Back to the start: stats, faults, documents and the random sequence.

        Issued tokens stay valid (a client keeps working across a reset); revoked ones stay
        revoked. Held calls are released.
        """
        super().reset()
        self.store.reset()
