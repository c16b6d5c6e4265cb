"""The simulator's start-up settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from enovia.simulators.common.checks import check_positive
from enovia.simulators.common.config import FaultSettings


@dataclass(frozen=True, slots=True)
class SimulatorConfig(FaultSettings):
    """How a simulator starts; the run-time faults begin from these values.

    `token_ttl` is the lifetime in seconds of issued tokens (an initial fault too); the
    initial faults and the seed are FaultSettings'.

    Raises ValueError when a value is out of range.
    """

    client_id: str = "pte-qr-client"
    # repr=False: even a demo secret should not end up in logs through a repr.
    client_secret: str = field(default="demo-secret", repr=False)
    token_ttl: float = 3600

    def __post_init__(self) -> None:
        if not self.client_id:
            raise ValueError("client_id must not be empty")
        self._check_fault_settings()
        check_positive("token_ttl", self.token_ttl)
