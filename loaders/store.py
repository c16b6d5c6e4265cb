"""The process's store of ENOVIA resources: cache, single flight, freshness, stale-if-error."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Protocol, TypeVar

from gateway.enovia import Gone, NotFound, UpstreamUnavailable, time_left
from loaders.cache import Cache, CacheEntry, Model
from loaders.loaded import Absence, Freshness, Loaded
from loaders.single_flight import SingleFlight

M = TypeVar("M", bound=Model)


class Kind(Enum):
    """The kinds of ENOVIA resource, each with its own time to live."""

    DOCUMENT = "document"
    REVISION = "revision"
    LATEST = "latest"


@dataclass(frozen=True, slots=True)
class StoreSettings:
    """Seconds. `max_stale` is how long past its time to live an entry may still be served
    as STALE when ENOVIA fails; `not_found_ttl` is how long a 404/410 is remembered."""

    ttl_document: float = 300.0
    ttl_revision: float = 300.0
    ttl_latest: float = 30.0
    not_found_ttl: float = 5.0
    max_stale: float = 86_400.0

    def ttl(self, kind: Kind) -> float:
        if kind is Kind.DOCUMENT:
            return self.ttl_document
        if kind is Kind.REVISION:
            return self.ttl_revision
        return self.ttl_latest


class CacheCounters(Protocol):
    def cache_lookup(self, kind: str, freshness: str | None) -> None: ...


class ResourceStore:
    """Loads one resource: from the cache while fresh enough, else from ENOVIA (once for all
    concurrent callers), else, when ENOVIA is unavailable, from a stale entry labelled STALE.

    Errors are never cached; ENOVIA's 404 and 410 are, for `not_found_ttl` seconds.
    """

    def __init__(
        self,
        cache: Cache,
        settings: StoreSettings,
        *,
        counters: CacheCounters | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.cache = cache
        self._settings = settings
        self._counters = counters
        self._clock = clock
        self._flights: SingleFlight[str, CacheEntry] = SingleFlight()

    async def load(
        self,
        kind: Kind,
        key: str,
        fetch: Callable[[], Awaitable[M]],
        *,
        max_age: float | None = None,
    ) -> Loaded[M]:
        """The resource `key` of `kind`; `max_age` (seconds) narrows the time to live, 0 asks
        ENOVIA now (joining a fetch already in flight)."""
        cache_key = f"{kind.value}:{key}"
        entry = await self.cache.get(cache_key)
        now = self._clock()
        if entry is not None:
            fresh_for = self._fresh_for(kind, entry, max_age)
            if now - entry.fetched_at < fresh_for:
                self._count(kind, Freshness.CACHED)
                return _loaded(entry, Freshness.CACHED)
        self._count(kind, None)
        try:
            fetched = await _within_deadline(
                self._flights.run(cache_key, lambda: self._fetch(kind, cache_key, fetch))
            )
        except UpstreamUnavailable:
            if entry is None or entry.value is None:
                raise
            if now - entry.fetched_at > self._settings.ttl(kind) + self._settings.max_stale:
                raise
            self._count(kind, Freshness.STALE)
            return _loaded(entry, Freshness.STALE)
        return _loaded(fetched, Freshness.LIVE)

    async def forget(self, kind: Kind, key: str) -> None:
        await self.cache.delete(f"{kind.value}:{key}")

    def _fresh_for(self, kind: Kind, entry: CacheEntry, max_age: float | None) -> float:
        ttl = self._settings.not_found_ttl if entry.absence else self._settings.ttl(kind)
        return ttl if max_age is None else min(ttl, max_age)

    async def _fetch(
        self, kind: Kind, cache_key: str, fetch: Callable[[], Awaitable[Model]]
    ) -> CacheEntry:
        try:
            value = await fetch()
        except (NotFound, Gone) as exc:
            absence = Absence.GONE if isinstance(exc, Gone) else Absence.NOT_FOUND
            entry = CacheEntry(None, self._clock(), absence)
            await self.cache.set(cache_key, entry, self._settings.not_found_ttl)
            return entry
        entry = CacheEntry(value, self._clock())
        keep_for = self._settings.ttl(kind) + self._settings.max_stale
        await self.cache.set(cache_key, entry, keep_for)
        return entry

    def _count(self, kind: Kind, freshness: Freshness | None) -> None:
        if self._counters is not None:
            self._counters.cache_lookup(kind.value, None if freshness is None else freshness.value)


async def _within_deadline(shared: Awaitable[CacheEntry]) -> CacheEntry:
    """`shared`, or `UpstreamUnavailable` when the request's deadline passes first (so that a
    stale entry can still answer). The fetch goes on, for the cache and the other callers."""
    left = time_left()
    if left is None:
        return await shared
    try:
        async with asyncio.timeout(left):
            return await shared
    except TimeoutError:
        raise UpstreamUnavailable("ENOVIA did not answer within the request's deadline") from None


def _loaded(entry: CacheEntry, freshness: Freshness) -> Loaded[M]:
    checked_at = datetime.fromtimestamp(entry.fetched_at, UTC)
    return Loaded(entry.value, checked_at, freshness, entry.absence)  # type: ignore[arg-type]
