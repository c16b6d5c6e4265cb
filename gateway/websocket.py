"""GraphQL over WebSocket on `/graphql` (the graphql-transport-ws protocol): authentication
at `connection_init`, limits on subscriptions, keep-alive pings, text frames, and closes that
say why.

Strawberry runs the protocol; `GatewayTransportWSHandler` adds what a production service
needs around it:

- the client is authenticated as for a query, by the handshake's headers or, since a browser
  cannot set those, by the `connection_init` payload (`Authorization: Bearer ...` or
  `X-API-Key`, also under `headers`); refused: closed with 4403 and the reason;
- a process that holds `SubscriptionLimits.total` subscriptions closes new connections with
  1013 (try again later, e.g. on another replica); a subscription beyond the limits of its
  connection, its client or the process gets an `error` message that says which;
- a `ping` every `keepalive` seconds, so that proxies do not cut an idle subscription (the
  WebSocket-level pings of the server find dead peers);
- persisted operations and `GATEWAY_PERSISTED_ONLY` apply as over HTTP;
- messages are text frames, as the protocol asks (the view's JSON encoder gives bytes).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

import orjson
import structlog
from graphql import GraphQLError
from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    ErrorMessage,
    SubscribeMessage,
)

from gateway.auth import AuthenticationFailed, Forbidden, Identity, LaterAuthentication
from gateway.persisted import PersistedOperations, RequestRefused
from schema import Context
from schema.errors import ErrorCode

logger = structlog.get_logger("gateway.websocket")

#: How long a connection may stay open without `connection_init`.
CONNECTION_INIT_TIMEOUT = timedelta(seconds=10)
#: graphql-transport-ws close codes: the connection_init was refused; and WebSocket's own
#: "try again later" (RFC 6455, 7.4.1; IANA registry).
FORBIDDEN = 4403
TRY_AGAIN_LATER = 1013
#: A close frame's reason is at most 123 bytes of UTF-8.
MAX_REASON_BYTES = 123


@dataclass(frozen=True, slots=True)
class SubscriptionLimits:
    """How many operations (subscriptions, and queries in flight) a connection, a client
    (over all its connections) and the process may run; seconds between keep-alive pings."""

    per_connection: int = 100
    per_client: int = 1000
    total: int = 10_000
    keepalive: float = 15.0


class ConnectionObserver(Protocol):
    def websocket_connections(self, count: int) -> None:
        """How many connections are open now."""
        ...


class Connections:
    """The open GraphQL WebSocket connections of this process, by client: what the limits
    count. Made in the app's lifespan."""

    def __init__(
        self, limits: SubscriptionLimits, observer: ConnectionObserver | None = None
    ) -> None:
        self.limits = limits
        self._observer = observer
        self._by_client: dict[str, set[GatewayTransportWSHandler]] = {}

    def add(self, client: str, handler: GatewayTransportWSHandler) -> None:
        self._by_client.setdefault(client, set()).add(handler)
        self._report()

    def remove(self, client: str, handler: GatewayTransportWSHandler) -> None:
        handlers = self._by_client.get(client)
        if handlers is not None:
            handlers.discard(handler)
            if not handlers:
                del self._by_client[client]
        self._report()

    def _report(self) -> None:
        if self._observer is not None:
            self._observer.websocket_connections(self.open())

    def open(self) -> int:
        """How many connections are open."""
        return sum(len(handlers) for handlers in self._by_client.values())

    def operations(self, client: str | None = None) -> int:
        """How many operations run, for `client` or in all."""
        clients = [client] if client is not None else list(self._by_client)
        return sum(
            len(handler.operations) for name in clients for handler in self._by_client.get(name, ())
        )

    def refusal(self, client: str, handler: GatewayTransportWSHandler) -> str | None:
        """Why one more operation may not start on `handler`, or None."""
        limits = self.limits
        if len(handler.operations) >= limits.per_connection:
            return (
                f"at most {limits.per_connection} subscriptions per connection "
                "(GATEWAY_MAX_SUBSCRIPTIONS_PER_CONNECTION); complete one first"
            )
        if self.operations(client) >= limits.per_client:
            return (
                f"at most {limits.per_client} subscriptions per client over all its "
                "connections (GATEWAY_MAX_SUBSCRIPTIONS_PER_CLIENT); complete one first"
            )
        if self.operations() >= limits.total:
            return _full(limits.total)
        return None


def _full(total: int) -> str:
    return f"this gateway process holds its maximum of {total} subscriptions: try again later"


class TextFrames(ASGIWebSocketAdapter):
    """Sends each message as a text frame, as graphql-transport-ws asks."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(orjson.dumps(message).decode())
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class GatewayTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """Strawberry's graphql-transport-ws handler with the gateway's authentication, limits
    and keep-alive (see the module's docstring)."""

    client: str | None = None
    _keepalive: asyncio.Task[None] | None = None

    @property
    def _state(self) -> dict[str, Any]:
        ws: Any = getattr(self.websocket, "ws", None)
        return ws.scope.setdefault("state", {}) if ws is not None else {}

    @property
    def _persisted(self) -> PersistedOperations:
        persisted: PersistedOperations = getattr(self.view, "persisted")  # noqa: B009
        return persisted

    @property
    def _connections(self) -> Connections:
        connections: Connections = self._state["services"].connections
        return connections

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        payload = message.get("payload", {})
        if (
            self.connection_init_received
            or self.connection_timed_out
            or not isinstance(payload, dict)
        ):
            await super().handle_connection_init(message)  # Strawberry closes as it should
            return
        try:
            identity = await self._identity(payload or {})
        except (AuthenticationFailed, Forbidden) as refusal:
            logger.info("websocket.refused", reason=refusal.message)
            await self._close(FORBIDDEN, refusal.message)
            return
        connections = self._connections
        if connections.operations() >= connections.limits.total:
            logger.warning("websocket.overloaded", limit=connections.limits.total)
            await self._close(TRY_AGAIN_LATER, _full(connections.limits.total))
            return
        self.client = f"{identity.kind}:{identity.id}"
        connections.add(self.client, self)
        await super().handle_connection_init(message)
        if self.connection_acknowledged and connections.limits.keepalive > 0:
            self._keepalive = asyncio.create_task(self._ping(connections.limits.keepalive))

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if (
            self.client is not None
            and self.connection_acknowledged
            and message["id"] not in self.operations
        ):
            refusal = self._connections.refusal(self.client, self)
            if refusal is not None:
                await self._refuse(message, refusal, ErrorCode.RATE_LIMITED)
                return
            # Persisted and trusted documents: the same rules as over HTTP.
            payload = message["payload"]
            try:
                query = self._persisted.resolve(payload.get("query"), payload.get("extensions"))
            except RequestRefused as refused:
                await self._refuse(message, refused.message, refused.code)
                return
            if query is None:
                why = "the subscribe message has no query (nor a persisted query's hash)"
                await self._refuse(message, why, ErrorCode.BAD_USER_INPUT)
                return
            payload["query"] = query
        await super().handle_subscribe(message)

    async def _refuse(self, message: SubscribeMessage, why: str, code: ErrorCode) -> None:
        """Answer one operation with an `error` message (the connection stays open)."""
        error = GraphQLError(why, extensions={"code": code.value})
        await self.send_message(
            ErrorMessage(id=message["id"], type="error", payload=[error.formatted])
        )

    async def shutdown(self) -> None:
        if self._keepalive is not None:
            self._keepalive.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keepalive
        if self.client is not None:
            self._connections.remove(self.client, self)
        await super().shutdown()

    async def _identity(self, payload: dict[str, Any]) -> Identity:
        """Whose connection this is: the handshake's identity, else the payload's
        credentials'; `AuthenticationFailed` or `Forbidden` with the reason otherwise."""
        state = self._state
        identity: Identity | None = state.get("identity")
        if identity is not None:
            return identity
        later: LaterAuthentication = state["later_authentication"]
        headers = _credentials(payload)
        if not headers:
            raise AuthenticationFailed(
                later.refusal
                or "missing credentials: send them in the connection_init payload "
                '({"Authorization": "Bearer <key or token>"})'
            )
        return await later.authenticate(headers)

    async def _close(self, code: int, reason: str) -> None:
        if self.connection_init_timeout_task is not None:
            self.connection_init_timeout_task.cancel()
        encoded = reason.encode()
        if len(encoded) > MAX_REASON_BYTES:
            reason = encoded[: MAX_REASON_BYTES - 3].decode(errors="ignore") + "..."
        await self.websocket.close(code, reason)

    async def _ping(self, every: float) -> None:
        with contextlib.suppress(WebSocketDisconnected, RuntimeError):
            while True:
                await asyncio.sleep(every)
                await self.send_message({"type": "ping"})


#: The payload entries that carry credentials, by lower-case name, as the header they stand for.
_CREDENTIAL_ENTRIES = {"authorization": b"authorization", "x-api-key": b"x-api-key"}


def _credentials(payload: Mapping[str, Any]) -> list[tuple[bytes, bytes]]:
    """The credentials of a `connection_init` payload as request headers: `Authorization`
    or `X-API-Key` (any case), at the top or under `headers`, as GraphQL clients send them."""
    entries = dict(payload)
    nested = payload.get("headers")
    if isinstance(nested, Mapping):
        entries.update(nested)
    headers: list[tuple[bytes, bytes]] = []
    for name, value in entries.items():
        header = _CREDENTIAL_ENTRIES.get(str(name).lower())
        if header is not None and isinstance(value, str):
            headers.append((header, value.encode("latin-1", errors="replace")))
    return headers
