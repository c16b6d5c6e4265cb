"""The store: freshness, time to live per kind, negative caching, single flight, stale-if-error."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from gateway.enovia import Document, NotFound, UpstreamBadResponse, UpstreamUnavailable
from gateway.metrics import Metrics
from loaders import CacheEntry, Freshness, Kind, MemoryCache, ResourceStore, StoreSettings
from loaders.landed import RecentlyLanded
from loaders.loaded import Absence


@dataclass
class Clock:
    now: float = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


class Upstream:
    """An ENOVIA stand-in for one document: counts fetches, can fail or be slow."""

    def __init__(self) -> None:
        self.calls = 0
        self.failure: Exception | None = None
        self.gate: asyncio.Event | None = None

    async def fetch(self) -> Document:
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.failure is not None:
            raise self.failure
        return Document(id="D", title=f"version {self.calls}")


def make_store(clock: Clock, **settings: float) -> tuple[ResourceStore, Metrics]:
    metrics = Metrics()
    store = ResourceStore(
        MemoryCache(100), StoreSettings(**settings), counters=metrics, clock=clock
    )
    return store, metrics


async def test_live_then_cached_then_live_after_ttl():
    clock, upstream = Clock(), Upstream()
    store, metrics = make_store(clock, ttl_document=60)
    first = await store.load(Kind.DOCUMENT, "D", upstream.fetch)
    assert first.freshness is Freshness.LIVE
    clock.now += 59
    second = await store.load(Kind.DOCUMENT, "D", upstream.fetch)
    assert second.freshness is Freshness.CACHED
    assert second.checked_at == first.checked_at
    assert upstream.calls == 1
    clock.now += 2
    third = await store.load(Kind.DOCUMENT, "D", upstream.fetch)
    assert third.freshness is Freshness.LIVE
    assert third.checked_at > first.checked_at
    assert upstream.calls == 2
    exposition = metrics.exposition().decode()
    assert 'gateway_cache_hits_total{freshness="CACHED",kind="document"} 1.0' in exposition
    assert 'gateway_cache_misses_total{kind="document"} 2.0' in exposition


async def test_max_age_zero_asks_enovia_now():
    clock, upstream = Clock(), Upstream()
    store, _ = make_store(clock)
    await store.load(Kind.LATEST, "D", upstream.fetch)
    again = await store.load(Kind.LATEST, "D", upstream.fetch, max_age=0)
    assert again.freshness is Freshness.LIVE
    assert upstream.calls == 2


async def test_max_age_never_extends_the_ttl():
    clock, upstream = Clock(), Upstream()
    store, _ = make_store(clock, ttl_latest=30)
    await store.load(Kind.LATEST, "D", upstream.fetch)
    clock.now += 45
    again = await store.load(Kind.LATEST, "D", upstream.fetch, max_age=600)
    assert again.freshness is Freshness.LIVE


async def test_ttl_is_per_kind():
    clock, upstream = Clock(), Upstream()
    store, _ = make_store(clock, ttl_document=300, ttl_latest=10)
    await store.load(Kind.DOCUMENT, "D", upstream.fetch)
    await store.load(Kind.LATEST, "D", upstream.fetch)
    clock.now += 11
    assert (await store.load(Kind.DOCUMENT, "D", upstream.fetch)).freshness is Freshness.CACHED
    assert (await store.load(Kind.LATEST, "D", upstream.fetch)).freshness is Freshness.LIVE


async def test_stale_if_error_within_max_stale_then_an_error():
    clock, upstream = Clock(), Upstream()
    store, metrics = make_store(clock, ttl_document=60, max_stale=100)
    fresh = await store.load(Kind.DOCUMENT, "D", upstream.fetch)
    upstream.failure = UpstreamUnavailable("ENOVIA answered 503")
    clock.now += 120
    stale = await store.load(Kind.DOCUMENT, "D", upstream.fetch)
    assert stale.freshness is Freshness.STALE
    assert stale.checked_at == fresh.checked_at
    assert stale.value is not None
    clock.now += 50  # 170 s old: past ttl + max_stale
    with pytest.raises(UpstreamUnavailable):
        await store.load(Kind.DOCUMENT, "D", upstream.fetch)
    assert 'freshness="STALE"' in metrics.exposition().decode()


async def test_errors_are_never_cached():
    clock, upstream = Clock(), Upstream()
    store, _ = make_store(clock)
    upstream.failure = UpstreamBadResponse("bad")
    with pytest.raises(UpstreamBadResponse):
        await store.load(Kind.DOCUMENT, "D", upstream.fetch)
    upstream.failure = None
    loaded = await store.load(Kind.DOCUMENT, "D", upstream.fetch)
    assert loaded.freshness is Freshness.LIVE
    assert upstream.calls == 2


async def test_a_bad_response_does_not_serve_stale():
    clock, upstream = Clock(), Upstream()
    store, _ = make_store(clock, ttl_document=1)
    await store.load(Kind.DOCUMENT, "D", upstream.fetch)
    clock.now += 2
    upstream.failure = UpstreamBadResponse("ENOVIA's document answer is malformed")
    with pytest.raises(UpstreamBadResponse):
        await store.load(Kind.DOCUMENT, "D", upstream.fetch)


async def test_not_found_is_remembered_briefly():
    clock, upstream = Clock(), Upstream()
    store, _ = make_store(clock, not_found_ttl=5)
    upstream.failure = NotFound("no such document")
    missing = await store.load(Kind.DOCUMENT, "D", upstream.fetch)
    assert missing.value is None
    assert missing.absence is Absence.NOT_FOUND
    with pytest.raises(NotFound):
        missing.require("document 'D'")
    clock.now += 4
    again = await store.load(Kind.DOCUMENT, "D", upstream.fetch)
    assert again.freshness is Freshness.CACHED
    assert upstream.calls == 1
    clock.now += 2
    upstream.failure = None
    found = await store.load(Kind.DOCUMENT, "D", upstream.fetch)
    assert found.value is not None
    assert upstream.calls == 2


async def test_concurrent_identical_loads_share_one_fetch():
    clock, upstream = Clock(), Upstream()
    store, _ = make_store(clock)
    upstream.gate = asyncio.Event()
    loads = [
        asyncio.create_task(store.load(Kind.DOCUMENT, "D", upstream.fetch)) for _ in range(200)
    ]
    await asyncio.sleep(0)
    upstream.gate.set()
    results = await asyncio.gather(*loads)
    assert upstream.calls == 1
    assert {result.freshness for result in results} == {Freshness.LIVE}


async def test_a_caller_giving_up_does_not_cancel_the_shared_fetch():
    clock, upstream = Clock(), Upstream()
    store, _ = make_store(clock)
    upstream.gate = asyncio.Event()
    impatient = asyncio.create_task(store.load(Kind.DOCUMENT, "D", upstream.fetch))
    patient = asyncio.create_task(store.load(Kind.DOCUMENT, "D", upstream.fetch))
    await asyncio.sleep(0)
    impatient.cancel()
    upstream.gate.set()
    assert (await patient).value is not None
    assert upstream.calls == 1


async def test_forget_drops_the_entry():
    clock, upstream = Clock(), Upstream()
    store, _ = make_store(clock)
    await store.load(Kind.DOCUMENT, "D", upstream.fetch)
    await store.forget(Kind.DOCUMENT, "D")
    assert (await store.load(Kind.DOCUMENT, "D", upstream.fetch)).freshness is Freshness.LIVE


async def test_asking_now_shares_a_fetch_that_landed_after_the_request_was_made():
    clock, upstream = Clock(), Upstream()
    store, _ = make_store(clock)
    asked_at = store.now()  # a request is made; a burst keeps it from its lookup meanwhile
    clock.now += 0.01
    first = await store.load(Kind.LATEST, "D", upstream.fetch, max_age=0)
    clock.now += 0.01
    late = await store.load(Kind.LATEST, "D", upstream.fetch, max_age=0, asked_at=asked_at)
    assert upstream.calls == 1
    assert late.freshness is Freshness.LIVE
    assert late.checked_at == first.checked_at
    # A request made after that fetch landed asks ENOVIA again.
    after = await store.load(Kind.LATEST, "D", upstream.fetch, max_age=0, asked_at=store.now())
    assert after.freshness is Freshness.LIVE
    assert upstream.calls == 2


async def test_only_this_process_fetches_count_as_landed():
    clock, upstream = Clock(), Upstream()
    store, _ = make_store(clock)
    asked_at = store.now()
    clock.now += 0.01
    # Written by another replica (through a shared cache), stamped by its clock.
    await store.cache.set("latest:D", CacheEntry(Document(id="D"), clock.now), keep_for=60)
    found = await store.load(Kind.LATEST, "D", upstream.fetch, max_age=0, asked_at=asked_at)
    assert found.freshness is Freshness.LIVE
    assert upstream.calls == 1


async def test_invalidation_drops_what_landed():
    clock, upstream = Clock(), Upstream()
    store, _ = make_store(clock)
    asked_at = store.now()
    await store.load(Kind.LATEST, "D", upstream.fetch, max_age=0)
    await store.load(Kind.REVISION, "D\x00A", upstream.fetch, max_age=0)
    await store.invalidate("D")
    await store.load(Kind.LATEST, "D", upstream.fetch, max_age=0, asked_at=asked_at)
    await store.load(Kind.REVISION, "D\x00A", upstream.fetch, max_age=0, asked_at=asked_at)
    assert upstream.calls == 4


def test_recently_landed_keeps_the_newest_keys_only():
    landed = RecentlyLanded(max_keys=2)
    for n, key in enumerate(["a", "b", "c"]):
        landed.put(key, CacheEntry(Document(id=key), float(n)))
    assert landed.since("a", 0.0) is None
    assert landed.since("b", 1.0) is not None
    assert landed.since("c", 2.5) is None  # landed before that request was made
