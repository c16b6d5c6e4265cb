"""The Redis cache against a real redis-server: entries round-trip and expire; an older fetch
never replaces a newer entry; an invalidation is recorded on Redis's clock, refuses what was
sent before it and reaches every replica's local cache; a Redis that goes away makes misses,
never errors, except for an invalidation, which must say it failed."""

from __future__ import annotations

import asyncio
import time

import pytest
import redis.asyncio

from enovia import Document, Revision
from loaders import CacheEntry, CacheUnavailable, Timeline, create_cache
from loaders.cache import Offered
from loaders.fallback_cache import FallbackCache
from loaders.keys import Kind, cache_key, document_keys, revisions_prefix
from loaders.memory_cache import MemoryCache
from loaders.redis_cache import RedisCache
from loaders.results import Absence
from tests.conftest import PATIENT_REDIS_TIMEOUT, RedisServer

pytestmark = pytest.mark.redis

DEADLINE = 10.0

#: The keys of document D and of its revision A.
DOCUMENT = cache_key(Kind.DOCUMENT, "D")
REVISION = cache_key(Kind.REVISION, "D", "A")


def fallback(redis_url: str, **options: float) -> FallbackCache:
    cache = create_cache(
        redis_url, max_entries=10, timeline=Timeline(), timeout=PATIENT_REDIS_TIMEOUT, **options
    )
    assert isinstance(cache, FallbackCache)
    return cache


async def test_entries_round_trip(redis_url: str):
    cache = RedisCache(redis_url, timeout=PATIENT_REDIS_TIMEOUT)
    try:
        document = CacheEntry(Document(id="D", title="План"), sent_at=123.5)
        revision = CacheEntry(
            Revision(id="r", revision="A", maturity_state="In Work", pages=3), sent_at=124.0
        )
        missing = CacheEntry(None, sent_at=125.0, absence=Absence.GONE)
        await cache.offer(DOCUMENT, "D", document, keep_for=60)
        await cache.offer(REVISION, "D", revision, keep_for=60)
        await cache.offer(cache_key(Kind.DOCUMENT, "X"), "X", missing, keep_for=60)
        assert (await cache.read(DOCUMENT, "D")).entry == document
        assert (await cache.read(REVISION, "D")).entry == revision
        assert (await cache.read(cache_key(Kind.DOCUMENT, "X"), "X")).entry == missing
        assert (await cache.read(cache_key(Kind.DOCUMENT, "nothing"), "nothing")).entry is None
        assert cache.describe()["healthy"] is True
    finally:
        await cache.close()


async def test_an_older_fetch_never_replaces_a_newer_entry_whoever_writes_it(redis_url: str):
    first, second = (
        RedisCache(redis_url, timeout=PATIENT_REDIS_TIMEOUT),
        RedisCache(redis_url, timeout=PATIENT_REDIS_TIMEOUT),
    )
    try:
        newer = CacheEntry(Document(id="D", title="newer"), sent_at=1_800_000_002.25)
        older = CacheEntry(Document(id="D", title="older"), sent_at=1_800_000_002.125)
        assert (await first.offer(DOCUMENT, "D", newer, 60)).outcome is Offered.STORED
        offer = await second.offer(DOCUMENT, "D", older, 60)
        assert offer.outcome is Offered.NEWER_HELD
        assert offer.held == newer
        assert (await second.read(DOCUMENT, "D")).entry == newer
    finally:
        await first.close()
        await second.close()


async def test_an_invalidation_is_on_redis_clock_and_refuses_earlier_fetches(redis_url: str):
    cache = RedisCache(redis_url, timeout=PATIENT_REDIS_TIMEOUT)
    try:
        before, now, after = await cache.reference_time()
        assert before <= after
        assert abs(now - time.time()) < 5  # Redis runs on this machine's clock
        sent = CacheEntry(Document(id="D"), sent_at=now - 1)
        await cache.offer(DOCUMENT, "D", sent, 60)
        await cache.offer(REVISION, "D", sent, 60)
        at, dropped = await cache.invalidate("D", *document_keys("D"), 60)
        assert dropped == 2
        assert at >= now
        lookup = await cache.read(DOCUMENT, "D")
        assert lookup.entry is None
        assert lookup.invalidated_at == at
        refused = await cache.offer(DOCUMENT, "D", sent, 60)
        assert refused.outcome is Offered.INVALIDATED
        assert refused.invalidated_at == at
        later = CacheEntry(Document(id="D"), sent_at=at + 0.001)
        assert (await cache.offer(DOCUMENT, "D", later, 60)).outcome is Offered.STORED
    finally:
        await cache.close()


async def test_after_a_failure_redis_rests_instead_of_failing_every_lookup(unreachable: str):
    cache = RedisCache(f"redis://{unreachable}/0", timeout=0.2, retry_after=60)
    try:
        assert (await cache.read(DOCUMENT, "D")).entry is None
        assert not cache.available()  # the next lookups do not even try
    finally:
        await cache.close()


async def test_an_invalidation_that_cannot_reach_redis_fails_loudly(unreachable: str):
    cache = RedisCache(f"redis://{unreachable}/0", timeout=0.2)
    try:
        with pytest.raises(CacheUnavailable, match="could not be updated"):
            await cache.invalidate("D", [DOCUMENT], revisions_prefix("D"), 60)
        with pytest.raises(CacheUnavailable, match="unavailable"):  # while it rests too
            await cache.invalidate("D", [DOCUMENT], revisions_prefix("D"), 60)
    finally:
        await cache.close()


async def test_recovers_when_redis_comes_back(redis_server: RedisServer, redis_url: str):
    cache = RedisCache(redis_url, timeout=0.5, retry_after=0)
    try:
        await cache.offer(DOCUMENT, "D", CacheEntry(Document(id="D"), 1.0), 60)
        redis_server.stop()
        assert (await cache.read(DOCUMENT, "D")).entry is None
        assert cache.describe()["healthy"] is False
        redis_server.start()
        await cache.offer(DOCUMENT, "D", CacheEntry(Document(id="D"), 2.0), 60)
        entry = (await cache.read(DOCUMENT, "D")).entry
        assert entry is not None
        assert entry.sent_at == 2.0
        assert cache.describe()["healthy"] is True
    finally:
        await cache.close()


async def test_invalidation_escapes_glob_characters(redis_url: str):
    cache = RedisCache(redis_url, timeout=PATIENT_REDIS_TIMEOUT)
    try:
        other = cache_key(Kind.REVISION, "DX", "A")
        for key, uid in [
            (cache_key(Kind.REVISION, "D*", "A"), "D*"),
            (cache_key(Kind.REVISION, "D*", "B"), "D*"),
            (other, "DX"),
        ]:
            await cache.offer(key, uid, CacheEntry(Document(id="D"), 1.0), 60)
        _, dropped = await cache.invalidate("D*", [], revisions_prefix("D*"), 60)
        assert dropped == 2
        assert (await cache.read(other, "DX")).entry is not None  # "*" is no wildcard
    finally:
        await cache.close()


async def test_locks_are_exclusive_say_who_holds_them_and_are_released_by_their_holder(
    redis_url: str,
):
    first, second = (
        RedisCache(redis_url, timeout=PATIENT_REDIS_TIMEOUT),
        RedisCache(redis_url, timeout=PATIENT_REDIS_TIMEOUT),
    )
    try:
        lock = await first.acquire(DOCUMENT, sent_at=12.5, ttl=5)
        assert lock.token is not None
        refused = await second.acquire(DOCUMENT, sent_at=13.0, ttl=5)
        assert refused.token is None
        assert refused.holder_sent_at == 12.5
        assert await second.holder(DOCUMENT) == 12.5
        await second.release(DOCUMENT, "not-the-token")
        assert await first.holder(DOCUMENT) == 12.5
        await first.release(DOCUMENT, lock.token)
        assert await first.holder(DOCUMENT) is None
        assert (await second.acquire(DOCUMENT, sent_at=14.0, ttl=5)).token is not None
    finally:
        await first.close()
        await second.close()


async def test_the_local_fallback_answers_while_redis_is_away(
    redis_server: RedisServer, redis_url: str
):
    cache = FallbackCache(RedisCache(redis_url, retry_after=0), MemoryCache(10), Timeline())
    await cache.open()
    try:
        entry = CacheEntry(Document(id="D"), time.time())
        await cache.offer(DOCUMENT, "D", entry, keep_for=60)
        redis_server.stop()
        assert (await cache.read(DOCUMENT, "D")).entry == entry
        assert cache.describe()["healthy"] is False
        # While Redis is away a lock is granted to everyone: each replica fetches for itself.
        assert (await cache.acquire(DOCUMENT, sent_at=1.0, ttl=5)).token is not None
        # ...but an invalidation cannot be promised: it fails, and says so.
        with pytest.raises(CacheUnavailable):
            await cache.invalidate("D", [DOCUMENT], revisions_prefix("D"), at=time.time())
        assert (await cache.read(DOCUMENT, "D")).entry is None  # dropped here at least
    finally:
        redis_server.start()
        await cache.close()


async def test_an_invalidation_reaches_every_replicas_local_cache(
    redis_server: RedisServer, redis_url: str
):
    first, second = fallback(redis_url), fallback(redis_url)
    await first.open()
    await second.open()
    try:
        entry = CacheEntry(Document(id="D"), time.time() - 1)
        await second.offer(DOCUMENT, "D", entry, keep_for=60)
        assert second.local.read_now(DOCUMENT, "D").entry == entry
        await first.invalidate("D", *document_keys("D"), time.time())
        deadline = time.monotonic() + DEADLINE
        while second.local.read_now(DOCUMENT, "D").entry is not None:
            assert time.monotonic() < deadline, "the invalidation never reached the replica"
            await asyncio.sleep(0.01)  # waiting for Redis to deliver the announcement
        # With Redis gone, the replica's local cache has nothing old to answer from.
        redis_server.stop()
        assert (await second.read(DOCUMENT, "D")).valid_entry() is None
    finally:
        redis_server.start()
        await first.close()
        await second.close()


async def test_the_timeline_follows_redis_clock(redis_url: str):
    skewed = Timeline(wall=lambda: time.time() - 5)  # a host whose clock is 5 s behind
    cache = create_cache(redis_url, 10, timeline=skewed, timeout=PATIENT_REDIS_TIMEOUT)
    assert abs(skewed.late() - time.time() + 5) < 0.5
    await cache.open()
    try:
        assert skewed.aligned
        assert abs(skewed.late() - time.time()) < 0.5
        assert skewed.early() <= skewed.late()
    finally:
        await cache.close()


async def test_a_burst_waits_for_connections_instead_of_failing(redis_url: str):
    # What is tested is waiting for a free connection rather than failing with "too many
    # connections"; the timeout is generous so that a loaded machine does not fail it instead.
    cache = RedisCache(redis_url, max_connections=8, timeout=PATIENT_REDIS_TIMEOUT)
    try:
        entry = CacheEntry(Document(id="D"), 1.0)
        await asyncio.gather(
            *(
                cache.offer(cache_key(Kind.DOCUMENT, f"D{n}"), f"D{n}", entry, 60)
                for n in range(300)
            )
        )
        found = await asyncio.gather(
            *(cache.read(cache_key(Kind.DOCUMENT, f"D{n}"), f"D{n}") for n in range(300))
        )
        assert all(item.entry == entry for item in found)
        assert cache.describe()["healthy"] is True
    finally:
        await cache.close()


async def test_a_redis_slower_than_the_timeout_is_a_miss(redis_url: str):
    cache = RedisCache(redis_url, timeout=0.2)
    pauser = redis.asyncio.Redis.from_url(redis_url)
    try:
        await pauser.set(cache._key(DOCUMENT), b"never read")
        # Redis holds every client's commands for 2 s: a real slow Redis, not a stand-in.
        await pauser.execute_command("CLIENT", "PAUSE", 2000, "ALL")
        assert (await cache.read(DOCUMENT, "D")).entry is None
        assert cache.describe()["healthy"] is False
    finally:
        await pauser.execute_command("CLIENT", "UNPAUSE")
        await pauser.aclose()
        await cache.close()
