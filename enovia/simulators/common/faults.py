"""The faults both simulators have, their validation and their JSON.

Each simulator's faults class extends `SharedFaults` with faults of its own, and adds the
parsers of those to `SHARED_PARSERS` as its `_PARSERS`. A parser takes the key and the JSON
value of one fault of a `POST /_sim/faults` update, and returns the value to store or raises
FaultError naming the key.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import ClassVar, Final, Literal, Self, TypeGuard, get_args

from enovia.simulators.common.config import FaultSettings

MalformedKind = Literal["not_json", "html", "empty", "wrong_types", "missing_fields"]
MALFORMED_KINDS: Final[tuple[str, ...]] = get_args(MalformedKind)

Parser = Callable[[str, object], object]


class FaultError(ValueError):
    """An invalid fault update; the message says which key and why (a 400 for the client)."""


@dataclass(frozen=True, slots=True)
class RateLimit:
    """Every `every`-th call answers 429 with `Retry-After: retry_after` (seconds)."""

    every: int
    retry_after: int = 1


def is_number(value: object) -> TypeGuard[int | float]:
    """Whether *value* is a JSON number (bool is an int in Python, but `true` is not one)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_int(value: object) -> TypeGuard[int]:
    """Whether *value* is a JSON integer (not `true` nor `false`)."""
    return isinstance(value, int) and not isinstance(value, bool)


def number_parser(accepts: Callable[[float], bool], rule: str) -> Callable[[str, object], float]:
    """A parser taking a JSON number that *accepts*; any other value is refused with
    "<key> must be a number <rule>"."""

    def parse(key: str, value: object) -> float:
        if not is_number(value) or not accepts(value):
            raise FaultError(f"{key} must be a number {rule}")
        return value

    return parse


non_negative: Final = number_parser(lambda n: math.isfinite(n) and n >= 0, ">= 0")
fraction: Final = number_parser(lambda n: 0 <= n <= 1, "between 0 and 1")
positive: Final = number_parser(lambda n: math.isfinite(n) and n > 0, "> 0")


def flag(key: str, value: object) -> bool:
    """true or false."""
    if not isinstance(value, bool):
        raise FaultError(f"{key} must be true or false")
    return value


def _error_status(key: str, value: object) -> int:
    if not is_int(value) or not 400 <= value <= 599:
        raise FaultError(f"{key} must be an HTTP error status, an integer 400-599")
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
    if not is_int(every) or every < 1:
        raise FaultError(f"{key}.every must be an integer >= 1")
    retry_after = value.get("retry_after", 1)
    if not is_int(retry_after) or retry_after < 0:
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


SHARED_PARSERS: Final[Mapping[str, Parser]] = {
    "latency_ms": non_negative,
    "jitter_ms": non_negative,
    "wire_delay_ms": non_negative,
    "error_rate": fraction,
    "error_status": _error_status,
    "rate_limit": _rate_limit,
    "hang": flag,
    "down": flag,
    "malformed": _malformed,
}


@dataclass(frozen=True, slots=True)
class SharedFaults:
    """The faults every simulator has; immutable, replaced as a whole by `updated`.

    latency_ms, jitter_ms: answers wait latency_ms plus a uniform 0..jitter_ms first.
    wire_delay_ms: answers are computed at once, then held that long before they are sent,
      as if they travelled over a slow network (a change made meanwhile is not in them).
    error_rate, error_status: that fraction of answers is replaced by error_status.
    rate_limit: every Nth call answers 429 (None: off).
    hang: calls wait until the fault is cleared (or an hour passes, or the client leaves).
    down: every call answers 503.
    malformed: document → kind of broken 200 answer about it.

    Which calls each applies to is the simulator's own (see its faults class).
    """

    # The parser of each fault a `POST /_sim/faults` update may set; a subclass adds its own.
    _PARSERS: ClassVar[Mapping[str, Parser]] = SHARED_PARSERS

    latency_ms: float = 0
    jitter_ms: float = 0
    wire_delay_ms: float = 0
    error_rate: float = 0
    error_status: int = 503
    rate_limit: RateLimit | None = None
    hang: bool = False
    down: bool = False
    malformed: Mapping[str, MalformedKind] = field(default_factory=dict)

    @classmethod
    def initial(cls, settings: FaultSettings) -> Self:
        """The faults *settings* start with; the others off."""
        return cls(
            latency_ms=settings.latency_ms,
            jitter_ms=settings.jitter_ms,
            error_rate=settings.error_rate,
            error_status=settings.error_status,
        )

    def as_json(self) -> dict[str, object]:
        """The body of `GET /_sim/faults`: these faults, then the simulator's own."""
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
            **self._own_json(),
        }

    def _own_json(self) -> dict[str, object]:
        """The simulator's own faults, as `GET /_sim/faults` shows them after the shared."""
        return {}

    def updated(self, update: object) -> Self:
        """These faults with *update* (a JSON object) merged in, key by key.

        Each key present replaces that fault as a whole (`malformed` too: send the complete
        mapping; `null` clears it, as it clears `rate_limit`). Nothing changes unless every
        key is valid. Raises FaultError naming the first bad key.
        """
        if not isinstance(update, dict):
            raise FaultError("faults must be a JSON object")
        parsers = self._PARSERS
        changes: dict[str, object] = {}
        for key, value in update.items():
            parse = parsers.get(key)
            if parse is None:
                known = ", ".join(sorted(parsers))
                raise FaultError(f"unknown fault {key!r}; known: {known}")
            changes[key] = parse(key, value)
        return replace(self, **changes)  # type: ignore[arg-type]
