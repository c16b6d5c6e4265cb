"""Coalescing: every ask for a key made before its batch is sent is answered by one read,
and the reads of one batch go out together."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import time
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Any, Final, Generic, TypeVar

from opentelemetry import trace

from enovia._deadline import deadline_after, time_left
from enovia._errors import EnoviaError

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

#: Loop turns a batch may wait past the one it was started in while new keys keep coming:
#: a GraphQL request's loads reach the client a turn or two apart (the dataloaders'
#: dispatch, the store's tasks), and a burst of concurrent requests likewise.
EXTRA_TURNS: Final = 2

ReadMany = Callable[[list[K]], Awaitable[Mapping[K, V | EnoviaError]]]


class Coalescer(Generic[K, V]):
    """`get(key)` joins the batch being gathered; at the end of the next event-loop turn (or
    of up to `extra_turns` in all, while new keys keep arriving: never a timer) the batch is
    sent as one `read_many` of its distinct keys, and each caller gets its key's value or
    error.

    Only asks not yet sent are coalesced: a caller never gets the result of a read that went
    out before it asked (the cache above stamps each ask with when it was made, and the
    answer must come from a read sent after that). A key asked again while its read is out
    waits for the next batch.

    A batch runs in a context of its own, not the first caller's: it serves many requests.
    Its deadline is the latest of its callers' (none if any caller has none); each caller
    still stops waiting at its own. Its calls are traced in the trace of the caller that
    opened the batch (the span current there, when one is).
    """

    def __init__(self, read_many: ReadMany[K, V], *, extra_turns: int = EXTRA_TURNS) -> None:
        self._read_many = read_many
        self._extra_turns = extra_turns
        self._pending: dict[K, asyncio.Future[V]] = {}
        self._scheduled = False
        self._turns = 0
        self._seen = 0
        self._unbounded = False
        self._latest = 0.0
        self._opener: trace.Span = trace.INVALID_SPAN
        self._batches: set[asyncio.Task[None]] = set()

    async def get(self, key: K) -> V:
        future = self._pending.get(key)
        if future is None:
            loop = asyncio.get_running_loop()
            future = loop.create_future()
            future.add_done_callback(_seen)
            self._pending[key] = future
            if not self._scheduled:
                self._scheduled = True
                self._opener = trace.get_current_span()
                self._turns = 0
                self._seen = len(self._pending)
                loop.call_soon(self._tick, context=contextvars.Context())
        left = time_left()
        if left is None:
            self._unbounded = True
        else:
            self._latest = max(self._latest, time.monotonic() + left)
        # Shielded: a caller that gives up does not cancel the value the others wait for.
        return await asyncio.shield(future)

    async def aclose(self) -> None:
        """Cancel the batches in flight (their callers get CancelledError)."""
        batches = list(self._batches)
        for batch in batches:
            batch.cancel()
        await asyncio.gather(*batches, return_exceptions=True)

    def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        # One more turn always (the asks of one request reach the client a turn apart),
        # then more while new keys keep coming, `extra_turns` in all.
        arriving = self._turns == 0 or len(self._pending) > self._seen
        if arriving and self._turns < self._extra_turns:
            self._seen = len(self._pending)
            self._turns += 1
            loop.call_soon(self._tick, context=contextvars.Context())
            return
        batch, self._pending = self._pending, {}
        seconds = None if self._unbounded else max(0.0, self._latest - time.monotonic())
        opener, self._opener = self._opener, trace.INVALID_SPAN
        self._scheduled = False
        self._unbounded = False
        self._latest = 0.0
        task = loop.create_task(self._settle(batch, seconds, opener), context=contextvars.Context())
        self._batches.add(task)
        task.add_done_callback(self._batches.discard)

    async def _settle(
        self, batch: dict[K, asyncio.Future[V]], seconds: float | None, opener: trace.Span
    ) -> None:
        try:
            with deadline_after(seconds), _within(opener):
                results = await self._read_many(list(batch))
        except BaseException as exc:
            for future in batch.values():
                if not future.done():
                    if isinstance(exc, asyncio.CancelledError):
                        future.cancel()
                    else:
                        future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for key, future in batch.items():
            if future.done():
                continue
            result = results.get(key)
            if result is None:
                future.set_exception(RuntimeError("the batch read left out one of its keys"))
            elif isinstance(result, EnoviaError):
                future.set_exception(result)
            else:
                future.set_result(result)


def _within(span: trace.Span) -> contextlib.AbstractContextManager[object]:
    """`span` made current, when there is one (with tracing on)."""
    if not span.get_span_context().is_valid:
        return contextlib.nullcontext()
    return trace.use_span(
        span, end_on_exit=False, record_exception=False, set_status_on_exception=False
    )


def _seen(future: asyncio.Future[Any]) -> None:
    # When every caller of a key gave up, nobody retrieves its error: mark it as seen.
    if not future.cancelled():
        future.exception()
