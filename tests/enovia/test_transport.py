"""The transport under every upstream client: httpx's API, aiohttp's connections."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from enovia import EnoviaTransport
from gateway.serving import serve_in_thread


async def _set(request: Request) -> JSONResponse:
    response = JSONResponse({"set": True})
    response.set_cookie("JSESSIONID", "session-1", path="/")
    return response


async def _echo(request: Request) -> JSONResponse:
    return JSONResponse({"cookie": request.headers.get("cookie")})


async def test_cookies_are_httpx_alone_so_clearing_them_ends_a_session():
    """A platform session ends with its cookies cleared from the httpx client's jar: had
    aiohttp kept a jar of its own, it would go on sending them (to a host name; it keeps none
    for IP addresses, so the test uses `localhost`)."""
    app = Starlette(routes=[Route("/set", _set), Route("/echo", _echo)])
    with serve_in_thread(app) as url:
        base = url.replace("127.0.0.1", "localhost")
        transport = EnoviaTransport(httpx.Limits(max_connections=4, keepalive_expiry=5))
        async with httpx.AsyncClient(base_url=base, transport=transport) as client:
            await client.get("/set")
            assert (await client.get("/echo")).json() == {"cookie": "JSESSIONID=session-1"}
            client.cookies.clear()
            assert (await client.get("/echo")).json() == {"cookie": None}
