"""The shared cache: a small interface of our own, in memory (bounded) or on Redis via aiocache.

An entry holds a loaded ENOVIA model (or the fact that ENOVIA had none) and the wall-clock time
it was fetched. How long an entry counts as fresh is decided by the reader (`ResourceStore`),
not by the backend: the backend keeps an entry for `keep_for` seconds, long enough to serve it
as STALE when ENOVIA fails.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

import orjson
import structlog
from aiocache import RedisCache as AiocacheRedis
from aiocache.serializers import NullSerializer

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
    a get that fails is a miss, a set or delete that fails is skipped (and logged)."""

    backend: str

    async def get(self, key: str) -> CacheEntry | None: ...
    async def set(self, key: str, entry: CacheEntry, keep_for: float) -> None: ...
    async def delete(self, *keys: str) -> None: ...
    async def close(self) -> None: ...
    def describe(self) -> dict[str, object]: ...


class MemoryCache:
    """In-process LRU, bounded to `max_entries` (aiocache's memory backend has no bound)."""

    backend = "memory"

    def __init__(self, max_entries: int) -> None:
        self._max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, CacheEntry]] = OrderedDict()
        self._monotonic = time.monotonic

    def __len__(self) -> int:
        return len(self._entries)

    async def get(self, key: str) -> CacheEntry | None:
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

    async def close(self) -> None:
        self._entries.clear()

    def describe(self) -> dict[str, object]:
        return {"backend": self.backend, "entries": len(self._entries), "max": self._max_entries}


class RedisCache:
    """Entries in Redis through aiocache, shared by every replica that uses the same URL.

    Entries are JSON: `{"t": fetched_at, "k": "d"|"r", "v": {...}}` or `{"t", "a": absence}`.
    A Redis that fails or is slow (over `timeout` seconds) makes a miss, never an error.
    """

    backend = "redis"

    def __init__(self, url: str, *, timeout: float = 0.25, namespace: str = "enovia-gw") -> None:
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
        )
        self.healthy = True

    async def get(self, key: str) -> CacheEntry | None:
        try:
            raw = await self._redis.get(key)
        except Exception as exc:  # any backend failure is a miss (see the class docstring)
            self._failed("get", exc)
            return None
        self.healthy = True
        return None if raw is None else _decode(raw)

    async def set(self, key: str, entry: CacheEntry, keep_for: float) -> None:
        try:
            await self._redis.set(key, _encode(entry), ttl=max(1, round(keep_for)))
        except Exception as exc:
            self._failed("set", exc)

    async def delete(self, *keys: str) -> None:
        for key in keys:
            try:
                await self._redis.delete(key)
            except Exception as exc:
                self._failed("delete", exc)

    async def close(self) -> None:
        try:
            await self._redis.close()
        except Exception as exc:
            self._failed("close", exc)

    def describe(self) -> dict[str, object]:
        return {"backend": self.backend, "url": self._url_for_humans, "healthy": self.healthy}

    def _failed(self, operation: str, exc: Exception) -> None:
        self.healthy = False
        logger.warning("cache.redis_failed", operation=operation, error=type(exc).__name__)


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


def create_cache(url: str, max_entries: int) -> Cache:
    """The cache `GATEWAY_CACHE_URL` names: `memory://` or `redis[s]://host:port/db`."""
    if url.startswith(("redis://", "rediss://")):
        return RedisCache(url)
    return MemoryCache(max_entries)
