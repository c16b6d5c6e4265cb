"""`AuthMiddleware` as a whole: which paths it guards, what it hands the app, what it logs,
WebSockets, and the JWKS client's life within the app's lifespan."""

from __future__ import annotations

import io
import json

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import WebSocketRoute
from starlette.types import Message
from starlette.websockets import WebSocket
from structlog.testing import capture_logs

from gateway.auth import (
    Access,
    AuthConfig,
    AuthenticationFailed,
    AuthMiddleware,
    Identity,
    classify,
)
from gateway.serving import serve_in_thread
from tests.gateway.auth.conftest import (
    GRAPHQL,
    Client,
    FakeClock,
    JwksServer,
    bearer,
    forge_hs256,
    jwt_config,
    mint,
    tiny_app,
)

KEY = "middleware-key-6d1f0e2b9a8c7d5e"


@pytest.fixture
def config() -> AuthConfig:
    return AuthConfig(mode="api-key", api_keys=frozenset({KEY}))


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("GET", "/api/v1/health", {}),
        ("GET", "/graphql", {"Accept": "text/html"}),
        ("GET", "/graphql?foo=bar", {"Accept": "text/html"}),
        ("HEAD", "/graphql", {}),
        ("GET", "/graphql/assets/graphiql.min.js", {}),
        ("OPTIONS", "/graphql", {}),
    ],
)
async def test_open_paths_stay_open(
    make_client: Client, config: AuthConfig, method: str, path: str, headers: dict[str, str]
):
    response = await make_client(config).request(method, path, headers=headers)
    assert response.status_code != 401


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/graphql"),
        ("GET", "/graphql?query=%7Bhealth%7Benovia%7D%7D"),
        ("GET", "/graphql?query"),
        ("GET", "/graphql?query="),
        ("GET", "/graphql?q%75ery=%7Bhealth%7D"),
        ("GET", "/graphql?x=1&query=%7Bhealth%7D"),
        ("HEAD", "/graphql?query=%7Bhealth%7D"),
        ("PUT", "/graphql"),
        ("GET", "/metrics"),
        ("GET", "/api/v1/health/detailed"),
    ],
)
async def test_guarded_paths_need_credentials(
    make_client: Client, config: AuthConfig, method: str, path: str
):
    client = make_client(config)
    response = await client.request(method, path, headers={"Accept": "text/html"})
    assert response.status_code == 401
    response = await client.request(method, path, headers={"X-API-Key": KEY})
    assert response.status_code != 401


async def test_operations_paths_are_open_when_not_protected(make_client: Client):
    config = AuthConfig(mode="api-key", api_keys=frozenset({KEY}), protect_operations=False)
    client = make_client(config)
    assert (await client.get("/metrics")).status_code == 200
    assert (await client.get("/api/v1/health/detailed")).status_code == 200
    assert (await client.post("/graphql", json=GRAPHQL)).status_code == 401


async def test_other_paths_are_left_to_the_app(make_client: Client, config: AuthConfig):
    client = make_client(config)
    assert (await client.get("/api/v1/documents/DOC-001")).status_code == 404
    assert (await client.get("/")).status_code == 404


async def test_mode_none_opens_everything(make_client: Client):
    client = make_client(AuthConfig(), "192.0.2.7")
    response = await client.post("/graphql", json=GRAPHQL)
    assert response.status_code == 200
    body = response.json()
    assert body["identity"] == {
        "kind": "anonymous",
        "id": "192.0.2.7",
        "sub": None,
        "roles": ["client"],
    }
    assert body["client_id"] == "192.0.2.7"
    assert (await client.get("/metrics")).status_code == 200


async def test_open_paths_get_no_identity(make_client: Client, config: AuthConfig):
    body = (await make_client(config).get("/api/v1/health")).json()
    assert body["identity"] is None
    assert body["client_id"] is None


async def test_the_mount_point_is_not_part_of_the_path(config: AuthConfig):
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/gateway/graphql",
        "root_path": "/gateway",
        "query_string": b"",
    }
    assert classify(scope, protect_operations=True) is Access.GUARDED
    scope = {**scope, "path": "/gateway/api/v1/health"}
    assert classify(scope, protect_operations=True) is Access.OPEN


def test_identity_is_frozen_and_keeps_claims_out_of_repr():
    identity = Identity(kind="jwt", id="sub-1", claims={"email": "someone@example.com"})
    assert "someone@example.com" not in repr(identity)
    with pytest.raises(AttributeError):
        identity.id = "other"  # type: ignore[misc]
    assert Identity(kind="anonymous", id="::1").claims == {}


# --- no secret in any log line ----------------------------------------------------------------


async def test_no_key_or_token_reaches_the_logs(
    make_client: Client, jwks: JwksServer, clock: FakeClock, rsa_key, json_logs: io.StringIO
):
    key_config = AuthConfig(
        mode="api-key", api_keys=frozenset({KEY}), rate_limit_per_second=1, rate_limit_burst=1
    )
    wrong_key = "wrong-key-31f9a0c2d4e6b8a0"
    token = mint(rsa_key, "rsa-1")
    expired = mint(rsa_key, "rsa-1", exp=1)
    forged = forge_hs256(b"not-the-key", "rsa-1", {"sub": "x"})
    secrets = [KEY, wrong_key, token, expired, forged]
    with capture_logs() as captured:
        keys = make_client(key_config)
        for headers in (
            {"X-API-Key": KEY},
            bearer(KEY),  # rate limited
            {"X-API-Key": wrong_key},
            bearer(wrong_key),
            {"Authorization": f"Basic {KEY}"},
        ):
            await keys.post("/graphql", json=GRAPHQL, headers=headers)
        tokens = make_client(jwt_config(jwks))
        for candidate in (token, expired, forged):
            await tokens.post("/graphql", json=GRAPHQL, headers=bearer(candidate))
        jwks.status = 500
        clock.advance(7200)
        await tokens.post("/graphql", json=GRAPHQL, headers=bearer(token))
    events = {entry["event"] for entry in captured}
    assert {"auth.refused", "auth.rate_limited", "auth.jwks_fetched"} <= events
    assert "auth.jwks_unavailable" in events
    # Now through the real logging pipeline (JSON, DEBUG, httpx's own records too).
    keys = make_client(key_config)
    await keys.post("/graphql", json=GRAPHQL, headers={"X-API-Key": wrong_key})
    tokens = make_client(jwt_config(jwks, jwks_min_refetch_interval=0))
    jwks.status = 200
    await tokens.post("/graphql", json=GRAPHQL, headers=bearer(expired))
    output = json_logs.getvalue()
    assert "auth.refused" in output
    assert any(json.loads(line).get("logger") == "httpx" for line in output.splitlines())
    for secret in secrets:
        assert secret not in repr(captured)
        assert secret not in output
        # Not even a recognisable piece of one.
        assert secret[-16:] not in repr(captured)
        assert secret[-16:] not in output


# --- WebSockets -------------------------------------------------------------------------------


async def test_a_graphql_websocket_is_authenticated_by_its_handshake_or_later(
    config: AuthConfig,
):
    """A browser cannot set headers on a WebSocket: a handshake without credentials is let
    through, and its connection_init's credentials are checked later (gateway.websocket)."""

    async def subscriptions(websocket: WebSocket) -> None:
        await websocket.accept()
        identity = websocket.state.identity
        later = websocket.state.later_authentication
        answer: dict[str, object] = {
            "identity": None if identity is None else identity.kind,
            "refusal": later.refusal,
        }
        for headers in ([(b"authorization", f"Bearer {KEY}".encode())], [(b"x-api-key", b"no")]):
            try:
                answer.setdefault("later", []).append((await later.authenticate(headers)).kind)  # type: ignore[union-attr]
            except AuthenticationFailed as failure:
                answer["later"].append(failure.message)  # type: ignore[union-attr]
        await websocket.send_json(answer)
        await websocket.close()

    app = Starlette(
        routes=[WebSocketRoute("/graphql", subscriptions)],
        middleware=[Middleware(AuthMiddleware, config=config)],
    )

    async def handshake(headers: list[tuple[bytes, bytes]]) -> list[Message]:
        incoming: list[Message] = [
            {"type": "websocket.connect"},
            {"type": "websocket.disconnect", "code": 1000},
        ]
        sent: list[Message] = []

        async def receive() -> Message:
            return incoming.pop(0)

        async def send(message: Message) -> None:
            sent.append(message)

        scope = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "scheme": "ws",
            "server": ("gateway.test", 80),
            "client": ("127.0.0.1", 50_000),
            "path": "/graphql",
            "raw_path": b"/graphql",
            "root_path": "",
            "query_string": b"",
            "headers": headers,
            "subprotocols": [],
        }
        await app(scope, receive, send)
        return sent

    without = await handshake([])
    assert without[0]["type"] == "websocket.accept"
    assert json.loads(without[1]["text"]) == {
        "identity": None,
        "refusal": "missing credentials: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'",
        "later": ["api-key", "unknown API key"],
    }
    accepted = await handshake([(b"x-api-key", KEY.encode())])
    assert json.loads(accepted[1]["text"])["identity"] == "api-key"
    wrong = await handshake([(b"x-api-key", b"wrong")])
    assert json.loads(wrong[1]["text"])["refusal"] == "unknown API key"


# --- the JWKS client's life -------------------------------------------------------------------


def test_the_jwks_client_is_closed_when_the_app_shuts_down(jwks: JwksServer, rsa_key):
    made: list[httpx.AsyncClient] = []

    def factory() -> httpx.AsyncClient:
        client = httpx.AsyncClient(timeout=5)
        made.append(client)
        return client

    inner = tiny_app()
    app = Starlette(
        routes=inner.routes,
        middleware=[
            Middleware(AuthMiddleware, config=jwt_config(jwks), http_client_factory=factory)
        ],
    )
    with serve_in_thread(app) as url:
        response = httpx.post(
            f"{url}/graphql", json=GRAPHQL, headers=bearer(mint(rsa_key, "rsa-1"))
        )
        assert response.status_code == 200
        assert len(made) == 1
        assert not made[0].is_closed
    assert made[0].is_closed


async def test_a_verifier_passed_in_is_the_callers_to_close(jwks: JwksServer, rsa_key):
    from gateway.auth import JwtVerifier

    config = jwt_config(jwks)
    verifier = JwtVerifier(config)
    middleware = AuthMiddleware(tiny_app(), config, jwt_verifier=verifier)
    transport = httpx.ASGITransport(app=middleware)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        token = mint(rsa_key, "rsa-1")
        response = await client.post("/graphql", json=GRAPHQL, headers=bearer(token))
        assert response.status_code == 200
    await middleware.aclose()
    # Still usable: the middleware did not close what it did not make.
    assert (await verifier.verify(token)).id == "site-engineer-7"
    await verifier.aclose()


def test_a_persisted_query_over_get_is_guarded() -> None:
    from gateway.auth import Access, classify

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/graphql",
        "query_string": b"extensions=%7B%22persistedQuery%22%3A%7B%7D%7D",
        "headers": [],
    }
    assert classify(scope, protect_operations=True) is Access.GUARDED
