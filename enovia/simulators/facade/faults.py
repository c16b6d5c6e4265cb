"""Faults: the ways the simulated ENOVIA can misbehave, settable while it runs."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Final, Literal, TypeGuard, get_args

from enovia.simulators.facade.config import SimulatorConfig

MalformedKind = Literal["not_json", "html", "empty", "wrong_types", "missing_fields"]
MALFORMED_KINDS: Final[tuple[str, ...]] = get_args(MalformedKind)


class FaultError(ValueError):
    """An invalid fault update; the message says which key and why (a 400 for the client)."""


@dataclass(frozen=True, slots=True)
class RateLimit:
    """Every `every`-th API call answers 429 with `Retry-After: retry_after` (seconds)."""

    every: int
    retry_after: int = 1


@dataclass(frozen=True, slots=True)
class Faults:
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

    latency_ms: float = 0
    jitter_ms: float = 0
    wire_delay_ms: float = 0
    error_rate: float = 0
    error_status: int = 503
    rate_limit: RateLimit | None = None
    hang: bool = False
    down: bool = False
    malformed: Mapping[str, MalformedKind] = field(default_factory=dict)
    token_ttl: float = 3600
    token_endpoint_down: bool = False

    @classmethod
    def initial(cls, config: SimulatorConfig) -> Faults:
        """The faults a simulator starts with (and returns to on reset)."""
        return cls(
            latency_ms=config.latency_ms,
            jitter_ms=config.jitter_ms,
            error_rate=config.error_rate,
            error_status=config.error_status,
            token_ttl=config.token_ttl,
        )

    def as_json(self) -> dict[str, object]:
        """The body of `GET /_sim/faults`."""
        rate_limit = self.rate_limit
        return {
            "latency_ms": self.latency_ms,
            "jitter_ms": self.jitter_ms,
            "wire_delay_ms": self.wire_delay_ms,
            "error_rate": self.error_rate,
            "error_status": self.error_status,
            "rate_limit": None
            if rate_limit is None
            else {"every": rate_limit.every, "retry_after": rate_limit.retry_after},
            "hang": self.hang,
            "down": self.down,
            "malformed": dict(self.malformed),
            "token_ttl": self.token_ttl,
            "token_endpoint_down": self.token_endpoint_down,
        }

    def updated(self, update: object) -> Faults:
        """These faults with *update* (a JSON object) merged in, key by key.

        Each key present replaces that fault as a whole (`malformed` too: send the complete
        mapping; `null` clears it, as it clears `rate_limit`). Nothing changes unless every
        key is valid. Raises FaultError naming the first bad key.
        """
        if not isinstance(update, dict):
            raise FaultError("faults must be a JSON object")
        changes: dict[str, object] = {}
        for key, value in update.items():
            parse = _PARSERS.get(key)
            if parse is None:
                known = ", ".join(sorted(_PARSERS))
                raise FaultError(f"unknown fault {key!r}; known: {known}")
            changes[key] = parse(key, value)
        return replace(self, **changes)  # type: ignore[arg-type]


def _is_number(value: object) -> TypeGuard[int | float]:
    # bool is an int in Python, but `true` is not a number in JSON.
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _non_negative(key: str, value: object) -> float:
    if not _is_number(value) or not math.isfinite(value) or value < 0:
        raise FaultError(f"{key} must be a number >= 0")
    return value


def _fraction(key: str, value: object) -> float:
    if not _is_number(value) or not 0 <= value <= 1:
        raise FaultError(f"{key} must be a number between 0 and 1")
    return value


def _positive(key: str, value: object) -> float:
    if not _is_number(value) or not math.isfinite(value) or value <= 0:
        raise FaultError(f"{key} must be a number > 0")
    return value


def _error_status(key: str, value: object) -> int:
    if not _is_int(value) or not 400 <= value <= 599:
        raise FaultError(f"{key} must be an HTTP error status, an integer 400-599")
    return value


def _flag(key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise FaultError(f"{key} must be true or false")
    return value


def _rate_limit(key: str, value: object) -> RateLimit | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise FaultError(f'{key} must be null or {{"every": N, "retry_after": S}}')
    unknown = set(value) - {"every", "retry_after"}
    if unknown:
        raise FaultError(f"{key}: unknown key {sorted(unknown)[0]!r}; known: every, retry_after")
    every = value.get("every")
    if not _is_int(every) or every < 1:
        raise FaultError(f"{key}.every must be an integer >= 1")
    retry_after = value.get("retry_after", 1)
    if not _is_int(retry_after) or retry_after < 0:
        raise FaultError(f"{key}.retry_after must be an integer number of seconds >= 0")
    return RateLimit(every, retry_after)


def _is_malformed_kind(value: object) -> TypeGuard[MalformedKind]:
    return isinstance(value, str) and value in MALFORMED_KINDS


def _malformed(key: str, value: object) -> dict[str, MalformedKind]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise FaultError(f"{key} must be an object mapping document uids to a kind")
    kinds: dict[str, MalformedKind] = {}
    for uid, kind in value.items():
        if not _is_malformed_kind(kind):
            raise FaultError(
                f"{key}[{uid!r}] must be one of {', '.join(MALFORMED_KINDS)}, got {kind!r}"
            )
        kinds[uid] = kind
    return kinds


_PARSERS: Final[Mapping[str, Callable[[str, object], object]]] = {
    "latency_ms": _non_negative,
    "jitter_ms": _non_negative,
    "wire_delay_ms": _non_negative,
    "error_rate": _fraction,
    "error_status": _error_status,
    "rate_limit": _rate_limit,
    "hang": _flag,
    "down": _flag,
    "malformed": _malformed,
    "token_ttl": _positive,
    "token_endpoint_down": _flag,
}
