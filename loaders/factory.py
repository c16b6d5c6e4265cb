"""The cache that `GATEWAY_CACHE_URL` names, and the watch bus that goes with it."""

from __future__ import annotations

from loaders.cache import Cache
from loaders.fallback_cache import BackendObserver, FallbackCache
from loaders.memory_cache import MemoryCache
from loaders.redis_cache import RedisCache
from loaders.timeline import Timeline
from loaders.watch import WatchBus
from loaders.watch_bus import MemoryBus, RedisBus


def create_cache(
    url: str,
    max_entries: int,
    local_entries: int = 1000,
    *,
    timeline: Timeline,
    timeout: float = 0.25,
    keep_invalidations_for: float = 86_400.0,
    observer: BackendObserver | None = None,
) -> Cache:
    """`memory://` (bounded to `max_entries`), or `redis[s]://host:port/db` with a local
    fallback of `local_entries`, where a Redis operation slower than `timeout` seconds counts
    as a failure. A Redis cache keeps `timeline` on Redis's clock (once `open`ed), and tells
    `observer` whether Redis is in use."""
    if url.startswith(("redis://", "rediss://")):
        return FallbackCache(
            RedisCache(url, timeout=timeout),
            MemoryCache(local_entries),
            timeline,
            keep_invalidations_for=keep_invalidations_for,
            observer=observer,
        )
    return MemoryCache(max_entries)


def create_watch_bus(cache: Cache) -> WatchBus:
    """Leases and announcements through the cache's Redis when it has one (replicas share
    their watchers), else this process's own."""
    if isinstance(cache, FallbackCache):
        return RedisBus(cache.redis)
    return MemoryBus()
