"""The process's store of ENOVIA resources: cache, single flight, freshness, stale-if-error."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import NamedTuple, Protocol, TypeVar

from gateway.enovia import Gone, NotFound, UpstreamUnavailable, time_left
from loaders.cache import Cache, CacheEntry, Model
from loaders.landed import RecentlyLanded
from loaders.loaded import Absence, Freshness, Loaded
from loaders.single_flight import SingleFlight

M = TypeVar("M", bound=Model)


#: Between a document's uid and a revision label in a revision's cache key. Identifiers never
#: hold it: control characters are refused before they reach a loader.
KEY_SEPARATOR = "\x00"


class Stamp(NamedTuple):
    """Which cache entry answered a lookup, and until when it counts as fresh for it."""

    cache_key: str
    fetched_at: float
    expires_at: float


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
    #: With a shared cache: how long one replica's fetch of a key holds the others off.
    lock_ttl: float = 5.0
    lock_poll: float = 0.02

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
        self._landed = RecentlyLanded()

    def now(self) -> float:
        """The store's clock: what `asked_at` and every entry's `fetched_at` are read from."""
        return self._clock()

    async def load(
        self,
        kind: Kind,
        key: str,
        fetch: Callable[[], Awaitable[M]],
        *,
        max_age: float | None = None,
        asked_at: float | None = None,
    ) -> Loaded[M]:
        """The resource `key` of `kind`; `max_age` (seconds) narrows the time to live, 0 asks
        ENOVIA now: a fetch of its own, or one shared with the caller's that was in flight at
        `asked_at` (when the caller's request was made, by `now()`), landed or not."""
        cache_key = f"{kind.value}:{key}"
        entry = await self.cache.get(cache_key)
        now = self._clock()
        if entry is not None and now - entry.fetched_at < self._fresh_for(kind, entry, max_age):
            self._count(kind, Freshness.CACHED)
            return _loaded(entry, Freshness.CACHED)
        self._count(kind, None)
        landed = None if asked_at is None else self._landed.since(cache_key, asked_at)
        if landed is not None:
            return _loaded(landed, Freshness.LIVE)
        try:
            fetched = await _within_deadline(
                self._flights.run(cache_key, lambda: self._fetch(kind, cache_key, fetch, entry))
            )
        except UpstreamUnavailable:
            if entry is None or entry.value is None:
                raise
            if now - entry.fetched_at > self._settings.ttl(kind) + self._settings.max_stale:
                raise
            self._count(kind, Freshness.STALE)
            return _loaded(entry, Freshness.STALE)
        return _loaded(fetched, Freshness.LIVE)

    def peek(
        self, kind: Kind, key: str, max_age: float | None = None
    ) -> tuple[Loaded[Model], Stamp] | None:
        """`load`'s answer when the cache can give it at once (an in-process hit within the
        time to live), else None: the warm path, with no task and no await. The stamp says
        which entry answered and until when, for `still_current`."""
        cache_key = f"{kind.value}:{key}"
        entry = self.cache.get_now(cache_key)
        if entry is None:
            return None
        expires_at = entry.fetched_at + self._fresh_for(kind, entry, max_age)
        if self._clock() >= expires_at:
            return None
        self._count(kind, Freshness.CACHED)
        return _loaded(entry, Freshness.CACHED), Stamp(cache_key, entry.fetched_at, expires_at)

    def still_current(self, stamps: Iterable[Stamp]) -> bool:
        """Whether each stamped entry is still the one the cache holds, within its time to
        live: then whatever was computed from them would be computed the same now."""
        now = self._clock()
        for stamp in stamps:
            if now >= stamp.expires_at:
                return False
            entry = self.cache.get_now(stamp.cache_key)
            if entry is None or entry.fetched_at != stamp.fetched_at:
                return False
        return True

    async def forget(self, kind: Kind, key: str) -> None:
        cache_key = f"{kind.value}:{key}"
        self._landed.forget(cache_key)
        await self.cache.delete(cache_key)

    async def invalidate(self, uid: str) -> int:
        """Drop every cached entry of document `uid` (the document, its latest released
        revision, each revision); with Redis, for every replica at once. Returns how many
        entries there were at most."""
        keys = [f"{Kind.DOCUMENT.value}:{uid}", f"{Kind.LATEST.value}:{uid}"]
        revisions_prefix = f"{Kind.REVISION.value}:{uid}{KEY_SEPARATOR}"
        self._landed.forget(*keys, revisions_prefix)
        present = [key for key in keys if await self.cache.get(key) is not None]
        await self.cache.delete(*keys)
        revisions = await self.cache.delete_prefix(revisions_prefix)
        return len(present) + revisions

    def _fresh_for(self, kind: Kind, entry: CacheEntry, max_age: float | None) -> float:
        ttl = self._settings.not_found_ttl if entry.absence else self._settings.ttl(kind)
        return ttl if max_age is None else min(ttl, max_age)

    async def _fetch(
        self,
        kind: Kind,
        cache_key: str,
        fetch: Callable[[], Awaitable[Model]],
        previous: CacheEntry | None,
    ) -> CacheEntry:
        """Fetch, store and return; with a shared cache, first take the key's lock, or wait
        for the replica that holds it and use what it fetched."""
        token: str | None = None
        if self.cache.shared:
            token = await self.cache.acquire(cache_key, self._settings.lock_ttl)
            if token is None:
                fetched_elsewhere = await self._await_other_replica(cache_key, previous)
                if fetched_elsewhere is not None:
                    return fetched_elsewhere
        try:
            entry = await self._fetch_and_store(kind, cache_key, fetch)
            self._landed.put(cache_key, entry)  # this process's own fetch, by its own clock
            return entry
        finally:
            if token is not None:
                await self.cache.release(cache_key, token)

    async def _await_other_replica(
        self, cache_key: str, previous: CacheEntry | None
    ) -> CacheEntry | None:
        """The entry another replica is fetching, once it lands; None when its lock goes away
        (or expires) without one: then this replica fetches for itself."""
        settings = self._settings
        for _ in range(max(1, int(settings.lock_ttl / settings.lock_poll))):
            await asyncio.sleep(settings.lock_poll)
            entry = await self.cache.get(cache_key)
            if entry is not None and (previous is None or entry.fetched_at > previous.fetched_at):
                return entry
            if not await self.cache.locked(cache_key):
                return None
        return None

    async def _fetch_and_store(
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
