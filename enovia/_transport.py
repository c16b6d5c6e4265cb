"""The transport under the ENOVIA client: httpx's API over aiohttp's connection pool.

httpx's own pool scans every connection for every request it queues, at a cost that grows
with the pool: 200 concurrent calls to ENOVIA took a second of the gateway's CPU. The
httpx-aiohttp transport (by an httpx maintainer) keeps the client, the auth flow and the
timeouts of httpx and hands the connections to aiohttp: the same burst takes a fifth of that.
"""

from __future__ import annotations

import os
import re
import socket
import ssl

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

from enovia._errors import UpstreamUnavailable

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
    a refused connection a connect timeout). The message is the cause (`failure_cause`), for
    the operator: the adapter's keeps only the exception's type."""
    if isinstance(exc, httpx.HTTPError) and not isinstance(exc, httpx.TimeoutException):
        return exc
    if isinstance(exc, TimeoutError | aiohttp.ServerTimeoutError):
        return httpx.TimeoutException(failure_cause(exc))
    if isinstance(exc, httpx.TimeoutException):
        return exc
    if isinstance(exc, aiohttp.ClientConnectorError):
        return httpx.ConnectError(failure_cause(exc))
    return httpx.TransportError(failure_cause(exc))


def failure_cause(exc: BaseException) -> str:
    """Why a request got no answer, in words an operator acts on: "Connection refused", "DNS
    lookup of plm.example.com failed (Name or service not known)", "TLS certificate not
    accepted (...)", "timed out". Never a URL's query: only hosts and OS or TLS texts."""
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        certificate = exc.certificate_error
        reason = getattr(certificate, "verify_message", None) or _text(certificate)
        return f"TLS certificate of {exc.host} not accepted ({reason})"
    if isinstance(exc, aiohttp.ClientConnectorSSLError):
        return f"TLS handshake with {exc.host} failed ({_text(exc.os_error)})"
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return f"DNS lookup of {exc.host} failed ({_text(exc.os_error)})"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return _text(exc.os_error)
    # Timeouts in fixed words: aiohttp's own name the URL, query included.
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return "connecting timed out"
    if isinstance(exc, aiohttp.SocketTimeoutError):
        return "reading the answer timed out"
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "the server closed the connection without answering"
    return _text(exc)


def _text(exc: BaseException) -> str:
    """An exception's own words: an OS error's by its number (`Connection refused`, not the
    event loop's "Connect call failed (...)"), a resolver's or TLS's reason, else its message
    without any URL query; its type's name when it has none."""
    if isinstance(exc, ssl.SSLError) and exc.reason:
        return str(exc.reason).replace("_", " ").lower()
    if isinstance(exc, socket.gaierror) and exc.strerror:
        return exc.strerror
    if isinstance(exc, OSError) and isinstance(exc.errno, int) and exc.errno > 0:
        return os.strerror(exc.errno)
    text = _QUERY.sub("", str(exc)).strip()
    return text or type(exc).__name__


#: A URL's query in free text (it may carry a ticket): dropped from causes.
_QUERY = re.compile(r"\?[^\s\]\)'\"]*")


def shown_url(url: httpx.URL | str) -> str:
    """`url` as logs and messages may show it: scheme, host, port and path, never its query
    (tickets), fragment or credentials."""
    return str(httpx.URL(url).copy_with(query=None, fragment=None, userinfo=b""))


def no_answer(
    host: str, exc: httpx.TransportError, *, call_url: str | None = None
) -> UpstreamUnavailable:
    """The error of a request to `host` (ENOVIA, 3DSpace, 3DPassport) that got no answer: its
    message says the URL tried and the cause (see `failure_cause`), as do its `url` and
    `cause`.

    `call_url` names the call's own request, a GET (its endpoint template under the base URL
    where the path would hold an identifier); a request that failed on its way (an auth
    flow's token POST) is named by its own URL. Never with a query."""
    request = _request(exc)
    if call_url is not None and (request is None or request.method == "GET"):
        url: str | None = call_url
    else:
        url = None if request is None else shown_url(request.url)
    cause = _text(exc)
    at = f" at {url}" if url is not None else ""
    if isinstance(exc, httpx.TimeoutException):
        message = f"{host} did not answer in time{at} ({cause})"
    else:
        message = f"{host} could not be reached{at}: {cause}"
    return UpstreamUnavailable(message, url=url, cause=cause)


def _request(exc: httpx.TransportError) -> httpx.Request | None:
    try:
        return exc.request
    except RuntimeError:  # raised without its request (not through an httpx client)
        return None
