"""The start-up settings every simulator has: its initial faults and its random seed."""

from __future__ import annotations

from dataclasses import dataclass

from enovia.simulators.common.checks import (
    check_error_status,
    check_fraction,
    check_non_negative,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class FaultSettings:
    """The base of each simulator's config (keyword-only, after the config's own fields).

    `latency_ms`, `jitter_ms`, `error_rate` and `error_status` are the initial faults (see
    `POST /_sim/faults`); `seed` seeds the one random generator behind every random fault,
    so a run with the same requests in the same order gives the same answers.

    Raises ValueError when a value is out of range.
    """

    latency_ms: float = 0
    jitter_ms: float = 0
    error_rate: float = 0
    error_status: int = 503
    seed: int = 42

    def __post_init__(self) -> None:
        self._check_fault_settings()

    def _check_fault_settings(self) -> None:
        """Raise ValueError naming the first of these settings out of range.

        A config's own `__post_init__` calls it where its checks should run.
        """
        check_non_negative("latency_ms", self.latency_ms)
        check_non_negative("jitter_ms", self.jitter_ms)
        check_fraction("error_rate", self.error_rate)
        check_error_status("error_status", self.error_status)
