"""The transport under the ENOVIA client: httpx's API over aiohttp's connection pool.

httpx's own pool scans every connection for every request it queues, at a cost that grows
with the pool: 200 concurrent calls to ENOVIA took a second of the gateway's CPU. The
httpx-aiohttp transport (by an httpx maintainer) keeps the client, the auth flow and the
timeouts of httpx and hands the connections to aiohttp: the same burst takes a fifth of that.
"""

from __future__ import annotations

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

#: aiohttp's own default, for limits that set none.
AIOHTTP_KEEPALIVE = 15.0


class EnoviaTransport(httpx.AsyncBaseTransport):
    """aiohttp underneath; every failure of it surfaces as an `httpx.TransportError` (the
    adapter maps most, this catches the rest), so the client sees httpx's errors only.

    Cookies are httpx's alone: the httpx client keeps them in its jar (a platform session's
    cookies, cleared before a new login), and aiohttp keeps none of its own, which nothing
    would clear and which would go on sending an ended session's cookies.
    """

    def __init__(self, limits: httpx.Limits) -> None:
        def session() -> aiohttp.ClientSession:
            keep_alive = limits.keepalive_expiry
            connector = aiohttp.TCPConnector(
                limit=limits.max_connections or 0,  # 0: no limit, as httpx's None
                ssl=httpx.create_ssl_context(trust_env=True),
                keepalive_timeout=AIOHTTP_KEEPALIVE if keep_alive is None else keep_alive,
            )
            return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())

        self._inner = AiohttpTransport(limits=limits, trust_env=True, client=session)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._inner.handle_async_request(request)
        except httpx.HTTPError as exc:
            raise _as_httpx(exc.__cause__ or exc) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise _as_httpx(exc) from exc

    async def aclose(self) -> None:
        await self._inner.aclose()


def _as_httpx(exc: BaseException) -> httpx.HTTPError:
    """A timeout is a timeout; a refused or broken connection is not (the adapter would call
    a refused connection a connect timeout)."""
    if isinstance(exc, httpx.HTTPError) and not isinstance(exc, httpx.TimeoutException):
        return exc
    if isinstance(exc, TimeoutError | aiohttp.ServerTimeoutError):
        return httpx.TimeoutException(type(exc).__name__)
    if isinstance(exc, httpx.TimeoutException):
        return exc
    if isinstance(exc, aiohttp.ClientConnectorError):
        return httpx.ConnectError(type(exc).__name__)
    return httpx.TransportError(type(exc).__name__)
