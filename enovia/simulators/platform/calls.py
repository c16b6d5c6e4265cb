"""What every 3DPassport and 3DSpace call goes through: counted, paused, maybe held, sent.

The order of a call's steps is each API's own (see `passport` and `space`); these are the
steps themselves.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, Final

from starlette.types import Receive, Send

from enovia.simulators.facade.asgi import Answer
from enovia.simulators.platform.state import PlatformState

# The longest a hung call waits: "forever", bounded so nothing waits past an hour.
HANG_LIMIT_SECONDS: Final = 3600.0

Answering = Coroutine[Any, Any, Answer | None]


async def serve(
    state: PlatformState, template: str, path: str, send: Send, answering: Answering
) -> None:
    """Count the call, await its answer and send it (nothing when the client left)."""
    stats = state.stats
    stats.begin(template, path)
    status: int | None = None
    try:
        answer = await answering
        if answer is not None:
            await answer.send(send)
            status = answer.status
    finally:
        stats.end(status)


async def pause(state: PlatformState) -> None:
    """Wait the latency (plus jitter) the faults ask for."""
    delay = state.delay()
    if delay > 0:
        await asyncio.sleep(delay)


async def _until_disconnected(receive: Receive) -> None:
    # A held call's request body does not matter; only the disconnect does.
    while (await receive())["type"] != "http.disconnect":
        pass


async def travelled(state: PlatformState, receive: Receive, answering: Answering) -> Answer | None:
    """The answer, computed from the data at once and then held `wire_delay_ms` as a slow
    network would; None when the client left meanwhile (which ends the hold at once)."""
    answer = await answering
    if answer is None:
        return None
    # Read after computing: the delay in force when the answer sets off is the one it gets.
    delay = state.faults.wire_delay_ms / 1000
    if delay <= 0:
        return answer
    try:
        await asyncio.wait_for(_until_disconnected(receive), delay)
    except TimeoutError:
        return answer
    return None
