"""The shared cache: what the store needs of one, in memory (bounded) or on Redis.

An entry holds a loaded ENOVIA model (or the fact that ENOVIA had none) and when the fetch
that brought it was *sent*, on the deployment's timeline (`loaders.timeline`). How long an
entry counts as fresh is decided by the reader (`ResourceStore`), not by the backend: the
backend keeps an entry for `keep_for` seconds, long enough to serve it as STALE when ENOVIA
fails.

Two rules hold in every backend, atomically per key:

- an entry from a fetch sent earlier never replaces one from a fetch sent later (`offer`
  compares before it sets);
- once a document is invalidated, no entry of it from a fetch sent before the invalidation
  is stored or served (`invalidate` records when, per document; `read` returns that time with
  the entry, and `offer` refuses what was sent before it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from enovia import Document, Revision, RevisionList
from loaders.results import Absence

Model = Document | Revision | RevisionList


class CacheUnavailable(Exception):
    """The shared cache could not be updated (an invalidation did not reach it)."""


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """`value` is None exactly when `absence` is set (a remembered 404 or 410). `sent_at` is
    when the fetch that brought it was sent, on the timeline."""

    value: Model | None
    sent_at: float
    absence: Absence | None = None


@dataclass(frozen=True, slots=True)
class Lookup:
    """What the cache holds for a key, and when its document was last invalidated."""

    entry: CacheEntry | None
    invalidated_at: float | None = None

    def valid_entry(self) -> CacheEntry | None:
        """The entry, unless it comes from a fetch sent before the last invalidation."""
        entry = self.entry
        if entry is None or not sent_after(entry.sent_at, self.invalidated_at):
            return None
        return entry


def sent_after(sent_at: float, invalidated_at: float | None) -> bool:
    """Whether a fetch sent at `sent_at` came after the invalidation (a tie counts as before:
    the safe side)."""
    return invalidated_at is None or sent_at > invalidated_at


class Offered(Enum):
    """What `offer` did with an entry."""

    STORED = "stored"
    NEWER_HELD = "newer held"  # the cache holds an entry from a fetch sent later: kept
    INVALIDATED = "invalidated"  # sent before the document's last invalidation: refused


@dataclass(frozen=True, slots=True)
class Offer:
    outcome: Offered
    #: The entry the cache holds for the key now: the offered one or the newer one; None when
    #: the offered entry was refused as invalidated.
    held: CacheEntry | None
    #: When the document was invalidated, for INVALIDATED.
    invalidated_at: float | None = None


@dataclass(frozen=True, slots=True)
class Lock:
    """The outcome of asking for a key's fetch lock: the `token` to release it with, or when
    the fetch of the replica holding it was sent (`holder_sent_at`, None when unknown)."""

    token: str | None
    holder_sent_at: float | None = None


class Cache(Protocol):
    """What the store needs of a cache. Implementations never raise for a failing backend
    on the way to an answer: a read that fails is a miss, an offer that fails is skipped (and
    logged). Only `invalidate` raises (`CacheUnavailable`): its caller must know.

    `shared` caches are seen by other processes: for them the store takes a short lock per
    key (`acquire`/`release`) so that replicas coalesce their fetches too.
    """

    backend: str
    shared: bool

    async def open(self) -> None:
        """Start what the cache runs in the background (a shared cache's clock alignment and
        invalidation feed); called once from the app's lifespan."""
        ...

    async def read(self, key: str, uid: str) -> Lookup: ...

    def read_now(self, key: str, uid: str) -> Lookup | None:
        """`read` when it needs no I/O (an in-process cache), else None (ask `read`)."""
        ...

    async def offer(self, key: str, uid: str, entry: CacheEntry, keep_for: float) -> Offer: ...

    async def invalidate(self, uid: str, keys: Sequence[str], prefix: str, at: float) -> int:
        """Record that document `uid` was invalidated at `at` (a shared cache uses its own
        clock), and drop `keys` and every key starting with `prefix`; returns how many
        entries were dropped. Raises `CacheUnavailable` when that could not be done
        everywhere the entries can be read from."""
        ...

    async def acquire(self, key: str, sent_at: float, ttl: float) -> Lock: ...
    async def release(self, key: str, token: str) -> None: ...
    async def holder(self, key: str) -> float | None:
        """When the fetch of whoever holds `key`'s lock was sent; None when nobody does."""
        ...

    async def ping(self) -> str | None:
        """Whether the backend answers now (one bounded round trip for a remote one): None
        when it does, else why not, in words for the operator. An in-process cache always
        does."""
        ...

    async def close(self) -> None: ...
    def describe(self) -> dict[str, object]: ...
