"""gateway.serving: real HTTP servers in a thread."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from gateway.serving import serve_in_thread


async def hello(request: Request) -> PlainTextResponse:
    return PlainTextResponse("hello")


def test_serves_over_real_http() -> None:
    app = Starlette(routes=[Route("/", hello)])
    with serve_in_thread(app) as first, serve_in_thread(app) as second:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", first)
        assert first != second
        assert httpx.get(first).text == "hello"
        assert httpx.get(second).text == "hello"
    with pytest.raises(httpx.ConnectError):
        httpx.get(first)


def test_runs_the_lifespan() -> None:
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        events.append("startup")
        yield
        events.append("shutdown")

    with serve_in_thread(Starlette(lifespan=lifespan)):
        assert events == ["startup"]
    assert events == ["startup", "shutdown"]


def test_a_failing_startup_raises() -> None:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        raise RuntimeError("boom")
        yield

    with pytest.raises(RuntimeError, match="ended before the server started"):  # noqa: SIM117
        with serve_in_thread(Starlette(lifespan=lifespan)):
            pass
