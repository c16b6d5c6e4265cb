"""A request id per HTTP request: taken from `X-Request-ID` or made, logged, and returned."""

from __future__ import annotations

import random
import re

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = b"x-request-id"
# A caller's id is kept only when it is short and plain: it goes into every log line.
_ACCEPTABLE = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")


class RequestIdMiddleware:
    """Pure ASGI middleware: binds `request_id` in structlog's context for everything the
    request does (ENOVIA calls included), stores it in `scope["state"]`, and sets the
    `X-Request-ID` response header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _from_headers(scope) or new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        encoded = request_id.encode("ascii")

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (HEADER, encoded)]
            await send(message)

        # Bound and reset by token: `bound_contextvars` copies the whole context twice.
        tokens = structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            structlog.contextvars.reset_contextvars(**tokens)


def new_request_id() -> str:
    """32 hex digits, as a UUID's: unique enough to find a request in the logs. Not from the
    OS's random source (`uuid4` reads /dev/urandom: a system call on every request); nothing
    relies on an id being unpredictable, a client may send its own."""
    return f"{random.getrandbits(128):032x}"


def _from_headers(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == HEADER and _ACCEPTABLE.match(value):
            return str(value.decode("ascii"))
    return None
