"""Subscriptions over real WebSockets against a gateway on the simulator."""

from __future__ import annotations

from tests.gateway.conftest import Simulator, StartGateway
from tests.gateway.ws_client import ACTUALITY_CHANGED, opened


async def test_the_first_event_is_the_verdict_now(sim: Simulator, start_gateway: StartGateway) -> None:
    gateway = start_gateway(gateway_watch_interval=0.5)
    async with opened(gateway.url) as connection:
        await connection.subscribe("1", ACTUALITY_CHANGED, uid="DOC-001", revision="B")
        event = await connection.event("1")
        assert event["data"]["actualityChanged"]["reason"] == "CURRENT"
