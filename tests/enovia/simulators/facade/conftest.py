"""Fixtures: a fresh simulator per test, reached in-process through httpx's ASGITransport."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from enovia.simulators.facade import SimulatorConfig, create_simulator_app
from tests.clocks import FakeClock
from tests.enovia.simulators.facade.helpers import get_token


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(clock: FakeClock) -> Starlette:
    return create_simulator_app(SimulatorConfig(), clock=clock)


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """An anonymous client (no token)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://enovia.test") as client:
        yield client


@pytest.fixture
async def api(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """The client with a valid bearer token, and the stats zeroed after getting it."""
    token = await get_token(client)
    client.headers["Authorization"] = f"Bearer {token}"
    assert (await client.post("/_sim/reset")).status_code == 200
    return client
