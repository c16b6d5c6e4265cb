"""A graphql-transport-ws client over real WebSockets (the `websockets` package), as the
subscription tests use it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

PROTOCOL = "graphql-transport-ws"
#: Seconds a test waits for a message it expects: generous, so that a busy machine does not
#: fail a test; never reached when the gateway behaves.
WAIT = 20.0

ACTUALITY_CHANGED = """
subscription Watch($uid: ID!, $revision: String!) {
  actualityChanged(uid: $uid, revision: $revision) {
    isActual reason lastKnownReason freshness checkedAt businessStatus { code }
  }
}
"""

DOCUMENT_CHANGED = """
subscription Documents($uids: [ID!]!) {
  documentChanged(uids: $uids) { uid title latestRevision { revision } }
}
"""


def ws_url(http_url: str) -> str:
    return "ws" + http_url.removeprefix("http") + "/graphql"


class Connection:
    """One graphql-transport-ws connection: messages read in order, pings answered."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.pings = 0

    async def send(self, message: dict[str, Any]) -> None:
        await self.socket.send(json.dumps(message))

    async def receive(self, timeout: float = WAIT) -> dict[str, Any]:
        """The next message other than a ping (answered with a pong, and counted), within
        `timeout` seconds (pings do not extend it)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            async with asyncio.timeout_at(deadline):
                raw = await self.socket.recv()
            assert isinstance(raw, str), "graphql-transport-ws messages are text frames"
            message: dict[str, Any] = json.loads(raw)
            if message["type"] == "ping":
                self.pings += 1
                await self.send({"type": "pong"})
                continue
            return message

    async def subscribe(self, id: str, query: str, **variables: Any) -> None:
        await self.send(
            {"id": id, "type": "subscribe", "payload": {"query": query, "variables": variables}}
        )

    async def complete(self, id: str) -> None:
        await self.send({"id": id, "type": "complete"})

    async def event(self, id: str | None = None, timeout: float = WAIT) -> dict[str, Any]:
        """The payload of the next `next` message (of operation `id`, when given)."""
        message = await self.receive(timeout)
        assert message["type"] == "next", message
        if id is not None:
            assert message["id"] == id, message
        payload: dict[str, Any] = message["payload"]
        return payload

    async def quiet(self, seconds: float) -> None:
        """Assert that no message but pings comes within `seconds`."""
        try:
            message = await self.receive(timeout=seconds)
        except TimeoutError:
            return
        raise AssertionError(f"expected no message, got {message}")


@asynccontextmanager
async def opened(
    http_url: str,
    payload: dict[str, Any] | None = None,
    *,
    headers: dict[str, str] | None = None,
    acknowledged: bool = True,
) -> AsyncIterator[Connection]:
    """A connection to the gateway at `http_url`, initialised with `payload` (and, when
    `acknowledged`, checked to be acknowledged); closed on exit."""
    async with connect(
        ws_url(http_url),
        subprotocols=[PROTOCOL],
        additional_headers=headers or {},  # type: ignore[list-item]
    ) as socket:
        connection = Connection(socket)
        await connection.send({"type": "connection_init", "payload": payload or {}})
        if acknowledged:
            message = await connection.receive()
            assert message["type"] == "connection_ack", message
        yield connection
