"""The in-memory cache is bounded (least recently used goes first), expires entries, never
lets an older fetch replace a newer one, and refuses what was sent before an invalidation."""

from __future__ import annotations

from enovia import Document
from loaders import CacheEntry, MemoryCache
from loaders.cache import Offered
from loaders.keys import Kind, cache_key, document_keys


def entry(n: float, title: str = "") -> CacheEntry:
    return CacheEntry(Document(id="D", title=title or None), sent_at=float(n))


async def held(cache: MemoryCache, key: str, uid: str = "D") -> CacheEntry | None:
    return (await cache.read(key, uid)).valid_entry()


async def test_it_never_holds_more_than_its_bound():
    cache = MemoryCache(max_entries=100)
    for n in range(10_000):
        await cache.offer(cache_key(Kind.DOCUMENT, f"D{n}"), f"D{n}", entry(n), keep_for=3600)
    assert len(cache) == 100
    assert await held(cache, cache_key(Kind.DOCUMENT, "D9999"), "D9999") is not None
    assert await held(cache, cache_key(Kind.DOCUMENT, "D0"), "D0") is None


async def test_least_recently_used_is_evicted_first():
    cache = MemoryCache(max_entries=2)
    await cache.offer("a", "a", entry(1), keep_for=3600)
    await cache.offer("b", "b", entry(2), keep_for=3600)
    assert await held(cache, "a", "a") is not None  # a is now the most recent
    await cache.offer("c", "c", entry(3), keep_for=3600)
    assert await held(cache, "b", "b") is None
    assert await held(cache, "a", "a") is not None


async def test_entries_expire_after_keep_for():
    cache = MemoryCache(max_entries=10)
    await cache.offer("gone", "D", entry(1), keep_for=0)
    assert await held(cache, "gone") is None
    assert cache.describe() == {"backend": "memory", "entries": 0, "max": 10}


async def test_an_older_fetch_never_replaces_a_newer_entry():
    cache = MemoryCache(max_entries=10)
    newer, older = entry(2, "newer"), entry(1, "older")
    assert (await cache.offer("k", "D", newer, keep_for=60)).outcome is Offered.STORED
    offer = await cache.offer("k", "D", older, keep_for=60)
    assert offer.outcome is Offered.NEWER_HELD
    assert offer.held == newer
    assert await held(cache, "k") == newer


async def test_nothing_sent_before_an_invalidation_is_stored_or_served():
    cache = MemoryCache(max_entries=10)
    document, other = cache_key(Kind.DOCUMENT, "D"), cache_key(Kind.DOCUMENT, "E")
    await cache.offer(document, "D", entry(1), keep_for=60)
    await cache.offer(cache_key(Kind.REVISION, "D", "A"), "D", entry(1), keep_for=60)
    await cache.offer(other, "E", entry(1), keep_for=60)
    dropped = await cache.invalidate("D", *document_keys("D"), at=5.0)
    assert dropped == 2
    refused = await cache.offer(document, "D", entry(4), keep_for=60)
    assert refused.outcome is Offered.INVALIDATED
    assert refused.invalidated_at == 5.0
    assert await held(cache, document) is None
    assert (await cache.offer(document, "D", entry(6), keep_for=60)).outcome is (Offered.STORED)
    assert await held(cache, other, "E") is not None  # other documents kept
