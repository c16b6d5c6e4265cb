"""The gateway under pyinstrument, for `--profile`: an app factory for uvicorn.

Profiling starts with the first HTTP request (start-up and imports are left out) and stops
when uvicorn shuts the app down; the session is saved to `BENCH_PROFILE_TO`. The whole thread
is sampled (every 1 ms), event loop included, as pyinstrument's command line would.
"""

from __future__ import annotations

import os
from pathlib import Path

from pyinstrument import Profiler
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class ProfiledApp:
    def __init__(self, app: ASGIApp, session_path: Path) -> None:
        self._app = app
        self._session_path = session_path
        self._profiler: Profiler | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._app(scope, self._watching_shutdown(receive), send)
            return
        if self._profiler is None:
            self._profiler = Profiler(interval=0.001, async_mode="disabled")
            self._profiler.start()
        await self._app(scope, receive, send)

    def _watching_shutdown(self, receive: Receive) -> Receive:
        async def receiving() -> Message:
            message = await receive()
            if message["type"] == "lifespan.shutdown":
                self._save()
            return message

        return receiving

    def _save(self) -> None:
        if self._profiler is not None and self._profiler.is_running:
            self._profiler.stop().save(str(self._session_path))


def create_app() -> ASGIApp:
    from gateway.app import create_app_from_environment

    return ProfiledApp(create_app_from_environment(), Path(os.environ["BENCH_PROFILE_TO"]))
