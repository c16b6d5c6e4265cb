"""The hang fault: holds API calls until it is cleared."""

from __future__ import annotations

import asyncio
from typing import Final

from starlette.types import Receive

from enovia.simulators.common.asgi import until_disconnected

# The longest a hung call waits: "forever", bounded so nothing waits past an hour.
HANG_LIMIT_SECONDS: Final = 3600.0


class HangGate:
    """While engaged, `hold` keeps a call waiting; `release` lets every held call go on.

    The event is created on engaging, inside the running loop, so a gate never binds to a
    loop that is gone. Not thread-safe: engage and release from the server's loop.
    """

    def __init__(self) -> None:
        self._released: asyncio.Event | None = None

    @property
    def engaged(self) -> bool:
        """Whether calls are being held."""
        return self._released is not None

    def engage(self) -> None:
        """Hold every call that reaches `hold` from now on (no-op when already engaged)."""
        if self._released is None:
            self._released = asyncio.Event()

    def release(self) -> None:
        """Let every held call go on, and stop holding new ones."""
        released, self._released = self._released, None
        if released is not None:
            released.set()

    async def hold(self, receive: Receive, limit: float) -> bool:
        """Wait while engaged, at most *limit* seconds; True when the client went away.

        A client that gives up (a timeout closes its connection) ends the wait at once, so
        abandoned calls do not pile up nor keep the server from shutting down.
        """
        released = self._released
        if released is None:
            return False
        waiters = (
            asyncio.ensure_future(released.wait()),
            asyncio.ensure_future(until_disconnected(receive)),
        )
        try:
            await asyncio.wait(waiters, timeout=limit, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
            # Reap both, so neither leaves a "never retrieved" exception behind.
            await asyncio.gather(*waiters, return_exceptions=True)
        disconnect = waiters[1]
        # Finished on its own (a disconnect, or receive failing): the client is gone.
        return disconnect.done() and not disconnect.cancelled()
