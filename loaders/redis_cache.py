"""The cache on Redis, shared by every replica that uses the same URL.

Entries are JSON: `{"t": sent_at, "k": "d"|"r", "v": {...}}` or `{"t": sent_at, "a": absence}`.
Beside them, per document, its `invalidation_key` holds when it was last invalidated, on Redis's
own clock (`TIME`), which is also the clock every replica's timeline follows. The rules of
`loaders.cache` are kept by small Lua scripts, so that comparing and setting is one atomic
step however many replicas race.

A Redis that fails or is slow (over `timeout` seconds) makes a miss, never an error; after a
failure Redis is left alone for `retry_after` seconds (so that an outage costs one timeout,
not one per lookup), then tried again: it reconnects by itself. Only an invalidation raises.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

import orjson
import structlog
from redis.asyncio import BlockingConnectionPool, Redis, SSLConnection

from enovia import Document, Revision, RevisionList
from loaders.cache import CacheEntry, CacheUnavailable, Lock, Lookup, Model, Offer, Offered
from loaders.keys import invalidation_key, lease_key, lock_key, namespaced
from loaders.results import Absence

logger = structlog.get_logger("gateway.cache")

T = TypeVar("T")

#: Store an entry unless its document was invalidated after its fetch was sent ({0, when}),
#: or the key holds an entry from a fetch sent later ({2, that entry}); else {1}.
_OFFER = """
local sent = tonumber(ARGV[1])
local invalidated = redis.call('GET', KEYS[2])
if invalidated and tonumber(invalidated) >= sent then
  return {0, invalidated}
end
local held = redis.call('GET', KEYS[1])
if held then
  local ok, data = pcall(cjson.decode, held)
  if ok and type(data) == 'table' and type(data['t']) == 'number' and data['t'] > sent then
    return {2, held}
  end
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return {1}
"""

#: Record the invalidation of a document at Redis's time now (never moving it back), kept
#: for ARGV[1] seconds, and drop its fixed keys: {when, how many were dropped}.
_INVALIDATE = """
local now = redis.call('TIME')
local at = tonumber(now[1]) + tonumber(now[2]) / 1000000
local before = tonumber(redis.call('GET', KEYS[1]) or '0')
if before > at then at = before end
local text = string.format('%.6f', at)
redis.call('SET', KEYS[1], text, 'EX', ARGV[1])
local dropped = 0
for i = 2, #KEYS do dropped = dropped + redis.call('DEL', KEYS[i]) end
return {text, dropped}
"""

#: Take a lock (nil), or say who holds it (the holder's value).
_LOCK = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
return redis.call('GET', KEYS[1])
"""

#: Compare-and-delete: a lock is released only by whoever holds it.
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end"

#: Take or renew the lease of each key for ARGV[1] (whose token it is) for ARGV[2] ms: 1 for
#: each lease now held by ARGV[1], 0 for each held by another.
_LEASE = """
local held = {}
for i, key in ipairs(KEYS) do
  local holder = redis.call('GET', key)
  if holder == false or holder == ARGV[1] then
    redis.call('SET', key, ARGV[1], 'PX', ARGV[2])
    held[i] = 1
  else
    held[i] = 0
  end
end
return held
"""

#: Give up the leases of ARGV[1] among KEYS.
_GIVE_UP = """
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('DEL', key) end
end
return 0
"""


class RedisCache:
    """Entries, locks and invalidations in Redis, through redis-py.

    Not through aiocache: every operation here is either atomic compare-and-set (Lua scripts),
    a read of an entry with its document's invalidation time (MGET), SCAN, TIME or pub/sub,
    none of which aiocache's cache API has; it was only ever a wrapper around the same
    redis-py client, so the client is used as it is."""

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
        self._namespace = namespace
        tls: dict[str, Any] = (
            {"connection_class": SSLConnection} if parts.scheme == "rediss" else {}
        )
        # A bounded pool that makes a burst wait for a free connection (within `timeout`)
        # rather than fail: redis-py's default pool raises past its maximum.
        pool = BlockingConnectionPool(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 6379,
            db=db,
            password=parts.password,
            max_connections=max_connections,
            **tls,
        )
        self._redis = Redis(connection_pool=pool)
        client = self._redis
        self._offer = client.register_script(_OFFER)
        self._invalidate = client.register_script(_INVALIDATE)
        self._lock = client.register_script(_LOCK)
        self._release = client.register_script(_RELEASE)
        self._lease = client.register_script(_LEASE)
        self._give_up = client.register_script(_GIVE_UP)
        self._timeout = timeout
        self._retry_after = retry_after
        self._resting_until = 0.0
        self.healthy = True
        #: Called each time `healthy` changes (its owner reports Redis up or down).
        self.on_health_change: Callable[[], None] | None = None

    @property
    def url(self) -> str:
        """The URL for logs and health: never its password."""
        return self._url_for_humans

    def available(self) -> bool:
        """False while Redis rests after a failure."""
        return self.healthy or time.monotonic() >= self._resting_until

    async def ping(self, *, quiet: bool = False) -> str | None:
        """PING within the timeout, even while Redis rests: None when it answered, else why
        not, for the operator ("Connection refused", "no answer within 0.25 s"). `healthy`
        follows either way (a failure rests Redis, as any failed operation does); `quiet`
        leaves the logging of a failure to the caller."""
        try:
            async with asyncio.timeout(self._timeout):
                await self._client.ping()
        except Exception as exc:
            self._failed("ping", exc, log=not quiet)
            return self._cause(exc)
        self._succeeded()
        return None

    async def read(self, key: str, uid: str) -> Lookup:
        if not self.available():
            return Lookup(None)
        try:
            raw, invalidated = await self._call(
                "read", self._client.mget(self._key(key), self._gen_key(uid))
            )
        except _Failed:
            return Lookup(None)
        return Lookup(
            None if raw is None else _decode(raw),
            None if invalidated is None else float(invalidated),
        )

    async def offer(self, key: str, uid: str, entry: CacheEntry, keep_for: float) -> Offer:
        """The entry offered under the rules of `loaders.cache`; when Redis cannot be asked,
        the offer counts as stored (this replica's local cache holds it)."""
        if not self.available():
            return Offer(Offered.STORED, entry)
        try:
            answer = await self._call(
                "offer",
                self._offer(
                    keys=[self._key(key), self._gen_key(uid)],
                    args=[repr(entry.sent_at), _encode(entry), max(1, round(keep_for))],
                ),
            )
        except _Failed:
            return Offer(Offered.STORED, entry)
        if answer[0] == 1:
            return Offer(Offered.STORED, entry)
        if answer[0] == 0:
            return Offer(Offered.INVALIDATED, None, float(answer[1]))
        held = _decode(answer[1])
        return Offer(Offered.NEWER_HELD, held) if held is not None else Offer(Offered.STORED, entry)

    async def invalidate(
        self, uid: str, keys: Sequence[str], prefix: str, keep_for: float
    ) -> tuple[float, int]:
        """Record the invalidation of `uid` at Redis's time and drop its entries; returns
        (when, how many entries were dropped). Raises `CacheUnavailable` when Redis could not
        be updated."""
        if not self.available():
            raise CacheUnavailable(f"Redis at {self._url_for_humans} is unavailable")
        try:
            async with asyncio.timeout(self._timeout):
                at, dropped = await self._invalidate(
                    keys=[self._gen_key(uid), *map(self._key, keys)],
                    args=[max(1, round(keep_for))],
                )
                pattern = _glob_escape(self._key(prefix)) + "*"
                client = self._client
                async for found in client.scan_iter(match=pattern, count=500):
                    dropped += int(await client.delete(found))
                announcement = orjson.dumps({"uid": uid, "at": float(at)})
                await client.publish(self._key(INVALIDATIONS), announcement)
        except Exception as exc:
            self._failed("invalidate", exc)
            raise CacheUnavailable(
                f"Redis at {self._url_for_humans} could not be updated ({type(exc).__name__})"
            ) from None
        self._succeeded()
        return float(at), int(dropped)

    async def acquire(self, key: str, sent_at: float, ttl: float) -> Lock:
        """The lock on `key`'s fetch, or who holds it. Without Redis every replica is on its
        own: the lock is granted."""
        # The lock's value, and so its token: who holds it, and when its fetch was sent.
        token = f"{secrets.token_hex(8)} {sent_at!r}"
        if not self.available():
            return Lock(token)
        try:
            holder = await self._call(
                "acquire",
                self._lock(keys=[self._lock_key(key)], args=[token, max(1, round(ttl * 1000))]),
            )
        except _Failed:
            return Lock(token)
        return Lock(token) if holder is None else Lock(None, _holder_sent_at(holder))

    async def release(self, key: str, token: str) -> None:
        if self.available():
            with contextlib.suppress(_Failed):
                await self._call("release", self._release(keys=[self._lock_key(key)], args=[token]))

    async def holder(self, key: str) -> float | None:
        if not self.available():
            return None
        try:
            value = await self._call("holder", self._client.get(self._lock_key(key)))
        except _Failed:
            return None
        return None if value is None else _holder_sent_at(value)

    async def reference_time(self) -> tuple[float, float, float]:
        """Redis's clock, bracketed by two local monotonic readings: (before, time, after).
        Raises when Redis cannot be asked; either way, `healthy` says how it went (this is
        asked every 30 s, so an outage is noticed, and a recovery too, without traffic)."""
        before = time.monotonic()
        try:
            async with asyncio.timeout(self._timeout):
                seconds, microseconds = await self._client.time()
        except Exception as exc:
            self._failed("time", exc)
            raise
        self._succeeded()
        return before, seconds + microseconds / 1_000_000, time.monotonic()

    async def invalidations(self, stop: asyncio.Event) -> AsyncIterator[tuple[str, float] | None]:
        """Every invalidation any replica publishes, as (uid, when), and None each time the
        subscription is made (see `messages`)."""
        async for data in self.messages(INVALIDATIONS, stop):
            if data is None:
                yield None
                continue
            try:
                message = orjson.loads(data)
                yield str(message["uid"]), float(message["at"])
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                logger.warning("cache.bad_invalidation_message")

    async def messages(self, channel: str, stop: asyncio.Event) -> AsyncIterator[bytes | None]:
        """Every message published on `channel` (in this cache's namespace), and None each
        time the subscription is made (again: redis-py reconnects by itself), since messages
        published before then were not seen. Ends when `stop` is set (within
        `CHANNEL_POLL` seconds), or by raising when the connection fails.

        It polls rather than blocks because a blocked redis-py subscriber does not always
        give in to cancellation (seen with redis-py 8 while Redis restarts): stopping it
        must not hang the app's shutdown."""
        pubsub = self._client.pubsub()
        try:
            await pubsub.subscribe(self._key(channel))
            while not stop.is_set():
                message = await pubsub.get_message(timeout=CHANNEL_POLL)
                if message is None:
                    continue
                if message.get("type") == "subscribe":
                    yield None
                elif message.get("type") == "message":
                    yield message["data"]
        finally:
            await pubsub.aclose()

    async def publish(self, channel: str, data: bytes) -> bool:
        """Publish `data` on `channel`; False when Redis could not be asked."""
        if not self.available():
            return False
        try:
            await self._call("publish", self._client.publish(self._key(channel), data))
        except _Failed:
            return False
        return True

    async def lease(self, keys: Sequence[str], token: str, ttl: float) -> list[bool] | None:
        """Take or renew, for `token`, the lease of each key that nobody else holds, for
        `ttl` seconds: which ones `token` holds now; None when Redis could not be asked."""
        if not self.available():
            return None
        try:
            held = await self._call(
                "lease",
                self._lease(
                    keys=[self._key(lease_key(key)) for key in keys],
                    args=[token, max(1, round(ttl * 1000))],
                ),
            )
        except _Failed:
            return None
        return [bool(flag) for flag in held]

    async def give_up(self, keys: Sequence[str], token: str) -> None:
        """Drop the leases `token` holds among `keys`."""
        if keys and self.available():
            with contextlib.suppress(_Failed):
                await self._call(
                    "give_up",
                    self._give_up(keys=[self._key(lease_key(key)) for key in keys], args=[token]),
                )

    async def close(self) -> None:
        try:
            await self._redis.aclose(close_connection_pool=True)
        except Exception as exc:
            self._failed("close", exc)

    def describe(self) -> dict[str, object]:
        return {"backend": self.backend, "url": self._url_for_humans, "healthy": self.healthy}

    @property
    def _client(self) -> Any:
        return self._redis

    def _key(self, key: str) -> str:
        return namespaced(self._namespace, key)

    def _gen_key(self, uid: str) -> str:
        return self._key(invalidation_key(uid))

    def _lock_key(self, key: str) -> str:
        return self._key(lock_key(key))

    async def _call(self, operation: str, call: Awaitable[T]) -> T:
        """`call` within the timeout; `_Failed` (and Redis rests) when it fails."""
        try:
            async with asyncio.timeout(self._timeout):
                result = await call
        except Exception as exc:  # any backend failure is a miss (see the module docstring)
            self._failed(operation, exc)
            raise _Failed from None
        self._succeeded()
        return result

    def _succeeded(self) -> None:
        if not self.healthy:
            logger.info("cache.redis_back", url=self._url_for_humans)
            self.healthy = True
            if self.on_health_change is not None:
                self.on_health_change()

    def _failed(self, operation: str, exc: Exception, *, log: bool = True) -> None:
        self._resting_until = time.monotonic() + self._retry_after
        if self.healthy:
            if log:
                logger.warning(
                    "cache.redis_failed",
                    operation=operation,
                    url=self._url_for_humans,
                    error=self._cause(exc),
                )
            self.healthy = False
            if self.on_health_change is not None:
                self.on_health_change()

    def _cause(self, exc: BaseException) -> str:
        """Why a Redis call failed, in the words of the OS where it has them ("Connection
        refused", where redis-py repeats the event loop's "Connect call failed")."""
        if isinstance(exc, TimeoutError):
            return f"no answer within {self._timeout:g} s"
        seen: BaseException | None = exc
        while seen is not None:
            if isinstance(seen, OSError) and isinstance(seen.errno, int) and seen.errno > 0:
                return os.strerror(seen.errno)
            seen = seen.__cause__ or seen.__context__
        return str(exc) or type(exc).__name__


class _Failed(Exception):
    """A Redis call failed (already logged, and Redis set to rest)."""


#: The channel on which replicas announce invalidations to each other.
INVALIDATIONS = "invalidations"
#: Seconds a channel's follower waits for a message before it looks whether it should stop.
CHANNEL_POLL = 0.2


def _holder_sent_at(value: bytes | str) -> float | None:
    text = value.decode() if isinstance(value, bytes) else value
    try:
        return float(text.split(" ", 1)[1])
    except (IndexError, ValueError):
        return None


def _glob_escape(text: str) -> str:
    return "".join("\\" + ch if ch in "*?[]\\" else ch for ch in text)


_MODELS: dict[str, type[Model]] = {"d": Document, "r": Revision, "l": RevisionList}


def _encode(entry: CacheEntry) -> bytes:
    if entry.value is None:
        assert entry.absence is not None
        return orjson.dumps({"t": entry.sent_at, "a": entry.absence.value})
    # isinstance, not type(): an upstream may answer with a subclass of its own.
    kind = next(code for code, model in _MODELS.items() if isinstance(entry.value, model))
    value = entry.value.model_dump(mode="json", by_alias=True)
    return orjson.dumps({"t": entry.sent_at, "k": kind, "v": value})


def _decode(raw: bytes | str) -> CacheEntry | None:
    try:
        data = orjson.loads(raw)
        sent_at = float(data["t"])
        if "a" in data:
            return CacheEntry(None, sent_at, Absence(data["a"]))
        model = _MODELS[data["k"]]
        return CacheEntry(model.model_validate_json(orjson.dumps(data["v"])), sent_at)
    except Exception as exc:  # an entry we cannot read is a miss: it will be fetched again
        logger.warning("cache.undecodable_entry", error=type(exc).__name__)
        return None
