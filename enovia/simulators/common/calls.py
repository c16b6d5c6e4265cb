"""The steps a simulated call goes through: counted, paused, travelled, sent.

The order of a call's steps is each API's own; these are the steps themselves.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterable
from typing import Any

from starlette.types import Receive, Send

from enovia.simulators.common.asgi import Answer, until_disconnected
from enovia.simulators.common.state import FaultsT, SimulatorCore, StatsT

Answering = Coroutine[Any, Any, Answer | None]


async def serve(
    state: SimulatorCore[FaultsT, StatsT],
    template: str,
    path: str,
    send: Send,
    answering: Answering,
    *,
    headers: Iterable[tuple[bytes, bytes]] = (),
) -> None:
    """Count the call (and keep its `headers`), await its answer and send it (nothing when
    the client left)."""
    stats = state.stats
    stats.begin(template, path, headers)
    status: int | None = None
    try:
        answer = await answering
        if answer is not None:
            await answer.send(send)
            status = answer.status
    finally:
        stats.end(status)


async def pause(state: SimulatorCore[FaultsT, StatsT]) -> None:
    """Wait the latency (plus jitter) the faults ask for."""
    delay = state.delay()
    if delay > 0:
        await asyncio.sleep(delay)


async def travelled(
    state: SimulatorCore[FaultsT, StatsT], receive: Receive, answering: Answering
) -> Answer | None:
    """The answer, computed from the data at once and then held `wire_delay_ms` as a slow
    network would; None when the client left meanwhile (which ends the hold at once, so an
    abandoned call neither stays in flight nor keeps the server from shutting down)."""
    answer = await answering
    if answer is None:
        return None
    # Read after computing: the delay in force when the answer sets off is the one it gets.
    delay = state.faults.wire_delay_ms / 1000
    if delay <= 0:
        return answer
    try:
        await asyncio.wait_for(until_disconnected(receive), delay)
    except TimeoutError:
        return answer
    return None
