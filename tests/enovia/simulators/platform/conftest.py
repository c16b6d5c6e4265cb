"""Fixtures: a fresh platform simulator per test, reached over real HTTP.

One uvicorn server (in a thread) serves the whole session; each test's simulator is
switched in behind it, so every test gets its own state and fake clock without paying for a
server start.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from starlette.types import Receive, Scope, Send

from enovia.simulators.platform import PlatformSimulatorConfig, create_platform_simulator_app
from gateway.serving import serve_in_thread
from tests.clocks import FakeClock
from tests.enovia.simulators.platform.helpers import Platform


class Switchboard:
    """An ASGI app handing every HTTP request to its current `target`.

    It answers the server's lifespan itself; the targets' own shutdown (releasing hung
    calls) is the fixture's to call.
    """

    def __init__(self) -> None:
        self.target: Callable[[Scope, Receive, Send], object] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        assert self.target is not None, "no simulator switched in"
        await self.target(scope, receive, send)  # type: ignore[misc]


@pytest.fixture(scope="session")
def switchboard() -> Iterator[tuple[Switchboard, str]]:
    board = Switchboard()
    with serve_in_thread(board) as url:
        yield board, url


PlatformFactory = Callable[..., Platform]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_platform(
    switchboard: tuple[Switchboard, str], clock: FakeClock
) -> Iterator[PlatformFactory]:
    """Switch a new simulator in: `make_platform(config=None)`; the last one made serves."""
    board, url = switchboard
    made: list[Platform] = []

    def make(config: PlatformSimulatorConfig | None = None) -> Platform:
        app = create_platform_simulator_app(config, clock=clock)
        board.target = app
        platform = Platform(url, clock, app.state.simulator)
        made.append(platform)
        return platform

    yield make
    board.target = None
    for platform in made:
        platform.state.shutdown()
        platform.close()


@pytest.fixture
def platform(make_platform: PlatformFactory) -> Platform:
    """A simulator with the default config."""
    return make_platform()
