"""Faults: the ways the simulated ENOVIA can misbehave, settable while it runs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import ClassVar

from enovia.simulators.common.faults import (
    MALFORMED_KINDS,
    SHARED_PARSERS,
    Parser,
    SharedFaults,
    flag,
    positive,
)
from enovia.simulators.facade.config import SimulatorConfig

# MALFORMED_KINDS is the shared one, still importable from here.
__all__ = ["MALFORMED_KINDS", "Faults", "initial_faults"]


@dataclass(frozen=True, slots=True)
class Faults(SharedFaults):
    """The current faults; immutable, replaced as a whole by `updated`.

    latency_ms, jitter_ms: every API and token answer waits latency_ms plus a uniform
      0..jitter_ms, before the simulator looks at its data.
    wire_delay_ms: every API answer (documents, revisions, latest, health; any status) is
      computed from the data at once, then held wire_delay_ms before it is sent, as if it
      travelled over a slow network: a change made meanwhile is not in it. The token
      endpoint is not delayed. A client that leaves meanwhile ends the hold.
    error_rate, error_status: that fraction of API answers is replaced by error_status.
    rate_limit: every Nth API call answers 429 (None: off).
    hang: API calls wait until the fault is cleared (or an hour passes, or the client leaves).
    down: every API and token call answers 503.
    malformed: uid → kind of broken 200 answer for that document's document, revision and
      latest endpoints.
    token_ttl: lifetime in seconds of tokens issued from now on.
    token_endpoint_down: the token endpoint answers 503.
    """

    _PARSERS: ClassVar[Mapping[str, Parser]] = {
        **SHARED_PARSERS,
        "token_ttl": positive,
        "token_endpoint_down": flag,
    }

    token_ttl: float = 3600
    token_endpoint_down: bool = False

    def _own_json(self) -> dict[str, object]:
        return {"token_ttl": self.token_ttl, "token_endpoint_down": self.token_endpoint_down}


def initial_faults(config: SimulatorConfig) -> Faults:
    """The faults a simulator starts with (and returns to on reset): the config's."""
    return replace(Faults.initial(config), token_ttl=config.token_ttl)
