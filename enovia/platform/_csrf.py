"""One session's CSRF token, which 3DSpace wants on every POST."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from enovia.platform._answers import CsrfToken


class CsrfHolder:
    """Fetched once, when the session's first POST needs it, and shared by the POSTs that
    need it meanwhile; kept for the session (the SDK keeps it 55 minutes, but it lives as
    long as the session); dropped when 3DSpace refuses it, so that the next POST fetches
    another. A failed fetch is not kept either: the next POST tries again.
    """

    __slots__ = ("_fetch",)

    def __init__(self) -> None:
        self._fetch: asyncio.Future[CsrfToken] | None = None

    async def get(self, fetch: Callable[[], Awaitable[CsrfToken]]) -> CsrfToken:
        """The token; `fetch` asks 3DSpace for one when none is held or coming."""
        if self._fetch is None:
            task = asyncio.ensure_future(fetch())
            task.add_done_callback(self._landed)
            self._fetch = task
        # Shielded: a caller that gives up does not cancel the fetch the others wait on.
        return await asyncio.shield(self._fetch)

    def refused(self, token: CsrfToken) -> None:
        """3DSpace refused `token`: forget it, unless another was fetched meanwhile."""
        held = self._fetch
        if held is not None and held.done() and _result(held) is token:
            self._fetch = None

    @property
    def held(self) -> bool:
        return self._fetch is not None and self._fetch.done() and _result(self._fetch) is not None

    def _landed(self, task: asyncio.Future[CsrfToken]) -> None:
        if _result(task) is None and self._fetch is task:
            self._fetch = None


def _result(task: asyncio.Future[CsrfToken]) -> CsrfToken | None:
    """The fetched token; None when the fetch failed or was cancelled (its error is then
    marked as seen: the callers that waited on it had it raised)."""
    if task.cancelled() or task.exception() is not None:
        return None
    return task.result()
