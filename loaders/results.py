"""A value loaded from ENOVIA, with when it was fetched and how fresh it is for this answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Generic, TypeVar

from enovia import Gone, NotFound

T = TypeVar("T")


class Freshness(Enum):
    """LIVE: fetched for this request, or shared with an identical fetch sent within the
    share window before the request began.
    CACHED: from the cache, within its time to live (and the request's maxAge).
    STALE: ENOVIA failed, and an entry past its time to live was served instead.
    """

    LIVE = "LIVE"
    CACHED = "CACHED"
    STALE = "STALE"

    # As `Kind`'s: the identity hash, made in C (a freshness is counted for every lookup).
    __hash__ = object.__hash__


#: Each freshness's value, read from a plain dict (`Freshness.value` is a Python property).
FRESHNESS_VALUES: dict[Freshness, str] = {freshness: freshness.value for freshness in Freshness}

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

    def require(self, what: str, uid: str) -> T:
        """The value, or the error its absence means: `NotFound` naming `what`, or `Gone`
        (ENOVIA's 410 is about the whole document, whichever resource of it was asked)."""
        if self.value is not None:
            return self.value
        if self.absence is Absence.GONE:
            raise Gone(document_deleted(uid))
        raise NotFound(f"{what} does not exist in ENOVIA")


def document_deleted(uid: str) -> str:
    """What is said, everywhere, about a document ENOVIA deleted."""
    return f"document {uid!r} was deleted in ENOVIA"
