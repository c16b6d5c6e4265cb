"""What both simulators answer alike (see `enovia.simulators.common`), for their tests to
extend with what each adds."""

from __future__ import annotations

from typing import Final

# `GET /_sim/faults` of a fresh simulator: the faults both have (`SharedFaults`).
SHARED_DEFAULT_FAULTS: Final[dict[str, object]] = {
    "latency_ms": 0,
    "jitter_ms": 0,
    "wire_delay_ms": 0,
    "error_rate": 0,
    "error_status": 503,
    "rate_limit": None,
    "hang": False,
    "down": False,
    "malformed": {},
}


def fresh_stats(templates: tuple[str, ...]) -> dict[str, object]:
    """`GET /_sim/stats` of a fresh simulator counting its calls by *templates*, as far as
    `CallStats` goes."""
    return {
        "calls": dict.fromkeys(templates, 0),
        "calls_by_path": {},
        "statuses": {},
        "token_requests": 0,
        "unauthorized": 0,
        "in_flight": 0,
        "peak_concurrency": 0,
        "total": 0,
    }
