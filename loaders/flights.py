"""The fetches this process has in flight, each with when it was sent."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Generic, TypeVar

V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class Flight(Generic[V]):
    """One fetch, shared by whoever may use what it brings (see `ResourceStore`)."""

    sent_at: float
    task: asyncio.Task[V]

    async def outcome(self) -> V:
        """What the fetch brings. Shielded: a caller that gives up (a deadline, a closed
        connection) does not cancel it for the others, and it still completes for the cache."""
        return await asyncio.shield(self.task)


class Flights(Generic[V]):
    """The newest fetch in flight per key. Unlike plain single flight, a caller may start a
    new fetch while an older one of the same key is still out (the older one was sent too
    long before the caller's request began to answer it): the older one then completes for
    its own callers, and the new one is the one later callers find."""

    def __init__(self) -> None:
        self._newest: dict[str, Flight[V]] = {}

    def __len__(self) -> int:
        return len(self._newest)

    def newest(self, key: str) -> Flight[V] | None:
        return self._newest.get(key)

    def start(self, key: str, sent_at: float, fetch: Awaitable[V]) -> Flight[V]:
        """Run `fetch` (sent at `sent_at`) as the newest flight of `key`."""
        flight = Flight(sent_at, asyncio.ensure_future(fetch))
        self._newest[key] = flight
        flight.task.add_done_callback(lambda _: self._land(key, flight))
        return flight

    def _land(self, key: str, flight: Flight[V]) -> None:
        if self._newest.get(key) is flight:
            del self._newest[key]
        if not flight.task.cancelled():
            # Mark the outcome as seen: when every caller gave up, nobody else will.
            flight.task.exception()
