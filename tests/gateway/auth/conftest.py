"""Fixtures: a tiny app shaped like the gateway's HTTP surface, a fake clock, signing keys,
and a JWKS served over real HTTP whose requests are counted."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import jwt
import pytest
import structlog
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route

from gateway.auth import AuthConfig, AuthMiddleware
from gateway.serving import serve_in_thread
from tests.clocks import FakeClock

ISSUER = "https://idp.example.com/realms/plm"
AUDIENCE = "enovia-gateway"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


# --- the app behind the middleware ------------------------------------------------------------


async def _echo(request: Request) -> JSONResponse:
    """What the app saw: the identity the middleware stored, and structlog's context."""
    identity = getattr(request.state, "identity", None)
    return JSONResponse(
        {
            "data": {"secret": "only for the authenticated"},
            "identity": None
            if identity is None
            else {
                "kind": identity.kind,
                "id": identity.id,
                "sub": identity.claims.get("sub"),
                "roles": sorted(identity.roles),
            },
            "client_id": structlog.contextvars.get_contextvars().get("client_id"),
        }
    )


async def _graphql(request: Request) -> Response:
    if request.method == "GET" and "query" not in request.query_params:
        return PlainTextResponse("<html>GraphiQL</html>", media_type="text/html")
    return await _echo(request)


async def _asset(request: Request) -> Response:
    return PlainTextResponse("console.log('graphiql')", media_type="text/javascript")


def tiny_app() -> Starlette:
    """The gateway's routes, each answering what it saw."""
    return Starlette(
        routes=[
            Route("/graphql", _graphql, methods=["GET", "POST"]),
            Mount("/graphql/assets", routes=[Route("/{name}", _asset)]),
            Route("/api/v1/health", _echo),
            Route("/api/v1/health/detailed", _echo),
            Route("/metrics", _echo),
            Route("/api/v1/admin/invalidate", _echo, methods=["POST"]),
        ]
    )


Client = Callable[..., httpx.AsyncClient]


@pytest.fixture
async def make_client(clock: FakeClock) -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
    """`make_client(config, client_address="127.0.0.1")`: an HTTP client for the tiny app
    behind an `AuthMiddleware` (one middleware per config, closed after the test)."""
    middlewares: dict[int, AuthMiddleware] = {}
    clients: list[httpx.AsyncClient] = []

    def make(config: AuthConfig, client_address: str = "127.0.0.1") -> httpx.AsyncClient:
        middleware = middlewares.get(id(config))
        if middleware is None:
            middleware = AuthMiddleware(tiny_app(), config, clock=clock)
            middlewares[id(config)] = middleware
        transport = httpx.ASGITransport(app=middleware, client=(client_address, 40_000))
        client = httpx.AsyncClient(transport=transport, base_url="http://gateway.test")
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()
    for middleware in middlewares.values():
        await middleware.aclose()


# --- keys and tokens --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def other_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def rsa_jwk(key: rsa.RSAPrivateKey, kid: str, **extra: Any) -> dict[str, Any]:
    jwk: dict[str, Any] = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {**jwk, "kid": kid, "use": "sig", **extra}


def ec_jwk(key: ec.EllipticCurvePrivateKey, kid: str, **extra: Any) -> dict[str, Any]:
    jwk: dict[str, Any] = ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {**jwk, "kid": kid, "use": "sig", **extra}


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    values: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "site-engineer-7",
        "iat": now,
        "exp": now + 300,
    }
    values.update(overrides)
    return {name: value for name, value in values.items() if value is not None}


def mint(key: Any, kid: str | None, algorithm: str = "RS256", **overrides: Any) -> str:
    headers = {"kid": kid} if kid is not None else {}
    return jwt.encode(claims(**overrides), key, algorithm=algorithm, headers=headers)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def forge(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"") -> str:
    """A token with any header and signature (PyJWT refuses to make the bad ones)."""
    head = _b64(json.dumps(header).encode())
    body = _b64(json.dumps(payload).encode())
    return f"{head}.{body}.{_b64(signature)}"


def forge_hs256(secret: bytes, kid: str, payload: dict[str, Any]) -> str:
    """An HS256 token keyed with `secret` (e.g. a public key's PEM: the confusion attack)."""
    unsigned = forge({"alg": "HS256", "typ": "JWT", "kid": kid}, payload).rsplit(".", 1)[0]
    signature = hmac.new(secret, unsigned.encode("ascii"), hashlib.sha256).digest()
    return f"{unsigned}.{_b64(signature)}"


# --- the identity provider's JWKS -------------------------------------------------------------


class JwksServer:
    """A JWKS endpoint over real HTTP; `hits` counts its requests, `status` breaks it."""

    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self.status = 200
        self.raw: bytes | None = None  # served instead of the keys when set
        self.hits = 0
        self.base_url = ""

    @property
    def url(self) -> str:
        return f"{self.base_url}/jwks"

    def reset(self) -> None:
        self.keys, self.status, self.raw, self.hits = [], 200, None, 0

    def app(self) -> Starlette:
        async def jwks(request: Request) -> Response:
            self.hits += 1
            if self.status != 200:
                return PlainTextResponse("the IdP is having a bad day", status_code=self.status)
            if self.raw is not None:
                return Response(self.raw, media_type="application/json")
            return JSONResponse({"keys": self.keys})

        return Starlette(routes=[Route("/jwks", jwks)])


@pytest.fixture(scope="session")
def _jwks_server() -> Iterator[JwksServer]:
    server = JwksServer()
    with serve_in_thread(server.app()) as base_url:
        server.base_url = base_url
        yield server


@pytest.fixture
def jwks(
    _jwks_server: JwksServer, rsa_key: rsa.RSAPrivateKey, ec_key: ec.EllipticCurvePrivateKey
) -> Iterator[JwksServer]:
    """The JWKS server with an RSA key (`rsa-1`) and an EC key (`ec-1`), no request yet."""
    _jwks_server.reset()
    _jwks_server.keys = [rsa_jwk(rsa_key, "rsa-1"), ec_jwk(ec_key, "ec-1")]
    yield _jwks_server
    _jwks_server.reset()


def jwt_config(jwks: JwksServer, **overrides: Any) -> AuthConfig:
    values: dict[str, Any] = {
        "mode": "jwt",
        "jwks_url": jwks.url,
        "issuer": ISSUER,
        "audience": AUDIENCE,
        "jwks_cache_seconds": 3600.0,
        "jwks_min_refetch_interval": 30.0,
    }
    values.update(overrides)
    return AuthConfig(**values)


def bearer(credentials: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {credentials}"}


GRAPHQL = {"query": '{ document(uid: "DOC-001") { title } }'}
