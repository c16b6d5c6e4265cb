"""Coalescing: the asks made before a batch is sent share one read; nothing sent earlier
answers a later ask."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import pytest

from enovia import EnoviaError, NotFound, deadline_after, time_left
from enovia.platform._batching import EXTRA_TURNS, Coalescer


class Reader:
    """Records each batch; answers `value-<key>`, NotFound for keys starting with `missing`.
    With `gate`, each read waits for it."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.deadlines: list[float | None] = []
        self.gate: asyncio.Event | None = None

    async def __call__(self, keys: list[str]) -> Mapping[str, str | EnoviaError]:
        self.batches.append(keys)
        self.deadlines.append(time_left())
        if self.gate is not None:
            await self.gate.wait()
        return {
            key: NotFound(f"no {key}") if key.startswith("missing") else f"value-{key}"
            for key in keys
        }


async def turns(n: int) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


async def test_asks_of_one_turn_share_one_read_per_distinct_key():
    reader = Reader()
    coalescer: Coalescer[str, str] = Coalescer(reader)
    results = await asyncio.gather(*(coalescer.get(key) for key in ["a", "b", "a", "c", "b"]))
    assert results == ["value-a", "value-b", "value-a", "value-c", "value-b"]
    assert reader.batches == [["a", "b", "c"]]


async def test_errors_stay_with_their_key():
    reader = Reader()
    coalescer: Coalescer[str, str] = Coalescer(reader)
    results = await asyncio.gather(
        coalescer.get("a"), coalescer.get("missing-1"), coalescer.get("b"), return_exceptions=True
    )
    assert results[0] == "value-a"
    assert isinstance(results[1], NotFound)
    assert results[2] == "value-b"
    assert len(reader.batches) == 1


async def test_asks_a_turn_or_two_later_join_the_batch():
    reader = Reader()
    coalescer: Coalescer[str, str] = Coalescer(reader)

    async def later(key: str, delay: int) -> str:
        await turns(delay)
        return await coalescer.get(key)

    await asyncio.gather(later("a", 0), later("b", 1), later("c", 2))
    assert reader.batches == [["a", "b", "c"]]


async def test_a_stream_of_new_keys_does_not_hold_a_batch_back_for_ever():
    reader = Reader()
    coalescer: Coalescer[str, str] = Coalescer(reader)

    async def later(key: str, delay: int) -> str:
        await turns(delay)
        return await coalescer.get(key)

    await asyncio.gather(*(later(f"k{n}", n) for n in range(10)))
    assert len(reader.batches[0]) == EXTRA_TURNS + 1
    assert sorted(key for batch in reader.batches for key in batch) == sorted(
        f"k{n}" for n in range(10)
    )


async def test_an_ask_made_while_its_key_is_being_read_waits_for_a_new_read():
    reader = Reader()
    reader.gate = asyncio.Event()
    coalescer: Coalescer[str, str] = Coalescer(reader)
    first = asyncio.ensure_future(coalescer.get("a"))
    await turns(EXTRA_TURNS + 3)
    assert reader.batches == [["a"]]  # sent, not answered yet
    second = asyncio.ensure_future(coalescer.get("a"))
    await turns(EXTRA_TURNS + 3)
    assert reader.batches == [["a"], ["a"]]
    reader.gate.set()
    assert await first == await second == "value-a"


async def test_a_caller_that_gives_up_does_not_cancel_the_others():
    reader = Reader()
    reader.gate = asyncio.Event()
    coalescer: Coalescer[str, str] = Coalescer(reader)
    impatient = asyncio.ensure_future(coalescer.get("a"))
    patient = asyncio.ensure_future(coalescer.get("a"))
    await turns(EXTRA_TURNS + 3)
    impatient.cancel()
    await turns(1)
    reader.gate.set()
    assert await patient == "value-a"
    assert impatient.cancelled()


async def test_a_failing_read_fails_every_caller_of_its_batch():
    async def broken(keys: list[str]) -> Mapping[str, str | EnoviaError]:
        raise RuntimeError("bug")

    coalescer: Coalescer[str, str] = Coalescer(broken)
    results = await asyncio.gather(coalescer.get("a"), coalescer.get("b"), return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)


async def test_a_read_that_leaves_a_key_out_fails_that_key():
    async def partial(keys: list[str]) -> Mapping[str, str | EnoviaError]:
        return {"a": "value-a"}

    coalescer: Coalescer[str, str] = Coalescer(partial)
    results = await asyncio.gather(coalescer.get("a"), coalescer.get("b"), return_exceptions=True)
    assert results[0] == "value-a"
    assert isinstance(results[1], RuntimeError)


async def test_the_batch_gets_the_latest_deadline_of_its_callers():
    reader = Reader()
    coalescer: Coalescer[str, str] = Coalescer(reader)

    async def within(key: str, seconds: float | None) -> str:
        with deadline_after(seconds):
            return await coalescer.get(key)

    await asyncio.gather(within("a", 5), within("b", 50))
    (deadline,) = reader.deadlines
    assert deadline is not None
    assert 40 < deadline <= 50
    await asyncio.gather(within("a", 5), within("b", None))
    assert reader.deadlines[1] is None


async def test_a_batch_does_not_run_in_its_first_callers_context():
    import contextvars

    marker: contextvars.ContextVar[str] = contextvars.ContextVar("marker", default="none")
    seen: list[str] = []

    async def read(keys: list[str]) -> Mapping[str, str | EnoviaError]:
        seen.append(marker.get())
        return dict.fromkeys(keys, "v")

    coalescer: Coalescer[str, str] = Coalescer(read)
    marker.set("request-1")
    await coalescer.get("a")
    assert seen == ["none"]


async def test_aclose_cancels_the_reads_in_flight():
    reader = Reader()
    reader.gate = asyncio.Event()
    coalescer: Coalescer[str, str] = Coalescer(reader)
    waiting = asyncio.ensure_future(coalescer.get("a"))
    await turns(EXTRA_TURNS + 3)
    await coalescer.aclose()
    with pytest.raises(asyncio.CancelledError):
        await waiting
