"""Stamps: a peeked entry is "still current" until its time to live ends or it is replaced."""

from __future__ import annotations

import gc

from enovia import Document
from gateway.response_cache import ResponseCache
from loaders import Kind, MemoryCache, ResourceStore, Stamp, StoreSettings, Timeline
from tests.clocks import FakeClock
from tests.loaders.test_store import WALL


def make_store(clock: FakeClock, **settings: float) -> ResourceStore:
    return ResourceStore(
        MemoryCache(10, monotonic=clock),
        StoreSettings(**settings),
        timeline=Timeline(monotonic=clock, wall=clock),
    )


async def fetch_document() -> Document:
    return Document(id="D")


async def test_still_current_until_the_ttl_or_a_newer_entry():
    clock = FakeClock(WALL)
    store = make_store(clock, ttl_document=60)
    assert store.peek(Kind.DOCUMENT, "D") is None
    await store.load(Kind.DOCUMENT, "D", None, fetch_document)
    peeked = store.peek(Kind.DOCUMENT, "D")
    assert peeked is not None
    _, stamp = peeked
    assert stamp is not None
    assert store.still_current([stamp])
    clock.now += 60
    assert not store.still_current([stamp])
    assert store.peek(Kind.DOCUMENT, "D") is None
    await store.load(Kind.DOCUMENT, "D", None, fetch_document)  # a newer entry
    assert not store.still_current([stamp])


async def test_max_age_shortens_a_stamp():
    clock = FakeClock(WALL)
    store = make_store(clock, ttl_latest=60, share_window=0)
    await store.load(Kind.LATEST, "D", None, fetch_document)
    peeked = store.peek(Kind.LATEST, "D", max_age=5)
    assert peeked is not None
    clock.now += 5
    stamp = peeked[1]
    assert stamp is not None
    assert not store.still_current([stamp])
    assert store.peek(Kind.LATEST, "D", max_age=0) is None  # 0: never from the cache


async def test_an_answer_shared_within_the_window_is_live_and_never_stamped():
    clock = FakeClock(WALL)
    store = make_store(clock, share_window=0.1)
    await store.load(Kind.LATEST, "D", None, fetch_document)
    clock.now += 0.05
    peeked = store.peek(Kind.LATEST, "D", max_age=0)
    assert peeked is not None
    loaded, stamp = peeked
    assert loaded.freshness.value == "LIVE"
    assert stamp is None


async def test_the_response_cache_replays_only_current_answers():
    clock = FakeClock(WALL)
    store = make_store(clock, ttl_document=60)
    responses = ResponseCache(store, max_entries=2, max_bytes=10_000)
    await store.load(Kind.DOCUMENT, "D", None, fetch_document)
    peeked = store.peek(Kind.DOCUMENT, "D")
    assert peeked is not None
    key = ResponseCache.key(b'{"query": "{ document }"}')
    assert key is not None
    stamp = peeked[1]
    assert stamp is not None
    responses.put(key, {"document": {"uid": "D"}}, "Card", [stamp])
    replay = responses.get(key)
    assert replay is not None
    assert replay.body == b'{"data":{"document":{"uid":"D"}}}'
    assert replay.operation_name == "Card"
    clock.now += 61
    assert responses.get(key) is None
    assert len(responses) == 0
    responses.put(key, {"x": 1}, None, [])  # nothing from ENOVIA behind it: not kept
    assert len(responses) == 0
    assert ResponseCache.key(b"x" * 5000) is None  # too large a body to be a key


async def cached_document_stamp(store: ResourceStore) -> Stamp:
    """The stamp of document D, fetched into `store`'s cache and peeked."""
    await store.load(Kind.DOCUMENT, "D", None, fetch_document)
    peeked = store.peek(Kind.DOCUMENT, "D")
    assert peeked is not None
    assert peeked[1] is not None
    return peeked[1]


async def test_the_response_cache_is_bounded_in_bytes():
    clock = FakeClock(WALL)
    store = make_store(clock, ttl_document=60)
    responses = ResponseCache(store, max_entries=100, max_bytes=200)
    stamps = [await cached_document_stamp(store)]
    keys = [ResponseCache.key(f'{{"query": "{{ d{n}: document }}"}}'.encode()) for n in range(6)]
    for n, key in enumerate(keys):
        assert key is not None
        responses.put(key, {f"d{n}": {"uid": "D"}}, None, stamps)
        responses.put(key, {f"d{n}": {"uid": "D"}}, None, stamps)  # replacing counts once
    assert responses.size_in_bytes <= 200
    assert len(responses) == 3  # 3 x (29-byte key + 27-byte answer) fit in 200; older ones dropped
    assert responses.get(keys[0]) is None
    assert responses.get(keys[-1]) is not None
    big = ResponseCache.key(b'{"query": "{ big }"}')
    assert big is not None
    responses.put(big, {"x": "y" * 300}, None, stamps)  # larger than the whole budget
    assert responses.get(big) is None
    assert len(responses) == 3


async def test_kept_stamps_cost_the_cycle_collector_nothing():
    clock = FakeClock(WALL)
    store = make_store(clock, ttl_document=60)
    responses = ResponseCache(store, max_entries=2, max_bytes=10_000)
    stamp = await cached_document_stamp(store)
    key = ResponseCache.key(b'{"query": "{ document }"}')
    assert key is not None
    responses.put(key, {"document": {"uid": "D"}}, "Card", [stamp] * 200)
    gc.collect()  # where CPython stops tracking tuples of strings and numbers
    replay = responses.get(key)
    assert replay is not None
    assert len(replay.stamps) == 200
    assert not any(gc.is_tracked(stamp) for stamp in replay.stamps)
    gc.collect()  # the tuple of them, once they are untracked
    assert not gc.is_tracked(replay.stamps)
