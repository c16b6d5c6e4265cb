"""The Redis cache against a real redis-server: entries round-trip, expire, and a Redis that
goes away makes misses, never errors."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio

from gateway.enovia import Document, Revision
from loaders import CacheEntry, create_cache
from loaders.cache import FallbackCache, MemoryCache, RedisCache
from loaders.loaded import Absence
from tests.conftest import PATIENT_REDIS_TIMEOUT, RedisServer, free_port

pytestmark = pytest.mark.redis


async def test_entries_round_trip(redis_url: str):
    cache = create_cache(redis_url, max_entries=10, timeout=PATIENT_REDIS_TIMEOUT)
    assert isinstance(cache, FallbackCache)
    try:
        document = CacheEntry(Document(id="D", title="План"), fetched_at=123.5)
        revision = CacheEntry(
            Revision(id="r", revision="A", maturity_state="In Work", pages=3), fetched_at=124.0
        )
        missing = CacheEntry(None, fetched_at=125.0, absence=Absence.GONE)
        await cache.set("document:D", document, keep_for=60)
        await cache.set("revision:D\x00A", revision, keep_for=60)
        await cache.set("document:X", missing, keep_for=60)
        assert await cache.get("document:D") == document
        assert await cache.get("revision:D\x00A") == revision
        assert await cache.get("document:X") == missing
        assert await cache.get("document:nothing") is None
        await cache.delete("document:D")
        assert await cache.get("document:D") is None
        assert cache.describe()["healthy"] is True
    finally:
        await cache.close()


async def test_after_a_failure_redis_rests_instead_of_failing_every_lookup():
    cache = RedisCache(f"redis://127.0.0.1:{free_port()}/0", timeout=0.2, retry_after=60)
    try:
        assert await cache.get("document:D") is None
        assert not cache.available()  # the next lookups do not even try
    finally:
        await cache.close()


async def test_a_redis_that_is_not_there_is_a_miss_not_an_error():
    cache = RedisCache(f"redis://127.0.0.1:{free_port()}/0", timeout=0.2)
    try:
        await cache.set("document:D", CacheEntry(Document(id="D"), 1.0), keep_for=60)
        assert await cache.get("document:D") is None
        assert cache.describe()["healthy"] is False
    finally:
        await cache.close()


async def test_recovers_when_redis_comes_back(redis_server: RedisServer, redis_url: str):
    cache = RedisCache(redis_url, timeout=0.5, retry_after=0)
    try:
        await cache.set("document:D", CacheEntry(Document(id="D"), 1.0), keep_for=60)
        redis_server.stop()
        assert await cache.get("document:D") is None
        assert cache.describe()["healthy"] is False
        redis_server.start()
        await cache.set("document:D", CacheEntry(Document(id="D"), 2.0), keep_for=60)
        entry = await cache.get("document:D")
        assert entry is not None
        assert entry.fetched_at == 2.0
        assert cache.describe()["healthy"] is True
    finally:
        await cache.close()


async def test_delete_prefix_escapes_glob_characters(redis_url: str):
    cache = RedisCache(redis_url, timeout=PATIENT_REDIS_TIMEOUT)
    try:
        for key in ["revision:D*\x00A", "revision:D*\x00B", "revision:DX\x00A", "document:D*"]:
            await cache.set(key, CacheEntry(Document(id="D"), 1.0), keep_for=60)
        assert await cache.delete_prefix("revision:D*\x00") == 2
        assert await cache.get("revision:DX\x00A") is not None  # "*" was not a wildcard
        assert await cache.get("document:D*") is not None
    finally:
        await cache.close()


async def test_locks_are_exclusive_and_released_only_by_their_holder(redis_url: str):
    first, second = (
        RedisCache(redis_url, timeout=PATIENT_REDIS_TIMEOUT),
        RedisCache(redis_url, timeout=PATIENT_REDIS_TIMEOUT),
    )
    try:
        token = await first.acquire("document:D", ttl=5)
        assert token is not None
        assert await second.acquire("document:D", ttl=5) is None
        assert await second.locked("document:D")
        await second.release("document:D", "not-the-token")
        assert await first.locked("document:D")
        await first.release("document:D", token)
        assert not await first.locked("document:D")
        assert await second.acquire("document:D", ttl=5) is not None
    finally:
        await first.close()
        await second.close()


async def test_the_local_fallback_answers_while_redis_is_away(
    redis_server: RedisServer, redis_url: str
):
    cache = FallbackCache(RedisCache(redis_url, retry_after=0), MemoryCache(10))
    try:
        entry = CacheEntry(Document(id="D"), 1.0)
        await cache.set("document:D", entry, keep_for=60)
        redis_server.stop()
        assert await cache.get("document:D") == entry
        assert cache.describe()["healthy"] is False
        # While Redis is away a lock is granted to everyone: each replica fetches for itself.
        assert await cache.acquire("document:D", ttl=5) is not None
    finally:
        redis_server.start()
        await cache.close()


async def test_a_burst_waits_for_connections_instead_of_failing(redis_url: str):
    # What is tested is waiting for a free connection rather than failing with "too many
    # connections"; the timeout is generous so that a loaded machine does not fail it instead.
    cache = RedisCache(redis_url, max_connections=8, timeout=PATIENT_REDIS_TIMEOUT)
    try:
        entry = CacheEntry(Document(id="D"), 1.0)
        await asyncio.gather(*(cache.set(f"document:D{n}", entry, keep_for=60) for n in range(300)))
        found = await asyncio.gather(*(cache.get(f"document:D{n}") for n in range(300)))
        assert all(item == entry for item in found)
        assert cache.describe()["healthy"] is True
    finally:
        await cache.close()


async def test_a_redis_slower_than_the_timeout_is_a_miss(redis_url: str):
    entry = CacheEntry(Document(id="D"), 1.0)
    cache = create_cache(redis_url, max_entries=10, local_entries=1, timeout=0.2)
    pauser = redis.asyncio.Redis.from_url(redis_url)
    try:
        await cache.set("document:other", entry, keep_for=60)  # pushes D out of the local cache
        await pauser.set("enovia-gw:document:D", b"never read")
        # Redis holds every client's commands for 2 s: a real slow Redis, not a stand-in.
        await pauser.execute_command("CLIENT", "PAUSE", 2000, "ALL")
        assert await cache.get("document:D") is None
        assert cache.describe()["healthy"] is False
    finally:
        await pauser.execute_command("CLIENT", "UNPAUSE")
        await pauser.aclose()
        await cache.close()
