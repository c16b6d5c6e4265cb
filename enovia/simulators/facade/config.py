"""The simulator's start-up settings."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


def check_non_negative(name: str, value: float) -> None:
    """Raise ValueError naming *name* unless *value* is a finite number >= 0."""
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")


def check_fraction(name: str, value: float) -> None:
    """Raise ValueError naming *name* unless 0 <= *value* <= 1."""
    if not math.isfinite(value) or not 0 <= value <= 1:
        raise ValueError(f"{name} must be between 0 and 1, got {value!r}")


def check_error_status(name: str, value: int) -> None:
    """Raise ValueError naming *name* unless *value* is an HTTP error status (400-599)."""
    if not 400 <= value <= 599:
        raise ValueError(f"{name} must be an HTTP error status (400-599), got {value!r}")


def check_positive(name: str, value: float) -> None:
    """Raise ValueError naming *name* unless *value* is a finite number > 0."""
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")


@dataclass(frozen=True, slots=True)
class SimulatorConfig:
    """How a simulator starts; the run-time faults begin from these values.

    `latency_ms`, `jitter_ms`, `error_rate` and `error_status` are the initial faults
    (see `POST /_sim/faults`), `token_ttl` the lifetime in seconds of issued tokens, and
    `seed` seeds the one random generator behind jitter and the error rate, so a run with the
    same requests in the same order gives the same answers.

    Raises ValueError when a value is out of range.
    """

    client_id: str = "pte-qr-client"
    # repr=False: even a demo secret should not end up in logs through a repr.
    client_secret: str = field(default="demo-secret", repr=False)
    latency_ms: float = 0
    jitter_ms: float = 0
    error_rate: float = 0
    error_status: int = 503
    token_ttl: float = 3600
    seed: int = 42

    def __post_init__(self) -> None:
        if not self.client_id:
            raise ValueError("client_id must not be empty")
        check_non_negative("latency_ms", self.latency_ms)
        check_non_negative("jitter_ms", self.jitter_ms)
        check_fraction("error_rate", self.error_rate)
        check_error_status("error_status", self.error_status)
        check_positive("token_ttl", self.token_ttl)
