"""The store: freshness, time to live per kind, negative caching, single flight, stale-if-error,
and the one rule for what a request may use (sent-at stamps, the share window, invalidation)."""

from __future__ import annotations

import asyncio

import pytest

from enovia import Document, NotFound, UpstreamBadResponse, UpstreamUnavailable
from gateway.metrics import Metrics
from loaders import (
    Absence,
    CacheEntry,
    Freshness,
    Kind,
    MemoryCache,
    ResourceStore,
    StoreSettings,
    Timeline,
)
from loaders.keys import cache_key
from tests.clocks import FakeClock

#: Where the tests' clocks start: a wall-clock time (the timeline reads the same clock).
WALL = 1_700_000_000.0


class Upstream:
    """An ENOVIA stand-in for one document: counts fetches, can fail or be slow. Its answer
    is read when the fetch is sent (`version`), like a real answer that then travels."""

    def __init__(self) -> None:
        self.calls = 0
        self.version = "v1"
        self.failure: Exception | None = None
        self.gate: asyncio.Event | None = None

    async def fetch(self) -> Document:
        self.calls += 1
        failure, title = self.failure, self.version
        if self.gate is not None:
            await self.gate.wait()
        if failure is not None:
            raise failure
        return Document(id="D", title=title)


def make_store(clock: FakeClock, **settings: float) -> tuple[ResourceStore, Metrics]:
    metrics = Metrics()
    timeline = Timeline(monotonic=clock, wall=clock)
    store = ResourceStore(
        MemoryCache(100, monotonic=clock),
        StoreSettings(**settings),
        counters=metrics,
        timeline=timeline,
    )
    return store, metrics


async def test_live_then_cached_then_live_after_ttl():
    clock, upstream = FakeClock(WALL), Upstream()
    store, metrics = make_store(clock, ttl_document=60)
    first = await store.load(Kind.DOCUMENT, "D", None, upstream.fetch)
    assert first.freshness is Freshness.LIVE
    clock.now += 59
    second = await store.load(Kind.DOCUMENT, "D", None, upstream.fetch)
    assert second.freshness is Freshness.CACHED
    assert second.checked_at == first.checked_at
    assert upstream.calls == 1
    clock.now += 2
    third = await store.load(Kind.DOCUMENT, "D", None, upstream.fetch)
    assert third.freshness is Freshness.LIVE
    assert third.checked_at > first.checked_at
    assert upstream.calls == 2
    exposition = metrics.exposition().decode()
    assert 'gateway_cache_hits_total{freshness="CACHED",kind="document"} 1.0' in exposition
    assert 'gateway_cache_misses_total{kind="document"} 2.0' in exposition


async def test_max_age_zero_asks_enovia_now_beyond_the_share_window():
    clock, upstream = FakeClock(WALL), Upstream()
    store, _ = make_store(clock, share_window=0.1)
    await store.load(Kind.LATEST, "D", None, upstream.fetch)
    clock.now += 0.05
    shared = await store.load(Kind.LATEST, "D", None, upstream.fetch, max_age=0)
    assert shared.freshness is Freshness.LIVE  # a fetch of the same moment: shared
    assert upstream.calls == 1
    clock.now += 0.06
    again = await store.load(Kind.LATEST, "D", None, upstream.fetch, max_age=0)
    assert again.freshness is Freshness.LIVE
    assert upstream.calls == 2


async def test_a_share_window_of_zero_is_strict():
    clock, upstream = FakeClock(WALL), Upstream()
    store, _ = make_store(clock, share_window=0)
    await store.load(Kind.LATEST, "D", None, upstream.fetch)
    clock.now += 0.001
    await store.load(Kind.LATEST, "D", None, upstream.fetch, max_age=0)
    assert upstream.calls == 2


async def test_max_age_never_extends_the_ttl():
    clock, upstream = FakeClock(WALL), Upstream()
    store, _ = make_store(clock, ttl_latest=30)
    await store.load(Kind.LATEST, "D", None, upstream.fetch)
    clock.now += 45
    again = await store.load(Kind.LATEST, "D", None, upstream.fetch, max_age=600)
    assert again.freshness is Freshness.LIVE


async def test_ttl_is_per_kind():
    clock, upstream = FakeClock(WALL), Upstream()
    store, _ = make_store(clock, ttl_document=300, ttl_latest=10)
    await store.load(Kind.DOCUMENT, "D", None, upstream.fetch)
    await store.load(Kind.LATEST, "D", None, upstream.fetch)
    clock.now += 11
    assert (await store.load(Kind.DOCUMENT, "D", None, upstream.fetch)).freshness is (
        Freshness.CACHED
    )
    assert (await store.load(Kind.LATEST, "D", None, upstream.fetch)).freshness is Freshness.LIVE


async def test_stale_if_error_within_max_stale_then_an_error():
    clock, upstream = FakeClock(WALL), Upstream()
    store, metrics = make_store(clock, ttl_document=60, max_stale=100)
    fresh = await store.load(Kind.DOCUMENT, "D", None, upstream.fetch)
    upstream.failure = UpstreamUnavailable("ENOVIA answered 503")
    clock.now += 120
    stale = await store.load(Kind.DOCUMENT, "D", None, upstream.fetch)
    assert stale.freshness is Freshness.STALE
    assert stale.checked_at == fresh.checked_at
    assert stale.value is not None
    clock.now += 50  # 170 s old: past ttl + max_stale
    with pytest.raises(UpstreamUnavailable):
        await store.load(Kind.DOCUMENT, "D", None, upstream.fetch)
    assert 'freshness="STALE"' in metrics.exposition().decode()


async def test_errors_are_never_cached():
    clock, upstream = FakeClock(WALL), Upstream()
    store, _ = make_store(clock)
    upstream.failure = UpstreamBadResponse("bad")
    with pytest.raises(UpstreamBadResponse):
        await store.load(Kind.DOCUMENT, "D", None, upstream.fetch)
    upstream.failure = None
    loaded = await store.load(Kind.DOCUMENT, "D", None, upstream.fetch)
    assert loaded.freshness is Freshness.LIVE
    assert upstream.calls == 2


async def test_a_bad_response_does_not_serve_stale():
    clock, upstream = FakeClock(WALL), Upstream()
    store, _ = make_store(clock, ttl_document=1)
    await store.load(Kind.DOCUMENT, "D", None, upstream.fetch)
    clock.now += 2
    upstream.failure = UpstreamBadResponse("ENOVIA's document answer is malformed")
    with pytest.raises(UpstreamBadResponse):
        await store.load(Kind.DOCUMENT, "D", None, upstream.fetch)


async def test_not_found_is_remembered_briefly():
    clock, upstream = FakeClock(WALL), Upstream()
    store, _ = make_store(clock, not_found_ttl=5)
    upstream.failure = NotFound("no such document")
    missing = await store.load(Kind.DOCUMENT, "D", None, upstream.fetch)
    assert missing.value is None
    assert missing.absence is Absence.NOT_FOUND
    with pytest.raises(NotFound):
        missing.require("document 'D'", "D")
    clock.now += 4
    again = await store.load(Kind.DOCUMENT, "D", None, upstream.fetch)
    assert again.freshness is Freshness.CACHED
    assert upstream.calls == 1
    clock.now += 2
    upstream.failure = None
    found = await store.load(Kind.DOCUMENT, "D", None, upstream.fetch)
    assert found.value is not None
    assert upstream.calls == 2


async def test_concurrent_identical_loads_share_one_fetch():
    clock, upstream = FakeClock(WALL), Upstream()
    store, _ = make_store(clock)
    upstream.gate = asyncio.Event()
    loads = [
        asyncio.create_task(store.load(Kind.DOCUMENT, "D", None, upstream.fetch, max_age=0))
        for _ in range(200)
    ]
    await asyncio.sleep(0)
    upstream.gate.set()
    results = await asyncio.gather(*loads)
    assert upstream.calls == 1
    assert {result.freshness for result in results} == {Freshness.LIVE}


async def test_a_caller_giving_up_does_not_cancel_the_shared_fetch():
    clock, upstream = FakeClock(WALL), Upstream()
    store, _ = make_store(clock)
    upstream.gate = asyncio.Event()
    impatient = asyncio.create_task(store.load(Kind.DOCUMENT, "D", None, upstream.fetch))
    patient = asyncio.create_task(store.load(Kind.DOCUMENT, "D", None, upstream.fetch))
    await asyncio.sleep(0)
    impatient.cancel()
    upstream.gate.set()
    assert (await patient).value is not None
    assert upstream.calls == 1


async def test_a_fetch_sent_too_long_before_the_request_began_is_not_shared():
    """An answer travelling slowly (sent before a change in ENOVIA) does not answer a request
    made after the change: checkedAt is when it was sent, and the request fetches anew."""
    clock, upstream = FakeClock(WALL), Upstream()
    store, _ = make_store(clock, share_window=0.1)
    upstream.gate = asyncio.Event()
    early = asyncio.create_task(store.load(Kind.LATEST, "D", None, upstream.fetch, max_age=0))
    await asyncio.sleep(0)
    sent = clock.now
    clock.now += 0.4  # ENOVIA changes meanwhile; a new scan arrives
    upstream.version = "v2"
    late = asyncio.create_task(store.load(Kind.LATEST, "D", None, upstream.fetch, max_age=0))
    await asyncio.sleep(0)
    upstream.gate.set()
    first, second = await early, await late
    assert upstream.calls == 2
    assert second.value is not None
    assert second.value.title == "v2"
    assert second.checked_at.timestamp() == sent + 0.4
    # The early request may be answered by either fetch: both were sent after it began.
    assert first.checked_at.timestamp() in {sent, sent + 0.4}
    # The late answer of the earlier fetch never replaced the newer entry.
    assert (await store.load(Kind.LATEST, "D", None, upstream.fetch)).value == second.value


async def test_an_older_fetch_landing_last_does_not_replace_a_newer_entry():
    clock = FakeClock(WALL)
    store, _ = make_store(clock)
    slow, fast = Upstream(), Upstream()
    slow.gate = asyncio.Event()
    older = asyncio.create_task(store.load(Kind.DOCUMENT, "D", None, slow.fetch, max_age=0))
    await asyncio.sleep(0)
    clock.now += 1
    fast.version = "newer"
    newer = await store.load(Kind.DOCUMENT, "D", None, fast.fetch, max_age=0)
    slow.gate.set()
    await older
    held = await store.load(Kind.DOCUMENT, "D", None, fast.fetch)
    assert held.freshness is Freshness.CACHED
    assert held.value == newer.value


async def test_an_invalidation_during_a_fetch_sticks():
    clock, upstream = FakeClock(WALL), Upstream()
    store, _ = make_store(clock)
    upstream.gate = asyncio.Event()
    travelling = asyncio.create_task(store.load(Kind.REVISION, "D", "A", upstream.fetch))
    await asyncio.sleep(0)
    clock.now += 0.2
    await store.invalidate("D")
    clock.now += 0.2
    upstream.version = "v2"
    asked_after = asyncio.create_task(
        store.load(Kind.REVISION, "D", "A", upstream.fetch, max_age=60)
    )
    await asyncio.sleep(0)
    upstream.gate.set()
    await travelling
    after = await asked_after
    assert after.value is not None
    assert after.value.title == "v2"
    # The travelling answer was not stored either.
    again = await store.load(Kind.REVISION, "D", "A", upstream.fetch, max_age=60)
    assert again.value == after.value
    assert upstream.calls == 2


async def test_invalidation_drops_every_entry_of_the_document():
    clock, upstream = FakeClock(WALL), Upstream()
    store, _ = make_store(clock)
    for kind, label in [(Kind.DOCUMENT, None), (Kind.LATEST, None), (Kind.REVISION, "A")]:
        await store.load(kind, "D", label, upstream.fetch)
    await store.load(Kind.DOCUMENT, "E", None, upstream.fetch)
    assert await store.invalidate("D") == 3
    clock.now += 0.001
    for kind, label in [(Kind.DOCUMENT, None), (Kind.LATEST, None), (Kind.REVISION, "A")]:
        assert (await store.load(kind, "D", label, upstream.fetch)).freshness is Freshness.LIVE
    assert (await store.load(Kind.DOCUMENT, "E", None, upstream.fetch)).freshness is (
        Freshness.CACHED
    )


async def test_a_wall_clock_stepping_back_changes_no_age():
    clock, upstream = FakeClock(WALL), Upstream()
    wall = FakeClock(1_800_000_000.0)
    timeline = Timeline(monotonic=clock, wall=wall)
    store = ResourceStore(MemoryCache(10), StoreSettings(ttl_latest=30), timeline=timeline)
    first = await store.load(Kind.LATEST, "D", None, upstream.fetch)
    assert first.checked_at.timestamp() == 1_800_000_000.0
    wall.now -= 3600  # NTP steps the host's clock back an hour
    clock.now += 31
    again = await store.load(Kind.LATEST, "D", None, upstream.fetch)
    assert again.freshness is Freshness.LIVE  # 31 s old, whatever the wall clock says
    assert upstream.calls == 2


async def test_entries_carry_when_their_fetch_was_sent():
    clock, upstream = FakeClock(WALL), Upstream()
    store, _ = make_store(clock)
    upstream.gate = asyncio.Event()
    load = asyncio.create_task(store.load(Kind.DOCUMENT, "D", None, upstream.fetch))
    await asyncio.sleep(0)
    sent = clock.now
    clock.now += 5  # the answer takes 5 s to arrive
    upstream.gate.set()
    loaded = await load
    assert loaded.checked_at.timestamp() == sent
    lookup = await store.cache.read(cache_key(Kind.DOCUMENT, "D"), "D")
    assert lookup.entry == CacheEntry(loaded.value, sent)
