"""The shared cache: a small interface of our own, in memory (bounded) or on Redis via aiocache.

An entry holds a loaded ENOVIA model (or the fact that ENOVIA had none) and the wall-clock time
it was fetched. How long an entry counts as fresh is decided by the reader (`ResourceStore`),
not by the backend: the backend keeps an entry for `keep_for` seconds, long enough to serve it
as STALE when ENOVIA fails.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

import orjson
import structlog
from aiocache import RedisCache as AiocacheRedis
from aiocache.serializers import NullSerializer
from redis.asyncio import BlockingConnectionPool

from gateway.enovia import Document, Revision
from loaders.loaded import Absence

logger = structlog.get_logger("gateway.cache")

Model = Document | Revision


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """`value` is None exactly when `absence` is set (a remembered 404 or 410)."""

    value: Model | None
    fetched_at: float
    absence: Absence | None = None


class Cache(Protocol):
    """What the store needs of a cache. Implementations never raise for a failing backend:
    a get that fails is a miss, a set or delete that fails is skipped (and logged).

    `shared` caches are seen by other processes: for them the store takes a short lock per
    key (`acquire`/`release`) so that replicas coalesce their fetches too.
    """

    backend: str
    shared: bool

    async def get(self, key: str) -> CacheEntry | None: ...
    def get_now(self, key: str) -> CacheEntry | None:
        """A lookup that needs no I/O, or None: an in-process cache answers here, a remote
        one always says None (and is asked with `get`)."""
        ...

    async def set(self, key: str, entry: CacheEntry, keep_for: float) -> None: ...
    async def delete(self, *keys: str) -> None: ...
    async def delete_prefix(self, prefix: str) -> int: ...
    async def acquire(self, key: str, ttl: float) -> str | None: ...
    async def release(self, key: str, token: str) -> None: ...
    async def locked(self, key: str) -> bool: ...
    async def close(self) -> None: ...
    def describe(self) -> dict[str, object]: ...


class MemoryCache:
    """In-process LRU, bounded to `max_entries` (aiocache's memory backend has no bound)."""

    backend = "memory"
    shared = False

    def __init__(self, max_entries: int) -> None:
        self._max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, CacheEntry]] = OrderedDict()
        self._monotonic = time.monotonic

    def __len__(self) -> int:
        return len(self._entries)

    async def get(self, key: str) -> CacheEntry | None:
        return self.get_now(key)

    def get_now(self, key: str) -> CacheEntry | None:
        item = self._entries.get(key)
        if item is None:
            return None
        expires, entry = item
        if expires <= self._monotonic():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry

    async def set(self, key: str, entry: CacheEntry, keep_for: float) -> None:
        entries = self._entries
        entries[key] = (self._monotonic() + keep_for, entry)
        entries.move_to_end(key)
        while len(entries) > self._max_entries:
            entries.popitem(last=False)

    async def delete(self, *keys: str) -> None:
        for key in keys:
            self._entries.pop(key, None)

    async def delete_prefix(self, prefix: str) -> int:
        doomed = [key for key in self._entries if key.startswith(prefix)]
        for key in doomed:
            del self._entries[key]
        return len(doomed)

    async def acquire(self, key: str, ttl: float) -> str | None:
        return "local"  # one process: its single flight is the lock

    async def release(self, key: str, token: str) -> None:
        return None

    async def locked(self, key: str) -> bool:
        return False

    async def close(self) -> None:
        self._entries.clear()

    def describe(self) -> dict[str, object]:
        return {"backend": self.backend, "entries": len(self._entries), "max": self._max_entries}


#: Compare-and-delete: a lock is released only by whoever holds it.
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end"


class RedisCache:
    """Entries in Redis through aiocache, shared by every replica that uses the same URL.

    Entries are JSON: `{"t": fetched_at, "k": "d"|"r", "v": {...}}` or `{"t", "a": absence}`.
    A Redis that fails or is slow (over `timeout` seconds) makes a miss, never an error; after
    a failure Redis is left alone for `retry_after` seconds (so that an outage costs one
    timeout, not one per lookup), then tried again: it reconnects by itself.
    """

    backend = "redis"
    shared = True

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 0.25,
        retry_after: float = 1.0,
        max_connections: int = 256,
        namespace: str = "enovia-gw",
    ) -> None:
        parts = urlsplit(url)
        db = int(parts.path.lstrip("/") or 0)
        self._url_for_humans = f"{parts.scheme}://{parts.hostname}:{parts.port or 6379}/{db}"
        self._redis = AiocacheRedis(
            serializer=NullSerializer(),
            namespace=namespace,
            timeout=timeout,
            endpoint=parts.hostname or "127.0.0.1",
            port=parts.port or 6379,
            db=db,
            password=parts.password,
            ssl=parts.scheme == "rediss",
            # A bounded pool that makes a burst wait for a free connection (within `timeout`)
            # rather than fail: redis-py's default pool raises past 100 connections.
            connection_pool_class=BlockingConnectionPool,
            pool_max_size=max_connections,
        )
        self._retry_after = retry_after
        self._resting_until = 0.0
        self.healthy = True

    def get_now(self, key: str) -> CacheEntry | None:
        return None

    def available(self) -> bool:
        """False while Redis rests after a failure."""
        return self.healthy or time.monotonic() >= self._resting_until

    async def get(self, key: str) -> CacheEntry | None:
        if not self.available():
            return None
        try:
            raw = await self._redis.get(key)
        except Exception as exc:  # any backend failure is a miss (see the class docstring)
            self._failed("get", exc)
            return None
        self.healthy = True
        return None if raw is None else _decode(raw)

    async def set(self, key: str, entry: CacheEntry, keep_for: float) -> None:
        if not self.available():
            return
        try:
            await self._redis.set(key, _encode(entry), ttl=max(1, round(keep_for)))
        except Exception as exc:
            self._failed("set", exc)

    async def delete(self, *keys: str) -> None:
        try:
            for key in keys:
                await self._redis.delete(key)
        except Exception as exc:
            self._failed("delete", exc)

    async def delete_prefix(self, prefix: str) -> int:
        client = self._redis.client  # aiocache has no SCAN: redis-py's client underneath
        pattern = _glob_escape(self._redis.build_key(prefix)) + "*"
        deleted = 0
        try:
            async for key in client.scan_iter(match=pattern, count=500):
                deleted += int(await client.delete(key))
        except Exception as exc:
            self._failed("delete_prefix", exc)
        return deleted

    async def acquire(self, key: str, ttl: float) -> str | None:
        """A token when the lock on `key` was taken (SET NX), None when another holds it.
        Without Redis every process is on its own: the lock is granted."""
        token = secrets.token_hex(8)
        if not self.available():
            return token
        try:
            taken = await self._redis.add(f"lock:{key}", token, ttl=max(1, round(ttl)))
        except ValueError:  # aiocache's add raises when the key exists
            return None
        except Exception as exc:
            self._failed("acquire", exc)
            return token
        return token if taken else None

    async def release(self, key: str, token: str) -> None:
        if not self.available():
            return
        try:
            lock_key = self._redis.build_key(f"lock:{key}")
            await self._redis.client.eval(_RELEASE, 1, lock_key, token)
        except Exception as exc:
            self._failed("release", exc)

    async def locked(self, key: str) -> bool:
        try:
            return bool(await self._redis.exists(f"lock:{key}"))
        except Exception as exc:
            self._failed("locked", exc)
            return False

    async def close(self) -> None:
        try:
            await self._redis.close()
        except Exception as exc:
            self._failed("close", exc)

    def describe(self) -> dict[str, object]:
        return {"backend": self.backend, "url": self._url_for_humans, "healthy": self.healthy}

    def _failed(self, operation: str, exc: Exception) -> None:
        if self.healthy:
            logger.warning("cache.redis_failed", operation=operation, error=type(exc).__name__)
        self.healthy = False
        self._resting_until = time.monotonic() + self._retry_after


class FallbackCache:
    """Redis, with a small in-process cache that answers while Redis is away.

    Every entry is written to both; reads go to Redis while it is available and to the local
    cache when it is not, so that a Redis outage never fails a query and costs ENOVIA only the
    entries the local cache could not hold.
    """

    backend = "redis"
    shared = True

    def __init__(self, redis: RedisCache, local: MemoryCache) -> None:
        self.redis = redis
        self.local = local

    def get_now(self, key: str) -> CacheEntry | None:
        # Redis is the truth (another replica may have invalidated an entry): always asked.
        return None

    async def get(self, key: str) -> CacheEntry | None:
        if self.redis.available():
            entry = await self.redis.get(key)
            if self.redis.healthy:
                return entry
        return await self.local.get(key)

    async def set(self, key: str, entry: CacheEntry, keep_for: float) -> None:
        await self.local.set(key, entry, keep_for)
        await self.redis.set(key, entry, keep_for)

    async def delete(self, *keys: str) -> None:
        await self.local.delete(*keys)
        await self.redis.delete(*keys)

    async def delete_prefix(self, prefix: str) -> int:
        return max(await self.local.delete_prefix(prefix), await self.redis.delete_prefix(prefix))

    async def acquire(self, key: str, ttl: float) -> str | None:
        return await self.redis.acquire(key, ttl)

    async def release(self, key: str, token: str) -> None:
        await self.redis.release(key, token)

    async def locked(self, key: str) -> bool:
        return await self.redis.locked(key)

    async def close(self) -> None:
        await self.redis.close()
        await self.local.close()

    def describe(self) -> dict[str, object]:
        return {**self.redis.describe(), "local_entries": len(self.local)}


def _glob_escape(text: str) -> str:
    return "".join("\\" + ch if ch in "*?[]\\" else ch for ch in text)


def _encode(entry: CacheEntry) -> bytes:
    if entry.value is None:
        assert entry.absence is not None
        return orjson.dumps({"t": entry.fetched_at, "a": entry.absence.value})
    kind = "d" if isinstance(entry.value, Document) else "r"
    value = entry.value.model_dump(mode="json", by_alias=True)
    return orjson.dumps({"t": entry.fetched_at, "k": kind, "v": value})


def _decode(raw: bytes | str) -> CacheEntry | None:
    try:
        data = orjson.loads(raw)
        fetched_at = float(data["t"])
        if "a" in data:
            return CacheEntry(None, fetched_at, Absence(data["a"]))
        model: type[Model] = Document if data["k"] == "d" else Revision
        return CacheEntry(model.model_validate_json(orjson.dumps(data["v"])), fetched_at)
    except Exception as exc:  # an entry we cannot read is a miss: it will be fetched again
        logger.warning("cache.undecodable_entry", error=type(exc).__name__)
        return None


def create_cache(
    url: str, max_entries: int, local_entries: int = 1000, *, timeout: float = 0.25
) -> Cache:
    """The cache `GATEWAY_CACHE_URL` names: `memory://` (bounded to `max_entries`), or
    `redis[s]://host:port/db` with a local fallback of `local_entries`, where a Redis operation
    slower than `timeout` seconds counts as a failure."""
    if url.startswith(("redis://", "rediss://")):
        return FallbackCache(RedisCache(url, timeout=timeout), MemoryCache(local_entries))
    return MemoryCache(max_entries)
