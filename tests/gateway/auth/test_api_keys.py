"""Mode `api-key`: keys in `Authorization: Bearer` or `X-API-Key`, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from gateway.auth import AuthConfig, key_id
from tests.gateway.auth.conftest import GRAPHQL, Client, bearer

KEY_A = "gw-key-a-7f3b9c1d5e2a4f6b8c0d"
KEY_B = "gw-key-b-0a9e8d7c6b5a4f3e2d1c"
KEY_C = "gw-key-c-1234567890abcdefabcd"


@pytest.fixture
def config() -> AuthConfig:
    return AuthConfig(mode="api-key", api_keys=frozenset({KEY_A, KEY_B, KEY_C}))


def assert_refused(response, message: str, *, invalid_token: bool) -> None:
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"
    expected = 'Bearer error="invalid_token"' if invalid_token else "Bearer"
    assert response.headers["www-authenticate"] == expected
    body = response.json()
    # No `data` at all: nothing was executed.
    assert body == {
        "errors": [
            {"message": body["errors"][0]["message"], "extensions": {"code": "UNAUTHENTICATED"}}
        ]
    }
    assert message in body["errors"][0]["message"]


async def test_missing_credentials(make_client: Client, config: AuthConfig):
    response = await make_client(config).post("/graphql", json=GRAPHQL)
    assert_refused(response, "missing credentials", invalid_token=False)


async def test_an_unknown_key_is_refused_without_echoing_it(
    make_client: Client, config: AuthConfig
):
    presented = "gw-key-x-not-one-of-ours-555"
    client = make_client(config)
    for headers in (bearer(presented), {"X-API-Key": presented}):
        response = await client.post("/graphql", json=GRAPHQL, headers=headers)
        assert_refused(response, "unknown API key", invalid_token=True)
        assert presented not in response.text


@pytest.mark.parametrize(
    "headers",
    [bearer(KEY_B), {"Authorization": f"bearer   {KEY_B} "}, {"X-API-Key": KEY_B}],
    ids=["bearer", "bearer-lowercase-spaces", "x-api-key"],
)
async def test_a_good_key_in_either_header(make_client: Client, config: AuthConfig, headers):
    response = await make_client(config).post("/graphql", json=GRAPHQL, headers=headers)
    assert response.status_code == 200
    body = response.json()
    expected_id = hashlib.sha256(KEY_B.encode()).hexdigest()[:12]
    assert body["identity"] == {
        "kind": "api-key",
        "id": expected_id,
        "sub": None,
        "roles": ["client"],
    }
    assert body["client_id"] == expected_id
    assert key_id(KEY_B) == expected_id
    assert KEY_B not in response.text


async def test_get_with_a_query_needs_a_key(make_client: Client, config: AuthConfig):
    client = make_client(config)
    refused = await client.get("/graphql", params={"query": "{ health { enovia } }"})
    assert refused.status_code == 401
    allowed = await client.get(
        "/graphql", params={"query": "{ health { enovia } }"}, headers={"X-API-Key": KEY_C}
    )
    assert allowed.status_code == 200


@pytest.mark.parametrize(
    ("headers", "message", "invalid_token"),
    [
        ({"Authorization": f"Basic {KEY_A}"}, "unsupported authorization scheme", False),
        ({"Authorization": "Bearer "}, "empty credentials", False),
        ({"X-API-Key": " "}, "empty credentials", False),
    ],
)
async def test_unusable_credentials(
    make_client: Client, config: AuthConfig, headers, message: str, invalid_token: bool
):
    response = await make_client(config).post("/graphql", json=GRAPHQL, headers=headers)
    assert_refused(response, message, invalid_token=invalid_token)
    assert KEY_A not in response.text


async def test_two_authorization_headers_are_refused(make_client: Client, config: AuthConfig):
    # Which of two headers a proxy and the gateway each read may differ: neither is trusted.
    client = make_client(config)
    headers = [("Authorization", f"Bearer {KEY_A}"), ("Authorization", "Bearer forged")]
    response = await client.post("/graphql", json=GRAPHQL, headers=headers)
    assert_refused(response, "more than one Authorization header", invalid_token=True)
    headers = [("X-API-Key", KEY_A), ("X-API-Key", "forged")]
    response = await client.post("/graphql", json=GRAPHQL, headers=headers)
    assert_refused(response, "more than one X-API-Key header", invalid_token=True)


@pytest.mark.parametrize("presented", [KEY_A, KEY_C, "gw-key-wrong", "x", KEY_B * 3])
async def test_every_configured_key_is_compared_in_constant_time(
    make_client: Client, config: AuthConfig, monkeypatch: pytest.MonkeyPatch, presented: str
):
    calls: list[tuple[bytes, bytes]] = []
    compare = hmac.compare_digest

    def recording_compare(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return compare(a, b)

    monkeypatch.setattr(hmac, "compare_digest", recording_compare)
    await make_client(config).post("/graphql", json=GRAPHQL, headers={"X-API-Key": presented})
    # All three keys, whether and wherever the presented one matches...
    assert len(calls) == 3
    known = {hashlib.sha256(key.encode()).digest() for key in (KEY_A, KEY_B, KEY_C)}
    assert {b for _, b in calls} == known
    # ...and always digests of one length: the time tells nothing of the keys' lengths.
    assert {len(a) for a, _ in calls} == {32}
    assert {a for a, _ in calls} == {hashlib.sha256(presented.encode()).digest()}
