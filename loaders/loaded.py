"""A value loaded from ENOVIA, with when it was fetched and how fresh it is for this answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Generic, TypeVar

from gateway.enovia import Gone, NotFound

T = TypeVar("T")


class Freshness(Enum):
    """LIVE: fetched for this request (or shared with an identical fetch in flight).
    CACHED: from the cache, within its time to live.
    STALE: ENOVIA failed, and an entry past its time to live was served instead.
    """

    LIVE = "LIVE"
    CACHED = "CACHED"
    STALE = "STALE"


_WORSE = {Freshness.LIVE: 0, Freshness.CACHED: 1, Freshness.STALE: 2}


def worst(*freshness: Freshness) -> Freshness:
    """The least fresh of several: an answer is only as fresh as its oldest part."""
    return max(freshness, key=_WORSE.__getitem__)


class Absence(Enum):
    """ENOVIA said the resource is not there: 404 or 410."""

    NOT_FOUND = "NOT_FOUND"
    GONE = "GONE"


@dataclass(frozen=True, slots=True)
class Loaded(Generic[T]):
    """`value` is None exactly when `absence` says why (ENOVIA's 404 or 410)."""

    value: T | None
    checked_at: datetime
    freshness: Freshness
    absence: Absence | None = None

    def require(self, what: str) -> T:
        """The value, or the `NotFound`/`Gone` error that its absence means."""
        if self.value is not None:
            return self.value
        if self.absence is Absence.GONE:
            raise Gone(f"{what} was deleted in ENOVIA")
        raise NotFound(f"{what} does not exist in ENOVIA")
