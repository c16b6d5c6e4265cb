"""OAuth2 client credentials as an `httpx.Auth` flow (the seed's token request, done right)."""

from __future__ import annotations

import asyncio
import base64
import re
import time
from collections.abc import AsyncGenerator, Callable
from typing import Literal, Protocol
from urllib.parse import quote_plus

import httpx
from opentelemetry.trace import Tracer

from enovia._calls import log_call
from enovia._errors import (
    EnoviaError,
    UpstreamAuthFailed,
    UpstreamBadResponse,
    UpstreamUnavailable,
)
from enovia._models import json_object
from enovia._secret import Secret
from enovia._spans import CallSpan
from enovia._transport import shown_url

TokenAuthMethod = Literal["client_secret_post", "client_secret_basic"]

TOKEN_ENDPOINT = "/oauth2/token"
#: The seed refreshes a token 60 s before it expires.
REFRESH_MARGIN = 60.0
#: ...but never more than this share of its lifetime, so that a 2 s token lives ~1.8 s.
REFRESH_MARGIN_SHARE = 0.1
#: The seed's default lifetime when ENOVIA's answer has no `expires_in`.
DEFAULT_EXPIRES_IN = 3600.0

_OAUTH_ERROR_CODE = re.compile(r"^[a-z_]{1,64}$")


class TokenObserver(Protocol):
    def enovia_call(self, method: str, endpoint: str, status: str, duration: float) -> None: ...
    def token_refresh(self, status: str) -> None: ...


class _Token:
    __slots__ = ("expires_at", "value")

    def __init__(self, value: str, expires_at: float) -> None:
        self.value = value
        self.expires_at = expires_at

    def __repr__(self) -> str:
        return f"<token expiring at {self.expires_at:.1f}>"


class ClientCredentialsAuth(httpx.Auth):
    """Bearer tokens from ENOVIA's `POST /oauth2/token`, cached and shared.

    - A token is reused until shortly before it expires (60 s, or a tenth of its lifetime for
      short-lived tokens) and never longer than `max_token_age` seconds.
    - Concurrent requests share one refresh: the first takes the lock and asks; the others
      wait for it and use its token.
    - A 401 on an API call means the token was revoked: one refresh, one retry. A second 401
      is returned to the caller.
    - `invalid_client` raises `UpstreamAuthFailed`; with a rotating secret file the secret is
      re-read first and, when it changed, the token request is made once more.
    - Each token request is logged (`enovia.call`, POST /oauth2/token) with the token URL; a
      refusal at WARNING with the HTTP status, and the error it raises names both.

    With a `tracer`, each token request has its span (`CallSpan`), a child of the span of
    the API call that needed the token, carried on in its `traceparent`.
    """

    def __init__(
        self,
        *,
        token_url: str | httpx.URL,
        client_id: str,
        secret: Secret,
        scope: str | None = None,
        method: TokenAuthMethod = "client_secret_post",
        max_token_age: float = 3000.0,
        observer: TokenObserver | None = None,
        clock: Callable[[], float] = time.monotonic,
        tracer: Tracer | None = None,
    ) -> None:
        self._token_url = httpx.URL(token_url)
        self._client_id = client_id
        self._secret = secret
        self._scope = scope
        self._method = method
        self._max_token_age = max_token_age
        self._observer = observer
        self._clock = clock
        self._tracer = tracer
        self._token: _Token | None = None
        self._lock = asyncio.Lock()

    @property
    def token_state(self) -> dict[str, object]:
        """For detailed health: whether a token is held and how long it stays usable."""
        token = self._token
        if token is None:
            return {"state": "none"}
        remaining = token.expires_at - self._clock()
        return {"state": "valid" if remaining > 0 else "expired", "expires_in": round(remaining, 1)}

    def _usable(self, not_this: _Token | None) -> _Token | None:
        token = self._token
        if token is None or token is not_this or token.expires_at <= self._clock():
            return None
        return token

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        refused: _Token | None = None
        for _ in range(2):
            token = self._usable(refused)
            if token is None:
                async with self._lock:
                    # Whoever held the lock before us may have refreshed already.
                    token = self._usable(refused)
                    rotated = False
                    while token is None:
                        started = time.perf_counter()
                        span = self._span()
                        try:
                            response = yield self._token_request(span)
                            await response.aread()
                            if span is not None:
                                span.status = str(response.status_code)
                        finally:
                            if span is not None:
                                span.end()
                        token = self._accept(response, time.perf_counter() - started, rotated)
                        rotated = True
            request.headers["Authorization"] = f"Bearer {token.value}"
            response = yield request
            if response.status_code != 401:
                return
            refused = token

    def _span(self) -> CallSpan | None:
        if self._tracer is None:
            return None
        return CallSpan(self._tracer, "POST", TOKEN_ENDPOINT, self._token_url.host)

    def _token_request(self, span: CallSpan | None) -> httpx.Request:
        form = {"grant_type": "client_credentials"}
        if self._scope:
            form["scope"] = self._scope
        headers = {"Accept": "application/json"}
        if span is not None:
            headers.update(span.headers)
        if self._method == "client_secret_basic":
            headers["Authorization"] = _basic_credentials(self._client_id, self._secret.get())
        else:
            form["client_id"] = self._client_id
            form["client_secret"] = self._secret.get()
        return httpx.Request("POST", self._token_url, data=form, headers=headers)

    def _accept(self, response: httpx.Response, duration: float, rotated: bool) -> _Token | None:
        """The token from ENOVIA's answer; None to ask again with a rotated secret."""
        status = str(response.status_code)
        if self._observer is not None:
            self._observer.enovia_call("POST", TOKEN_ENDPOINT, status, duration)
        url = shown_url(self._token_url)
        try:
            token = self._read_token(response, url)
        except EnoviaError as exc:
            refused = isinstance(exc, UpstreamAuthFailed)
            log_call(
                "POST", TOKEN_ENDPOINT, status, duration, url=url, failure=exc, refused=refused
            )
            if refused and not rotated and self._secret.reload():
                return None
            self._count("failure")
            raise
        except Exception:
            self._count("failure")
            raise
        log_call("POST", TOKEN_ENDPOINT, status, duration, url=url)
        self._count("success")
        self._token = token
        return token

    def _read_token(self, response: httpx.Response, url: str) -> _Token:
        status = response.status_code
        if status == 429 or status >= 500:
            raise UpstreamUnavailable(
                f"ENOVIA's token endpoint answered {status} ({url})", url=url, status=status
            )
        body = json_object(response.content)
        if status != 200:
            error = body.get("error") if body else None
            said = f"HTTP {status}"
            if isinstance(error, str) and _OAUTH_ERROR_CODE.match(error):
                said += f", {error}"
            # A 404 is no token endpoint at all: most often a base URL with a wrong path.
            hint = "; no token endpoint there: check ENOVIA_BASE_URL" if status == 404 else ""
            raise UpstreamAuthFailed(
                f"ENOVIA refused the gateway's token request at {url} ({said}){hint}",
                url=url,
                status=status,
            )
        if body is None:
            raise _bad("ENOVIA's token answer is not a JSON object", url)
        value = body.get("access_token")
        if not isinstance(value, str) or not value:
            raise _bad("ENOVIA's token answer has no 'access_token'", url)
        expires_in = body.get("expires_in", DEFAULT_EXPIRES_IN)
        if (
            not isinstance(expires_in, int | float)
            or isinstance(expires_in, bool)
            or expires_in <= 0
        ):
            raise _bad("ENOVIA's token answer has an invalid 'expires_in'", url)
        margin = min(REFRESH_MARGIN, expires_in * REFRESH_MARGIN_SHARE)
        lifetime = min(expires_in - margin, self._max_token_age)
        return _Token(value, self._clock() + lifetime)

    def _count(self, status: str) -> None:
        if self._observer is not None:
            self._observer.token_refresh(status)

    def __repr__(self) -> str:
        return f"ClientCredentialsAuth(client_id={self._client_id!r}, secret=***)"


def _bad(message: str, url: str) -> UpstreamBadResponse:
    return UpstreamBadResponse(f"{message} ({url})", url=url, status=200)


def _basic_credentials(client_id: str, secret: str) -> str:
    # RFC 6749, 2.3.1: both parts are form-encoded before they are joined and base64-encoded.
    pair = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")
