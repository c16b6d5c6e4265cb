"""The access log: one event per HTTP request, and one per WebSocket connection when it ends.

`http.access` says what was asked and how it ended: method, path, the GraphQL operation's name
and outcome (the GraphQL layer notes them in `scope["state"]`, see `note_operation`), the
status, how long it took, the request id (`X-Request-ID`) and, when the caller authenticated,
its client id. A request answered from a cache leaves a line like any other, so an id a
client reports can always be found.

`websocket.access` says the same of a GraphQL WebSocket when it closes: its path, close code,
how long it was open and the client id.

Errors (a status of 400 or more, GraphQL errors, no answer at all, an abnormal close) are
always logged; a `sample` of the others (1.0: all, 0: none). Rendering an event costs more
than the warm path itself, so nothing is built unless it will be written: the sample is drawn
first, then the level checked.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, MutableMapping
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.auth.identity import Identity

logger = structlog.get_logger("gateway.access")

#: The keys of `scope["state"]` the GraphQL layer fills (`note_operation`).
OPERATION = "graphql_operation"
OUTCOME = "graphql_outcome"
#: Close codes of a WebSocket that ended as it should: normal, going away, no code given.
_NORMAL_CLOSES = frozenset({1000, 1001, 1005})


def note_operation(
    state: MutableMapping[str, Any], operation_name: str | None, outcome: str
) -> None:
    """Tell the access log of the request whose `scope["state"]` is `state` which GraphQL
    operation it ran and how that ended: `ok`, `partial` (data and errors) or `error`."""
    state[OPERATION] = operation_name
    state[OUTCOME] = outcome


class OperationNotes:
    """An operation observer (`schema.context.OperationObserver`) for one HTTP request: notes
    the operation in the request's state (`note_operation`) and passes everything on to
    `observer` (the app's metrics)."""

    __slots__ = ("_observer", "_state")

    def __init__(self, observer: Any, state: MutableMapping[str, Any]) -> None:
        self._observer = observer
        self._state = state

    def graphql_request(self, operation_name: str | None, outcome: str, duration: float) -> None:
        note_operation(self._state, operation_name, outcome)
        if self._observer is not None:
            self._observer.graphql_request(operation_name, outcome, duration)

    def __getattr__(self, name: str) -> Any:
        # Whatever else the observer is told (subscriptions, verdicts), as it is.
        return getattr(self._observer, name)


class AccessLogMiddleware:
    """Pure ASGI middleware, installed inside `RequestIdMiddleware` (the request id is bound)
    and outside authentication (its refusals are logged too).

    `sample` is the share of successful requests logged (0..1); errors always are. `draw`
    draws the sample: a number in [0, 1) (tests inject theirs)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        sample: float = 1.0,
        draw: Callable[[], float] = random.random,
    ) -> None:
        if not 0.0 <= sample <= 1.0:
            raise ValueError(f"sample must be between 0 and 1, not {sample}")
        self.app = app
        self._sample = sample
        self._draw = draw

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status: int | None = None

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        except Exception:
            if status is None:
                status = 500  # what the server answers for an exception before an answer
            raise
        finally:
            state = scope.get("state") or {}
            outcome = state.get(OUTCOME)
            failed = status is None or status >= 400 or outcome not in (None, "ok")
            if self._chosen(failed):
                fields: dict[str, Any] = {
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,  # None: the client left before an answer
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "request_id": state.get("request_id"),
                }
                if OPERATION in state:
                    fields["operation"] = state[OPERATION]
                    fields["graphql_outcome"] = outcome
                _add_client(fields, state)
                logger.info("http.access", **fields)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        code: int | None = None  # the close code, or the status of a refused handshake

        async def send_noting_close(message: Message) -> None:
            nonlocal code
            kind = message["type"]
            if kind == "websocket.close" and code is None:
                code = int(message.get("code") or 1000)
            elif kind == "websocket.http.response.start" and code is None:
                code = int(message["status"])
            await send(message)

        async def receive_noting_close() -> Message:
            nonlocal code
            message = await receive()
            if message["type"] == "websocket.disconnect" and code is None:
                code = int(message.get("code") or 1005)
            return message

        try:
            await self.app(scope, receive_noting_close, send_noting_close)
        finally:
            failed = code is None or code not in _NORMAL_CLOSES
            if self._chosen(failed):
                fields: dict[str, Any] = {
                    "path": scope["path"],
                    "close_code": code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                }
                _add_client(fields, scope.get("state") or {})
                logger.info("websocket.access", **fields)

    def _chosen(self, failed: bool) -> bool:
        """Whether this request's event is written: always for a failure, else by the sample;
        and only when INFO is logged at all (asked last: it costs more than the draw)."""
        if not failed:
            sample = self._sample
            if sample <= 0.0 or (sample < 1.0 and self._draw() >= sample):
                return False
        return bool(logger.is_enabled_for(logging.INFO))


def _add_client(fields: dict[str, Any], state: MutableMapping[str, Any]) -> None:
    """The client id of an authenticated caller (an anonymous one's is only its address)."""
    identity = state.get("identity")
    if isinstance(identity, Identity) and identity.kind != "anonymous":
        fields["client_id"] = identity.id
