"""`AuthMiddleware`: client authentication, then per-client rate limiting, as pure ASGI."""

from __future__ import annotations

import dataclasses
import math
import time

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.auth.api_keys import ApiKeyVerifier
from gateway.auth.config import AuthConfig
from gateway.auth.errors import AuthenticationFailed, Forbidden
from gateway.auth.identity import Identity
from gateway.auth.jwks import Clock, HttpClientFactory, default_http_client
from gateway.auth.jwt import JwtVerifier
from gateway.auth.paths import ROLES_ALLOWED, Access, classify
from gateway.auth.rate_limit import RateLimiter
from schema.errors import ErrorCode, error_document

__all__ = ["AuthMiddleware", "LaterAuthentication"]

logger = structlog.get_logger("gateway.auth")

_AUTHORIZATION = b"authorization"
_API_KEY = b"x-api-key"
# RFC 6750, section 3.1: the error is named only when a token was given and found bad.
_CHALLENGE = b"Bearer"
_CHALLENGE_INVALID = b'Bearer error="invalid_token"'
_CHALLENGE_INSUFFICIENT = b'Bearer error="insufficient_scope"'
# What a caller with valid credentials of another role is told, per kind of path.
_NOT_ALLOWED = {
    Access.GUARDED: "these credentials may not query: this needs a client's credentials",
    Access.OPERATIONS: "these credentials may not read this: it needs a client's or a metrics key",
    Access.ADMIN: "these credentials may not administer: this needs an admin credential",
}
# WebSocket close code for "policy violation": the handshake is refused.
_WS_POLICY_VIOLATION = 1008


class AuthMiddleware:
    """Pure ASGI middleware: authenticates the caller, checks its role, then applies the rate
    limit.

    Which requests it applies to, and how, is `gateway.auth.paths.classify`:
    - guarded (`/graphql`): a client's credentials per `config.mode` (anyone in `none`);
    - operations (`/metrics`, detailed health, unless left open): a client's credentials,
      or a metrics key of `config.metrics_api_keys` in any mode;
    - admin (`/api/v1/admin/...`): an admin key of `config.admin_api_keys` in any mode, or
      in `jwt` mode a token with the admin scope or role (`config.admin_claims`). While no
      admin credential is configured, nobody: 403, in every mode, `none` included;
    - open and other requests go straight to the app.
    Authenticated requests are counted against the caller's token bucket when
    `config.rate_limit_per_second > 0`.

    A request that passes gets `scope["state"]["identity"]` (an `Identity`, with its `roles`)
    and runs with `client_id` bound in structlog's context; an admin's is logged
    (`auth.admin`). One that fails is answered here:
    - 401 `UNAUTHENTICATED` with `WWW-Authenticate: Bearer` (plus `error="invalid_token"`
      when the credentials given were bad): no usable credentials, no data;
    - 403 `FORBIDDEN`: valid credentials of another role (an admin or metrics key on
      `/graphql`, a client's on an administration path...; with `WWW-Authenticate: Bearer
      error="insufficient_scope"`), or an administration path while no admin credential is
      configured (the message says how to configure one: `config.admin_hint`);
    - 429 `RATE_LIMITED` with `Retry-After` (whole seconds, at least 1).
    The body is a GraphQL error document, `{"errors": [{"message", "extensions": {"code"}}]}`.

    A WebSocket handshake on `/graphql` is let through without usable credentials, since a
    browser cannot set headers on one: it gets `scope["state"]["identity"]` None and a
    `LaterAuthentication` (`scope["state"]["later_authentication"]`) that checks the
    credentials of the connection's `connection_init` message, or says why the handshake's
    were refused. Any other WebSocket handshake that fails is closed with code 1008.

    Credentials: keys (client keys in `api-key` mode; admin and metrics keys in every mode)
    in `Authorization: Bearer <key>` or `X-API-Key: <key>`; in `jwt` mode tokens in
    `Authorization: Bearer <token>`. Neither a key nor a token is ever logged or echoed.

    In `jwt` mode the middleware fetches the JWKS with a client from `http_client_factory`;
    it closes it when the app's lifespan shuts down, or on `aclose()`. A `jwt_verifier` may
    be passed instead, and is then the caller's to close. `clock` (monotonic seconds) drives
    the JWKS cache and the rate limiter; tests inject one.
    """

    def __init__(
        self,
        app: ASGIApp,
        config: AuthConfig,
        *,
        http_client_factory: HttpClientFactory = default_http_client,
        clock: Clock = time.monotonic,
        jwt_verifier: JwtVerifier | None = None,
    ) -> None:
        self.app = app
        self.config = config
        self._api_keys = ApiKeyVerifier(config.api_keys) if config.mode == "api-key" else None
        self._admin_keys = ApiKeyVerifier(config.admin_api_keys, role="admin")
        self._metrics_keys = ApiKeyVerifier(config.metrics_api_keys, role="metrics")
        self._admin_claims = config.admin_claims
        self._jwt: JwtVerifier | None = None
        self._owns_jwt = False
        if config.mode == "jwt":
            self._owns_jwt = jwt_verifier is None
            self._jwt = jwt_verifier or JwtVerifier(
                config, http_client_factory=http_client_factory, clock=clock
            )
        self._limiter = (
            RateLimiter(config.rate_limit_per_second, config.rate_limit_burst, clock=clock)
            if config.rate_limited
            else None
        )

    def __repr__(self) -> str:
        return f"AuthMiddleware({self.config!r})"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(scope, receive, send)
            return
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        access = classify(scope, protect_operations=self.config.protect_operations)
        if access in (Access.OPEN, Access.PASS):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket" and access is Access.GUARDED:
            await self._websocket(scope, receive, send)
            return
        try:
            identity = await self._identify(scope, access)
        except AuthenticationFailed as failure:
            logger.info("auth.refused", path=scope["path"], reason=failure.message)
            challenge = _CHALLENGE_INVALID if failure.invalid_token else _CHALLENGE
            await _refuse(
                scope,
                send,
                401,
                ErrorCode.UNAUTHENTICATED,
                failure.message,
                [(b"www-authenticate", challenge), (b"cache-control", b"no-store")],
            )
            return
        except Forbidden as refusal:
            logger.info("auth.forbidden", path=scope["path"], reason=refusal.message)
            headers = [(b"cache-control", b"no-store")]
            if refusal.insufficient:
                headers.insert(0, (b"www-authenticate", _CHALLENGE_INSUFFICIENT))
            await _refuse(scope, send, 403, ErrorCode.FORBIDDEN, refusal.message, headers)
            return
        # Bound and reset by token, as the request id is (`gateway.request_id`).
        tokens = structlog.contextvars.bind_contextvars(client_id=identity.id)
        try:
            if self._limiter is not None:
                wait = self._limiter.acquire((identity.kind, identity.id))
                if wait > 0:
                    retry_after = max(1, math.ceil(wait))
                    logger.info("auth.rate_limited", path=scope["path"], retry_after=retry_after)
                    message = (
                        f"too many requests: at most {self.config.rate_limit_burst} at once "
                        f"and {self.config.rate_limit_per_second:g} per second; "
                        f"retry in {retry_after} s"
                    )
                    headers = [(b"retry-after", str(retry_after).encode("ascii"))]
                    await _refuse(scope, send, 429, ErrorCode.RATE_LIMITED, message, headers)
                    return
            if access is Access.ADMIN:
                # Who changed the gateway's state, for the record (the id, never the key).
                logger.info("auth.admin", path=scope["path"], method=scope.get("method"))
            scope.setdefault("state", {})["identity"] = identity
            await self.app(scope, receive, send)
        finally:
            structlog.contextvars.reset_contextvars(**tokens)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A GraphQL WebSocket: authenticated now when its handshake carries credentials,
        else later, at `connection_init` (see the class's docstring)."""
        refusal: str | None = None
        try:
            identity: Identity | None = await self.authenticate(scope)
        except (AuthenticationFailed, Forbidden) as failure:
            identity, refusal = None, failure.message
        state = scope.setdefault("state", {})
        state["identity"] = identity
        state["later_authentication"] = LaterAuthentication(self, scope, refusal)
        await self.app(scope, receive, send)

    async def authenticate(self, scope: Scope) -> Identity:
        """The identity of a client's credentials in `scope`'s headers, counted against its
        rate limit: `AuthenticationFailed`, `Forbidden` (with the reason, for a WebSocket's
        close) otherwise."""
        identity = await self._identify(scope, Access.GUARDED)
        if self._limiter is not None:
            wait = self._limiter.acquire((identity.kind, identity.id))
            if wait > 0:
                raise Forbidden(
                    f"too many requests: retry in {max(1, math.ceil(wait))} s",
                    insufficient=False,
                )
        return identity

    async def aclose(self) -> None:
        """Close the JWKS client this middleware made (not a `jwt_verifier` passed in).
        Called on lifespan shutdown; idempotent."""
        if self._jwt is not None and self._owns_jwt:
            await self._jwt.aclose()

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_after_closing(message: Message) -> None:
            # The app has shut down: close our client before telling the server so.
            if message["type"] in ("lifespan.shutdown.complete", "lifespan.shutdown.failed"):
                await self.aclose()
            await send(message)

        await self.app(scope, receive, send_after_closing)

    async def _identify(self, scope: Scope, access: Access) -> Identity:
        """The caller's identity when one of its roles may make this request; else
        `AuthenticationFailed` (no usable credentials) or `Forbidden` (credentials of
        another role, or administration while no admin credential is configured)."""
        if access is Access.ADMIN and not self.config.admin_enabled:
            raise Forbidden(
                "administration is disabled: no admin credential is configured; "
                + self.config.admin_hint,
                insufficient=False,
            )
        if self.config.mode == "none" and access is not Access.ADMIN:
            return _anonymous(scope)  # everyone is a client: credentials are not even read
        identity = await self._credentials(scope)
        if identity.roles & ROLES_ALLOWED[access]:
            return identity
        raise Forbidden(_NOT_ALLOWED[access], insufficient=True)

    async def _credentials(self, scope: Scope) -> Identity:
        """Whose credentials these are, whatever the path: an admin or metrics key (any
        mode), else a client's per `config.mode` (a token with the admin scope or role is an
        admin's too); `AuthenticationFailed` when they are nobody's."""
        presented = _presented_key(scope)
        if presented is not None:
            # Both lists are always compared: the time taken does not tell which one matched.
            admin = self._admin_keys.find(presented)
            scraper = self._metrics_keys.find(presented)
            found = admin if admin is not None else scraper
            if found is not None:
                return found
        if self.config.mode == "none":  # no client credentials to try: only keys count
            _api_key(scope)  # 401 for no key, or for headers it does not read
            raise AuthenticationFailed("unknown API key")
        identity = await self._authenticate(scope)
        if self._admin_claims.grants(identity.claims):
            return dataclasses.replace(identity, roles=identity.roles | {"admin"})
        return identity

    async def _authenticate(self, scope: Scope) -> Identity:
        """A client's identity per `config.mode`, or `AuthenticationFailed`."""
        if self._api_keys is not None:
            return self._api_keys.verify(_api_key(scope))
        if self._jwt is not None:
            token = _bearer_token(scope)
            if token is None:
                raise AuthenticationFailed(
                    "missing credentials: send 'Authorization: Bearer <token>'",
                    invalid_token=False,
                )
            return await self._jwt.verify(token.decode("latin-1"))
        return _anonymous(scope)


class LaterAuthentication:
    """A GraphQL WebSocket's authentication after its handshake: `refusal` says why the
    handshake's own credentials were not accepted (none, or bad ones)."""

    def __init__(self, middleware: AuthMiddleware, scope: Scope, refusal: str | None) -> None:
        self._middleware = middleware
        self._scope = scope
        self.refusal = refusal

    async def authenticate(self, headers: list[tuple[bytes, bytes]]) -> Identity:
        """The identity of credentials sent as `headers` (lower-case names): the
        `Authorization` or `X-API-Key` of a `connection_init` payload."""
        return await self._middleware.authenticate({**self._scope, "headers": headers})


def _anonymous(scope: Scope) -> Identity:
    client = scope.get("client")
    return Identity(kind="anonymous", id=str(client[0]) if client else "unknown")


def _headers(scope: Scope, name: bytes) -> list[bytes]:
    return [value for key, value in scope["headers"] if key == name]


def _bearer_token(scope: Scope) -> bytes | None:
    """The credentials of `Authorization: Bearer <credentials>` (None when there is no such
    header; b"" when it is empty). Two Authorization headers are refused: which one a proxy
    and the gateway each read could differ."""
    values = _headers(scope, _AUTHORIZATION)
    if not values:
        return None
    if len(values) > 1:
        raise AuthenticationFailed("more than one Authorization header")
    scheme, _, credentials = values[0].strip().partition(b" ")
    if scheme.lower() != b"bearer":
        return None
    token = credentials.strip()
    if not token:
        raise AuthenticationFailed("empty credentials", invalid_token=False)
    return token


def _presented_key(scope: Scope) -> bytes | None:
    """The key `_api_key` would read, or None where it would refuse (no key, or headers it
    does not accept): for trying a key of another role before a client's credentials."""
    try:
        return _api_key(scope)
    except AuthenticationFailed:
        return None


def _api_key(scope: Scope) -> bytes:
    """The API key of `Authorization: Bearer <key>`, else of `X-API-Key: <key>`."""
    key = _bearer_token(scope)
    if key is not None:
        return key
    values = _headers(scope, _API_KEY)
    if len(values) > 1:
        raise AuthenticationFailed("more than one X-API-Key header")
    if values and values[0].strip():
        return values[0].strip()
    if values:
        raise AuthenticationFailed("empty credentials", invalid_token=False)
    if _headers(scope, _AUTHORIZATION):
        raise AuthenticationFailed(
            "unsupported authorization scheme: send 'Authorization: Bearer <key>'",
            invalid_token=False,
        )
    raise AuthenticationFailed(
        "missing credentials: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'",
        invalid_token=False,
    )


async def _refuse(
    scope: Scope,
    send: Send,
    status: int,
    code: ErrorCode,
    message: str,
    headers: list[tuple[bytes, bytes]],
) -> None:
    """Answer with a GraphQL error document and no `data` (nothing was executed), or close a
    WebSocket handshake."""
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": _WS_POLICY_VIOLATION, "reason": ""})
        return
    body = error_document(message, code)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode("ascii")),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
