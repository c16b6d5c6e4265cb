"""How the gateway's HTTP server treats connections (docs/connections.md).

uvicorn bounds only the idle time between requests (`timeout_keep_alive`, armed after a
response): a client that opens a connection and never completes its request's headers, or its
body, is held for ever, and httptools gathers a request head of any size. `GuardedHttpProtocol`
(uvicorn's httptools protocol, with a guard) bounds the rest:

- the head (request line and headers) must arrive within `header_timeout` of the connection
  opening, or of the first bytes of the next request on a kept-alive connection, and be at most
  `max_header_bytes` (431 beyond);
- the body must arrive within `body_timeout` of the end of the head;
- on a timeout, a client that sent part of a request is answered 408 and the connection is
  closed; one that sent nothing is closed without an answer;
- one worker process holds at most `max_connections` connections and runs at most as many
  requests: the next connection is answered 503 (with `Retry-After`) at once and closed, and so
  is a request while that many still run (those of clients that went away included).

Refusals have the body of the gateway's other refusals (`schema.errors.error_document`).
WebSockets (`GatewayWebSocketProtocol`) are closed on shutdown with 1012 and a reason.
`uvicorn_options` turns the settings into the keyword arguments of `uvicorn.run` and
`uvicorn.Config`: `enovia-gateway serve` and the tests run the same.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from uvicorn.server import ServerState

from gateway.settings import Settings
from schema.errors import ErrorCode, error_document

# How long a connection stays half-open after its last answer, until the client's next bytes
# (read and dropped) or its end of file: closing with a request unread makes the kernel reset
# the connection, and a reset can destroy the answer before the client reads it.
LINGER_SECONDS = 1.0
# At most this many connections refused for the limit linger at once; the next are closed as
# soon as answered, so that a flood holds no more file descriptors than the limit and these.
LINGERING_REFUSALS = 50
# What a 503 tells the client to wait: connections and requests free up in about that time.
RETRY_AFTER_SECONDS = 1

Phase = Literal["head", "body", "between", "closing"]


@dataclass(frozen=True)
class ConnectionLimits:
    """The bounds `GuardedHttpProtocol` holds each connection to (seconds, counts, bytes)."""

    header_timeout: float
    body_timeout: float
    keep_alive_timeout: float
    max_connections: int
    max_header_bytes: int

    @classmethod
    def from_settings(cls, settings: Settings) -> ConnectionLimits:
        return cls(
            header_timeout=settings.gateway_header_timeout,
            body_timeout=settings.gateway_body_timeout,
            keep_alive_timeout=settings.gateway_keep_alive_timeout,
            max_connections=settings.gateway_max_connections,
            max_header_bytes=settings.gateway_max_header_bytes,
        )


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The keyword arguments of `uvicorn.run`/`uvicorn.Config` that apply the connection
    settings: the guarded protocol (httptools) and uvicorn's own keep-alive timeout.

    uvicorn's `limit_concurrency` is not set, the guard applies GATEWAY_MAX_CONNECTIONS itself
    (uvicorn's answers text/plain, and only once a request's headers are in, so connections
    beyond the limit would still be held); nor is `h11_max_incomplete_event_size`, h11 is not
    used (the guard bounds the request head). Everything here pickles, as the Config must to
    reach the processes of `--workers`.
    """
    limits = ConnectionLimits.from_settings(settings)
    return {
        "http": functools.partial(GuardedHttpProtocol, limits=limits),
        "ws": GatewayWebSocketProtocol,
        "timeout_keep_alive": limits.keep_alive_timeout,
    }


#: What a WebSocket is told when the gateway shuts down (with 1012, "service restart").
SHUTDOWN_REASON = "the gateway is shutting down: reconnect (another replica will answer)"


class GatewayWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's WebSocket protocol, whose close on shutdown says why (uvicorn's has no
    reason): a client's log then tells a restart from a failure."""

    def shutdown(self) -> None:
        if self.handshake_complete and not self.close_sent:
            self.stop_keepalive()
            self.queue.put_nowait({"type": "websocket.disconnect", "code": 1012})
            self.conn.send_close(1012, SHUTDOWN_REASON)
            self.close_sent = True
            self.transport.write(b"".join(self.conn.data_to_send()))
            self.transport.close()
            return
        super().shutdown()


class GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with bounded time and size for each request's head and
    body, and a bounded number of connections and requests (see the module's docstring).

    A connection is in one phase at a time, with at most one timer: `head` (waiting for a
    request's headers: header timer), `body` (headers in, body not all in: body timer),
    `between` (the request is answered, or the connection idles: uvicorn's keep-alive timer),
    `closing` (answered for the last time: linger timer).
    """

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        limits: ConnectionLimits,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = limits
        self.gateway_app: ASGIApp = self.app
        # uvicorn's own check (a text/plain 503) would come before the guard's.
        self.limit_concurrency = None
        self.phase: Phase = "between"
        self.timer: asyncio.TimerHandle | None = None
        self.head_bytes = 0  # received since the current head began (whole reads)
        self.heard = False  # whether any of the current request has arrived

    # The connection.

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        # This one included; refused connections stay counted while they linger.
        over = len(self.connections) - self.limits.max_connections
        if over > 0:
            self.logger.warning("Refused a connection: %d are open.", len(self.connections) - 1)
            message = (
                f"the gateway holds its most connections at once ({self.limits.max_connections})"
                f": try again in {RETRY_AFTER_SECONDS} s"
            )
            self._answer_and_close(
                503,
                message,
                ErrorCode.RATE_LIMITED,
                retry_after=True,
                linger=over <= LINGERING_REFUSALS,
            )
            return
        self._begin_head()

    def data_received(self, data: bytes) -> None:
        if self.phase == "closing":
            # Answered for the last time: what came is dropped, and with nothing unread left the
            # connection closes cleanly.
            self.transport.close()
            return
        if self.phase == "between":
            self._begin_head()  # the first bytes of the next request
        if self.phase == "head":
            self.head_bytes += len(data)
            self.heard = True
        super().data_received(data)
        # Counted by whole reads: a read that ends the head may hold some of the body, so only
        # a head still unfinished is refused here (a finished one is measured exactly below).
        if (
            self.phase == "head"
            and self.head_bytes > self.limits.max_header_bytes
            and not self.transport.is_closing()
        ):
            self._head_too_large()

    def connection_lost(self, exc: Exception | None) -> None:
        self._set_phase("closing")
        super().connection_lost(exc)

    def shutdown(self) -> None:
        if self.phase == "closing":
            self.transport.close()
        else:
            super().shutdown()

    def handle_websocket_upgrade(self) -> None:
        self._set_phase("between")  # the WebSocket protocol takes the connection over
        super().handle_websocket_upgrade()

    # httptools' callbacks.

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self.phase != "head":
            self._begin_head()  # the next request, in the same read as the previous one
        self.heard = True

    def on_headers_complete(self) -> None:
        self._set_phase("between")
        self.app = self._app_for_request()
        super().on_headers_complete()
        self._set_phase("body", self.limits.body_timeout, self._body_timed_out)

    def on_message_complete(self) -> None:
        self._set_phase("between")
        super().on_message_complete()

    # The guard.

    def _set_phase(
        self,
        phase: Phase,
        delay: float | None = None,
        callback: Callable[[], object] | None = None,
    ) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self.phase = phase
        if delay is not None and callback is not None:
            self.timer = self.loop.call_later(delay, callback)

    def _begin_head(self) -> None:
        self.head_bytes = 0
        self.heard = False
        self._set_phase("head", self.limits.header_timeout, self._head_timed_out)

    def _app_for_request(self) -> ASGIApp:
        """The gateway, or a refusal: a head larger than the limit (counted exactly: request
        target, header names and values), or as many requests running as connections allowed
        (those of clients that went away still run)."""
        size = len(self.url) + sum(len(name) + len(value) for name, value in self.headers)
        if size > self.limits.max_header_bytes:
            message = f"the request's headers are larger than {self.limits.max_header_bytes} bytes"
            return _refusal_app(431, message, ErrorCode.BAD_USER_INPUT)
        if len(self.tasks) >= self.limits.max_connections:
            self.logger.warning("Refused a request: %d are running.", len(self.tasks))
            message = (
                f"the gateway runs its most requests at once ({self.limits.max_connections})"
                f": try again in {RETRY_AFTER_SECONDS} s"
            )
            return _refusal_app(503, message, ErrorCode.RATE_LIMITED, retry_after=True)
        return self.gateway_app

    def _head_timed_out(self) -> None:
        self.timer = None
        if self._close_after_answer():
            return
        if not self.heard:
            self._set_phase("closing")
            self.transport.close()
            return
        message = f"the request's headers did not arrive within {self.limits.header_timeout:g} s"
        self._answer_and_close(408, message, ErrorCode.BAD_USER_INPUT)

    def _head_too_large(self) -> None:
        if self._close_after_answer():
            self.flow.pause_reading()  # gather no more of it meanwhile
            return
        message = f"the request's headers are larger than {self.limits.max_header_bytes} bytes"
        self._answer_and_close(431, message, ErrorCode.BAD_USER_INPUT)

    def _body_timed_out(self) -> None:
        self.timer = None
        if self.flow.read_paused:
            # Reading is paused by this side (a pipelined request waits for its turn, or the
            # app has not yet taken what came): the wait is not the client's.
            self._set_phase("body", self.limits.body_timeout, self._body_timed_out)
            return
        cycle = self.cycle
        if cycle.response_started:
            # The app answered without waiting for the body: the connection ends with that.
            cycle.keep_alive = False
            if cycle.response_complete:
                self.transport.close()
            return
        # The app, waiting for the body, is told the client went away; what it sends is dropped.
        cycle.disconnected = True
        cycle.message_event.set()
        message = f"the request's body did not arrive within {self.limits.body_timeout:g} s"
        self._answer_and_close(408, message, ErrorCode.BAD_USER_INPUT)

    def _close_after_answer(self) -> bool:
        """While the previous request is still being answered (the next one came early), the
        connection is closed after that answer rather than answered twice at once: True then."""
        cycle = self.cycle
        if cycle is None or cycle.response_complete:
            return False
        cycle.keep_alive = False
        return True

    def _answer_and_close(
        self,
        status: int,
        message: str,
        code: ErrorCode,
        *,
        retry_after: bool = False,
        linger: bool = True,
    ) -> None:
        headers, body = _refusal(message, code, retry_after=retry_after)
        lines = [
            name + b": " + value + b"\r\n"
            for name, value in [*self.server_state.default_headers, *headers]
        ]
        self.transport.write(b"".join([STATUS_LINE[status], *lines, b"\r\n", body]))
        if not (linger and self.transport.can_write_eof()):
            self._set_phase("closing")
            self.transport.close()
            return
        # Half-closed: the answer ends with end of file; this side closes at the client's next
        # bytes or end of file (uvicorn closes on it), or when LINGER_SECONDS have passed.
        self.transport.write_eof()
        self.flow.resume_reading()
        self._set_phase("closing", LINGER_SECONDS, self.transport.close)


def _refusal(
    message: str, code: ErrorCode, *, retry_after: bool = False
) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """The headers and body of a refusal after which the connection closes."""
    body = error_document(message, code)
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode("ascii")),
        (b"connection", b"close"),
    ]
    if retry_after:
        headers.append((b"retry-after", str(RETRY_AFTER_SECONDS).encode("ascii")))
    return headers, body


def _refusal_app(
    status: int, message: str, code: ErrorCode, *, retry_after: bool = False
) -> ASGIApp:
    """An ASGI app that answers every request with this refusal, its body unread."""
    headers, body = _refusal(message, code, retry_after=retry_after)

    async def refuse(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return refuse
