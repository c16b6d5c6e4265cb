"""The process's store of ENOVIA resources: cache, single flight, freshness, stale-if-error.

One rule decides what a request may use, wherever the data comes from (the cache, a fetch in
flight in this process, another replica's fetch through Redis): data from a fetch *sent* no
earlier than `max(allowed age, share window)` before the request began, and after the last
invalidation of its document. The allowed age is the kind's time to live, narrowed by the
request's `maxAge`; the share window (`GATEWAY_SHARE_WINDOW`) is the only tolerance of
`maxAge: 0`, and what lets a burst of identical requests share one fetch. Every time here is
read from one `Timeline`, so that no clock difference between replicas, nor a clock stepping
back, makes an entry count as fresher than it is.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Protocol, TypeVar

from enovia import Gone, NotFound, UpstreamUnavailable, time_left
from loaders.cache import Cache, CacheEntry, Lookup, Model, Offered, sent_after
from loaders.flights import Flights
from loaders.keys import KIND_VALUES, Kind, cache_key, document_keys
from loaders.results import FRESHNESS_VALUES, Absence, Freshness, Loaded
from loaders.timeline import Timeline

M = TypeVar("M", bound=Model)

#: Fetches one caller may start when each lands from before an invalidation made meanwhile.
FETCH_ATTEMPTS = 3


#: Which cache entry answered a lookup, and until when it counts as fresh for it: its cache
#: key, its document's uid, when its fetch was sent, and when it stops counting as fresh. A
#: plain tuple, not a named one: one is made for every warm lookup, and a long-lived holder
#: of many (`gateway.response_cache.Replay`) keeps tuples the cycle collector does not track.
Stamp = tuple[str, str, float, float]


@dataclass(frozen=True, slots=True)
class StoreSettings:
    """Seconds. `max_stale` is how long past its time to live an entry may still be served
    as STALE when ENOVIA fails; `not_found_ttl` is how long a 404/410 is remembered;
    `share_window` is how long before a request began a fetch may have been sent and still
    answer it as LIVE."""

    ttl_document: float = 300.0
    ttl_revision: float = 300.0
    ttl_latest: float = 30.0
    not_found_ttl: float = 5.0
    max_stale: float = 86_400.0
    share_window: float = 0.1
    #: With a shared cache: how long one replica's fetch of a key holds the others off.
    lock_ttl: float = 5.0
    lock_poll: float = 0.02

    def ttl(self, kind: Kind) -> float:
        if kind is Kind.DOCUMENT:
            return self.ttl_document
        if kind is Kind.REVISION:
            return self.ttl_revision
        # The list of revisions says, like the latest one, which revision is current.
        return self.ttl_latest

    def longest_keep(self) -> float:
        """The longest any entry is kept (an invalidation is remembered as long)."""
        return max(self.ttl_document, self.ttl_revision, self.ttl_latest) + self.max_stale


class CacheCounters(Protocol):
    def cache_lookup(self, kind: str, freshness: str | None) -> None: ...


class ResourceStore:
    """Loads one resource: from the cache while fresh enough for the request, else from
    ENOVIA (a fetch shared with every caller the rule lets share it), else, when ENOVIA is
    unavailable, from a stale entry labelled STALE.

    Errors are never cached; ENOVIA's 404 and 410 are, for `not_found_ttl` seconds.
    """

    def __init__(
        self,
        cache: Cache,
        settings: StoreSettings,
        *,
        counters: CacheCounters | None = None,
        timeline: Timeline | None = None,
    ) -> None:
        self.cache = cache
        self._settings = settings
        self._counters = counters
        self.timeline = timeline or Timeline()
        self._flights: Flights[CacheEntry | None] = Flights()

    def now(self) -> float:
        """Now on the timeline, at the latest: when a request begins (`began`)."""
        return self.timeline.late()

    async def load(
        self,
        kind: Kind,
        uid: str,
        label: str | None,
        fetch: Callable[[], Awaitable[M]],
        *,
        max_age: float | None = None,
        began: float | None = None,
    ) -> Loaded[M]:
        """Document `uid`'s resource of `kind` (revision `label` for REVISION) for a request
        that `began` (by `now()`; default: now). `max_age` (seconds) narrows the time to live;
        0 asks ENOVIA now, sharing only a fetch sent within the share window."""
        began = self.now() if began is None else began
        key = cache_key(kind, uid, label)
        lookup = await self.cache.read(key, uid)
        hit = self._hit(kind, lookup, max_age, began)
        if hit is not None:
            entry, freshness, _ = hit
            self._count(kind, freshness)
            return _loaded(entry, freshness)
        self._count(kind, None)
        horizon = began - max(self._allowed_age(kind, None, max_age), self._settings.share_window)
        try:
            entry = await _within_deadline(
                self._fetched(kind, uid, key, fetch, horizon, lookup.invalidated_at)
            )
        except UpstreamUnavailable:
            stale = await self._stale_entry(key, uid, lookup)
            if stale is None or stale.value is None:
                raise
            if self.now() - stale.sent_at > self._settings.ttl(kind) + self._settings.max_stale:
                raise
            self._count(kind, Freshness.STALE)
            return _loaded(stale, Freshness.STALE)
        return _loaded(entry, Freshness.LIVE)

    def peek(
        self,
        kind: Kind,
        uid: str,
        label: str | None = None,
        max_age: float | None = None,
        began: float | None = None,
    ) -> tuple[Loaded[Model], Stamp | None] | None:
        """`load`'s answer when the cache can give it at once (an in-process hit), else None:
        the warm path, with no task and no await. The stamp says which entry answered and
        until when, for `still_current`; None when the answer is LIVE (shared within the
        share window), which is never replayed."""
        key = cache_key(kind, uid, label)
        lookup = self.cache.read_now(key, uid)
        if lookup is None:
            return None
        hit = self._hit(kind, lookup, max_age, self.now() if began is None else began)
        if hit is None:
            return None
        entry, freshness, allowed_age = hit
        self._count(kind, freshness)
        loaded: Loaded[Model] = _loaded(entry, freshness)
        if freshness is not Freshness.CACHED:
            return loaded, None
        return loaded, (key, uid, entry.sent_at, entry.sent_at + allowed_age)

    def still_current(self, stamps: Iterable[Stamp]) -> bool:
        """Whether each stamped entry is still the one the cache holds, within its time to
        live: then whatever was computed from them would be computed the same now."""
        now = self.now()
        for key, uid, sent_at, expires_at in stamps:
            if now >= expires_at:
                return False
            lookup = self.cache.read_now(key, uid)
            entry = None if lookup is None else lookup.valid_entry()
            if entry is None or entry.sent_at != sent_at:
                return False
        return True

    async def invalidate(self, uid: str) -> int:
        """Drop every cached entry of document `uid` (the document, its latest released
        revision, each revision), and make sure no fetch of it sent before now is stored or
        served, on every replica. Returns how many entries there were at most. Raises
        `CacheUnavailable` when the shared cache could not be updated."""
        fixed, prefix = document_keys(uid)
        return await self.cache.invalidate(uid, fixed, prefix, self.timeline.late())

    def _allowed_age(self, kind: Kind, entry: CacheEntry | None, max_age: float | None) -> float:
        absent = entry is not None and entry.absence is not None
        ttl = self._settings.not_found_ttl if absent else self._settings.ttl(kind)
        return ttl if max_age is None else min(ttl, max_age)

    def _hit(
        self, kind: Kind, lookup: Lookup, max_age: float | None, began: float
    ) -> tuple[CacheEntry, Freshness, float] | None:
        """The cache's entry, its freshness and its allowed age when the request may use it:
        CACHED within the allowed age, LIVE within the share window (a fetch for a request
        of the same moment)."""
        entry = lookup.valid_entry()
        if entry is None:
            return None
        allowed_age = self._allowed_age(kind, entry, max_age)
        age = began - entry.sent_at
        if age < allowed_age:
            return entry, Freshness.CACHED, allowed_age
        if age <= self._settings.share_window:
            return entry, Freshness.LIVE, allowed_age
        return None

    async def _fetched(
        self,
        kind: Kind,
        uid: str,
        key: str,
        fetch: Callable[[], Awaitable[Model]],
        horizon: float,
        invalidated_at: float | None,
    ) -> CacheEntry:
        """An entry from a fetch sent no earlier than `horizon` and after the document's last
        invalidation: this process's newest fetch in flight when it qualifies, else a new one.
        A fetch that lands from before an invalidation made meanwhile is not used."""
        for _ in range(FETCH_ATTEMPTS):
            flight = self._flights.newest(key)
            joined = (
                flight is not None
                and flight.sent_at >= horizon
                and sent_after(flight.sent_at, invalidated_at)
            )
            if flight is None or not joined:
                sent_at = self.timeline.early()
                flight = self._flights.start(
                    key,
                    sent_at,
                    self._fly(kind, uid, key, fetch, sent_at, horizon, invalidated_at),
                )
            entry = await flight.outcome()
            if entry is not None and (not joined or entry.sent_at >= horizon):
                return entry
            # Landed from before an invalidation, or too early for this caller: a fetch sent
            # later is needed; one may have landed meanwhile.
            lookup = await self.cache.read(key, uid)
            invalidated_at = lookup.invalidated_at
            landed = lookup.valid_entry()
            if landed is not None and landed.sent_at >= horizon:
                return landed
        raise UpstreamUnavailable("ENOVIA's answers kept landing from before an invalidation")

    async def _fly(
        self,
        kind: Kind,
        uid: str,
        key: str,
        fetch: Callable[[], Awaitable[Model]],
        sent_at: float,
        horizon: float,
        invalidated_at: float | None,
    ) -> CacheEntry | None:
        """Fetch (stamped `sent_at`), store and return what the cache then holds; None when
        the document was invalidated after `sent_at`. With a shared cache, first take the
        key's lock, or wait for the replica that holds it when its fetch was sent no earlier
        than `horizon` and after the document's last invalidation, and use what it fetched."""
        token: str | None = None
        if self.cache.shared:
            lock = await self.cache.acquire(key, sent_at, self._settings.lock_ttl)
            token = lock.token
            holder = lock.holder_sent_at
            if (
                token is None
                and holder is not None
                and holder >= horizon
                and sent_after(holder, invalidated_at)
            ):
                elsewhere = await self._await_other_replica(key, uid, horizon)
                if elsewhere is not None:
                    return elsewhere
        try:
            entry = await self._fetch_entry(fetch, sent_at)
            keep_for = (
                self._settings.not_found_ttl
                if entry.absence is not None
                else self._settings.ttl(kind) + self._settings.max_stale
            )
            offer = await self.cache.offer(key, uid, entry, keep_for)
            return None if offer.outcome is Offered.INVALIDATED else offer.held
        finally:
            if token is not None:
                await self.cache.release(key, token)

    async def _stale_entry(self, key: str, uid: str, before: Lookup) -> CacheEntry | None:
        """The entry to serve as STALE: read again, since the document may have been
        invalidated while ENOVIA was failing (and the entry read `before` may be gone)."""
        now = await self.cache.read(key, uid)
        return now.valid_entry() or Lookup(before.entry, now.invalidated_at).valid_entry()

    async def _await_other_replica(self, key: str, uid: str, horizon: float) -> CacheEntry | None:
        """The entry another replica is fetching, once it lands; None when its lock goes away
        (or expires, or passes to a fetch sent too early) without one: then this replica
        fetches for itself."""
        settings = self._settings
        for _ in range(max(1, int(settings.lock_ttl / settings.lock_poll))):
            await asyncio.sleep(settings.lock_poll)
            entry = (await self.cache.read(key, uid)).valid_entry()
            if entry is not None and entry.sent_at >= horizon:
                return entry
            holder = await self.cache.holder(key)
            if holder is None or holder < horizon:
                return None
        return None

    async def _fetch_entry(
        self, fetch: Callable[[], Awaitable[Model]], sent_at: float
    ) -> CacheEntry:
        try:
            return CacheEntry(await fetch(), sent_at)
        except (NotFound, Gone) as exc:
            return CacheEntry(
                None, sent_at, Absence.GONE if isinstance(exc, Gone) else Absence.NOT_FOUND
            )

    def _count(self, kind: Kind, freshness: Freshness | None) -> None:
        if self._counters is not None:
            named = None if freshness is None else FRESHNESS_VALUES[freshness]
            self._counters.cache_lookup(KIND_VALUES[kind], named)


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
    return Loaded(entry.value, _checked_at(entry.sent_at), freshness, entry.absence)  # type: ignore[arg-type]


@lru_cache(maxsize=4096)
def _checked_at(sent_at: float) -> datetime:
    """When a fetch was sent, as answers say it: made once per fetch rather than on every
    read of its entry (a datetime is immutable, so the reads share it)."""
    return datetime.fromtimestamp(sent_at, UTC)
