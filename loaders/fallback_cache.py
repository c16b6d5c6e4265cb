"""Redis, with a small in-process cache that answers while Redis is away."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Protocol

import structlog

from loaders.cache import CacheEntry, CacheUnavailable, Lock, Lookup, Offer, Offered
from loaders.keys import document_keys
from loaders.memory_cache import MemoryCache
from loaders.redis_cache import CHANNEL_POLL, RedisCache
from loaders.timeline import Timeline

logger = structlog.get_logger("gateway.cache")

#: Seconds between alignments of the timeline on Redis's clock once aligned, and between
#: attempts before (or after a failure).
ALIGN_EVERY = 30.0
ALIGN_RETRY = 1.0


class BackendObserver(Protocol):
    """Told whether the cache backend is in use (the app's metrics implement it)."""

    def cache_backend(self, backend: str, up: bool) -> None: ...


class FallbackCache:
    """Redis, with a small in-process cache that answers while Redis is away.

    Every entry is written to both; reads go to Redis while it is available and to the local
    cache when it is not, so that a Redis outage never fails a query and costs ENOVIA only the
    entries the local cache could not hold.

    Redis is used only once `timeline` follows Redis's clock (`open` aligns it, and keeps it
    aligned): until then this replica's stamps could disagree with the other replicas'. An
    invalidation reaches the other replicas' local caches through Redis's publish/subscribe;
    a replica whose subscription broke drops its local cache when it subscribes again (it
    may have missed some).

    `observer` is told whether Redis is in use (reachable, and the timeline on its clock), at
    `open` and each time that changes.
    """

    backend = "redis"
    shared = True

    def __init__(
        self,
        redis: RedisCache,
        local: MemoryCache,
        timeline: Timeline,
        *,
        keep_invalidations_for: float = 86_400.0,
        observer: BackendObserver | None = None,
    ) -> None:
        self.redis = redis
        self.local = local
        self._timeline = timeline
        self._keep_invalidations_for = keep_invalidations_for
        self._tasks: list[asyncio.Task[None]] = []
        self._stop = asyncio.Event()
        self._observer = observer
        self._reported: bool | None = None
        redis.on_health_change = self._report

    async def open(self) -> None:
        """Ping Redis, align the timeline on its clock when it answers, and start following
        it. A Redis that does not answer is a warning naming its URL and why, not a failure:
        the local cache answers, and Redis is tried again every `ALIGN_RETRY` seconds."""
        problem = await self.redis.ping(quiet=True)
        if problem is None:
            await self.align()
        else:
            logger.warning(
                "cache.redis_unreachable",
                url=self.redis.url,
                error=problem,
                message=f"Redis at {self.redis.url} does not answer ({problem}): this replica "
                "answers from its local cache until it does",
            )
        self._report()  # the first report, whichever way the first alignment went
        self._tasks = [
            asyncio.create_task(self._keep_aligned(), name="cache-align"),
            asyncio.create_task(self._follow_invalidations(), name="cache-invalidations"),
        ]

    async def ping(self) -> str | None:
        """Redis's PING (`RedisCache.ping`): None when it answers, else why not. A Redis that
        answers again is used at once (the timeline aligned now, not at the next retry)."""
        problem = await self.redis.ping()
        if problem is None and not self._timeline.aligned:
            await self.align()
        return problem

    def _redis_usable(self) -> bool:
        return self._timeline.aligned and self.redis.available()

    def read_now(self, key: str, uid: str) -> Lookup | None:
        # Redis is the truth (another replica may have invalidated an entry): always asked.
        return None

    async def read(self, key: str, uid: str) -> Lookup:
        if self._redis_usable():
            lookup = await self.redis.read(key, uid)
            if self.redis.healthy:
                return lookup
        return self.local.read_now(key, uid)

    async def offer(self, key: str, uid: str, entry: CacheEntry, keep_for: float) -> Offer:
        local = self.local.offer_now(key, uid, entry, keep_for)
        if not self._redis_usable():
            return local
        shared = await self.redis.offer(key, uid, entry, keep_for)
        if shared.outcome is Offered.INVALIDATED and shared.invalidated_at is not None:
            fixed, prefix = document_keys(uid)
            self.local.invalidate_now(uid, fixed, prefix, shared.invalidated_at)
        return shared

    async def invalidate(self, uid: str, keys: Sequence[str], prefix: str, at: float) -> int:
        dropped = self.local.invalidate_now(uid, keys, prefix, at)
        if not self._timeline.aligned:
            raise CacheUnavailable("Redis has not been reached since this replica started")
        at_redis, dropped_redis = await self.redis.invalidate(
            uid, keys, prefix, self._keep_invalidations_for
        )
        self.local.invalidate_now(uid, keys, prefix, at_redis)
        return max(dropped, dropped_redis)

    async def acquire(self, key: str, sent_at: float, ttl: float) -> Lock:
        if not self._redis_usable():
            return Lock("local")
        return await self.redis.acquire(key, sent_at, ttl)

    async def release(self, key: str, token: str) -> None:
        if token != "local":
            await self.redis.release(key, token)

    async def holder(self, key: str) -> float | None:
        return await self.redis.holder(key) if self._redis_usable() else None

    async def align(self) -> bool:
        """Align the timeline on Redis's clock; False when Redis could not be asked. The
        local cache is dropped when the timeline moved: its stamps are on another footing."""
        try:
            before, reference, after = await self.redis.reference_time()
        except Exception as exc:  # Redis is away (logged once, by `RedisCache`): try again
            logger.debug("cache.align_failed", error=type(exc).__name__)
            return False
        if self._timeline.align(reference, before, after):
            self.local.clear()
        self._report()  # the first alignment puts Redis in use
        return True

    def _report(self) -> None:
        """Tell the observer whether Redis is in use, when that changed since it was told."""
        up = self._timeline.aligned and self.redis.healthy
        if self._observer is not None and up is not self._reported:
            self._reported = up
            self._observer.cache_backend(self.backend, up)

    async def _keep_aligned(self) -> None:
        while not await self._stopping_within(
            ALIGN_EVERY if self._timeline.aligned else ALIGN_RETRY
        ):
            await self.align()

    async def _follow_invalidations(self) -> None:
        while not self._stop.is_set():
            try:
                async for invalidation in self.redis.invalidations(self._stop):
                    if invalidation is None:
                        self.local.clear()  # what was published while not subscribed is unknown
                        continue
                    uid, at = invalidation
                    fixed, prefix = document_keys(uid)
                    self.local.invalidate_now(uid, fixed, prefix, at)
            except Exception as exc:  # the subscription broke: subscribe again
                logger.info("cache.invalidations_interrupted", error=type(exc).__name__)
            await self._stopping_within(ALIGN_RETRY)

    async def _stopping_within(self, seconds: float) -> bool:
        """Wait `seconds`, or less when the cache is closed meanwhile; whether it is."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stop.wait()
        return self._stop.is_set()

    async def close(self) -> None:
        self._stop.set()
        for task in self._tasks:
            # The subscriber ends by itself once told (see `RedisCache.invalidations`); one
            # that is sleeping or aligning is cancelled.
            done, _ = await asyncio.wait([task], timeout=2 * CHANNEL_POLL)
            if not done:
                task.cancel()
                done, _ = await asyncio.wait([task], timeout=2 * CHANNEL_POLL)
            if not done:
                logger.warning("cache.task_did_not_stop", task=task.get_name())
            elif not task.cancelled():
                task.exception()  # seen: a failure of its own was logged where it happened
        await self.redis.close()
        await self.local.close()

    def describe(self) -> dict[str, object]:
        return {
            **self.redis.describe(),
            "clock_aligned": self._timeline.aligned,
            "local_entries": len(self.local),
        }
