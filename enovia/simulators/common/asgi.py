"""ASGI plumbing: answers as bytes sent straight over ASGI, request bodies and headers.

The simulators' request paths skip Starlette's Request/Response objects to stay lean at
hundreds of concurrent calls.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson
from starlette.types import Receive, Scope, Send

JSON = b"application/json"
HTML = b"text/html; charset=utf-8"

Headers = tuple[tuple[bytes, bytes], ...]


@dataclass(frozen=True, slots=True)
class Answer:
    """A complete HTTP answer."""

    status: int
    body: bytes
    content_type: bytes = JSON
    headers: Headers = ()

    async def send(self, send: Send) -> None:
        """Send this answer over ASGI."""
        headers = [
            (b"content-type", self.content_type),
            (b"content-length", str(len(self.body)).encode()),
            *self.headers,
        ]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})


def json_answer(status: int, data: object, headers: Headers = ()) -> Answer:
    """An answer with *data* as its JSON body."""
    return Answer(status, orjson.dumps(data), JSON, headers)


def error_answer(
    status: int, error: str, message: str | None = None, headers: Headers = ()
) -> Answer:
    """`{"error": error, "message": message}` (without `message` when it is None)."""
    body = {"error": error} if message is None else {"error": error, "message": message}
    return json_answer(status, body, headers)


def method_not_allowed(allowed: tuple[str, ...]) -> Answer:
    """405 naming the methods the path does take."""
    allow = ", ".join(allowed)
    return error_answer(405, "method_not_allowed", f"Use {allow}", ((b"allow", allow.encode()),))


def header(scope: Scope, name: bytes) -> bytes | None:
    """The first value of header *name* (lower case), or None."""
    for key, value in scope["headers"]:
        if key == name:
            value_bytes: bytes = value
            return value_bytes
    return None


class BodyTooLarge(Exception):
    """The request body is over the limit the caller set."""


async def read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None when the client disconnected first.

    Raises BodyTooLarge past *limit* bytes.
    """
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def until_disconnected(receive: Receive) -> None:
    """Return once the client has gone away; whatever else it sends is dropped.

    For calls held on purpose (`hang`, `wire_delay_ms`): their request bodies do not
    matter, only the disconnect does.
    """
    while (await receive())["type"] != "http.disconnect":
        pass
