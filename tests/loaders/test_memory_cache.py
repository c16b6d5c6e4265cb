"""The in-memory cache is bounded (least recently used goes first) and expires entries."""

from __future__ import annotations

from gateway.enovia import Document
from loaders import CacheEntry, MemoryCache


def entry(n: int) -> CacheEntry:
    return CacheEntry(Document(id=f"D{n}"), fetched_at=float(n))


async def test_it_never_holds_more_than_its_bound():
    cache = MemoryCache(max_entries=100)
    for n in range(10_000):
        await cache.set(f"document:D{n}", entry(n), keep_for=3600)
    assert len(cache) == 100
    assert await cache.get("document:D9999") is not None
    assert await cache.get("document:D0") is None


async def test_least_recently_used_is_evicted_first():
    cache = MemoryCache(max_entries=2)
    await cache.set("a", entry(1), keep_for=3600)
    await cache.set("b", entry(2), keep_for=3600)
    assert await cache.get("a") is not None  # a is now the most recent
    await cache.set("c", entry(3), keep_for=3600)
    assert await cache.get("b") is None
    assert await cache.get("a") is not None


async def test_entries_expire_after_keep_for():
    cache = MemoryCache(max_entries=10)
    await cache.set("gone", entry(1), keep_for=0)
    assert await cache.get("gone") is None
    assert cache.describe() == {"backend": "memory", "entries": 0, "max": 10}


async def test_delete():
    cache = MemoryCache(max_entries=10)
    await cache.set("a", entry(1), keep_for=60)
    await cache.delete("a", "missing")
    assert await cache.get("a") is None
