"""Who polls a watched resource, and how the outcome reaches every process (`loaders.watch`).

`MemoryBus`: one process on its own polls everything it watches. `RedisBus`: the replicas
sharing a Redis hold one lease per watched resource (the holder polls it, and renews the lease
each time), and publish each poll's outcome on a channel that every replica follows, so that
N replicas cost ENOVIA what one costs and every replica's subscribers are told.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Callable, Sequence

import orjson
import structlog

from loaders.redis_cache import CHANNEL_POLL, RedisCache
from loaders.watch import Check

logger = structlog.get_logger("gateway.watch")

#: The channel on which replicas tell each other about checks and changes.
WATCH_CHANNEL = "watch"
#: Seconds between attempts to follow the channel again after it broke.
RESUBSCRIBE_AFTER = 1.0


class MemoryBus:
    """This process polls everything it watches, and tells only itself."""

    async def open(
        self,
        deliver: Callable[[Sequence[Check]], None],
        recheck: Callable[[Sequence[str]], None],
    ) -> None:
        return None

    async def leases(self, keys: Sequence[str], ttl: float) -> set[str]:
        return set(keys)

    async def release(self, keys: Sequence[str]) -> None:
        return None

    async def publish(self, checks: Sequence[Check]) -> None:
        return None

    async def recheck(self, uids: Sequence[str]) -> None:
        return None

    async def close(self) -> None:
        return None


class RedisBus:
    """Leases and announcements through the cache's Redis.

    While Redis cannot be asked, every replica polls what it watches itself (the leases are
    all granted): subscribers are still told, at the cost of one poll per replica. A replica
    that missed announcements (its subscription broke) learns of the next check of each
    document, one interval later at most, and its subscribers then see the change.
    """

    def __init__(self, redis: RedisCache) -> None:
        self._redis = redis
        #: This process's name on the bus: the value of its leases, and the sender of its
        #: announcements (which it skips when they come back).
        self._token = secrets.token_hex(8)
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def open(
        self,
        deliver: Callable[[Sequence[Check]], None],
        recheck: Callable[[Sequence[str]], None],
    ) -> None:
        self._task = asyncio.create_task(self._follow(deliver, recheck), name="watch-bus")

    async def leases(self, keys: Sequence[str], ttl: float) -> set[str]:
        held = await self._redis.lease(keys, self._token, ttl)
        if held is None:
            return set(keys)
        return {key for key, mine in zip(keys, held, strict=True) if mine}

    async def release(self, keys: Sequence[str]) -> None:
        await self._redis.give_up(keys, self._token)

    async def publish(self, checks: Sequence[Check]) -> None:
        checks_data = [[check.uid, check.answered] for check in checks]
        await self._announce({"from": self._token, "checks": checks_data})

    async def recheck(self, uids: Sequence[str]) -> None:
        await self._announce({"from": self._token, "recheck": list(uids)})

    async def close(self) -> None:
        self._stop.set()
        if self._task is None:
            return
        # The follower ends by itself once told (see `RedisCache.messages`).
        done, _ = await asyncio.wait([self._task], timeout=2 * CHANNEL_POLL)
        if not done:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _announce(self, message: dict[str, object]) -> None:
        if not await self._redis.publish(WATCH_CHANNEL, orjson.dumps(message)):
            logger.info("watch.announcement_lost", kind=next(iter(message.keys() - {"from"})))

    async def _follow(
        self,
        deliver: Callable[[Sequence[Check]], None],
        recheck: Callable[[Sequence[str]], None],
    ) -> None:
        while not self._stop.is_set():
            try:
                async for data in self._redis.messages(WATCH_CHANNEL, self._stop):
                    if data is not None:
                        self._dispatch(data, deliver, recheck)
            except Exception as exc:  # the subscription broke: follow it again
                logger.info("watch.bus_interrupted", error=type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(RESUBSCRIBE_AFTER):
                    await self._stop.wait()

    def _dispatch(
        self,
        data: bytes,
        deliver: Callable[[Sequence[Check]], None],
        recheck: Callable[[Sequence[str]], None],
    ) -> None:
        try:
            message = orjson.loads(data)
            if message["from"] == self._token:
                return
            if "checks" in message:
                deliver([Check(str(uid), bool(answered)) for uid, answered in message["checks"]])
            elif "recheck" in message:
                recheck([str(uid) for uid in message["recheck"]])
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            logger.warning("watch.bad_announcement")
