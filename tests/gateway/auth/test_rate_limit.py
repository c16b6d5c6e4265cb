"""Rate limiting: a token bucket per identity, after authentication, in a bounded table."""

from __future__ import annotations

import pytest

from gateway.auth import MAX_CLIENTS, AuthConfig, RateLimiter, key_id
from tests.gateway.auth.conftest import (
    GRAPHQL,
    Client,
    FakeClock,
    JwksServer,
    bearer,
    jwt_config,
    mint,
)

KEY_A = "rate-key-a-0123456789abcdef"
KEY_B = "rate-key-b-fedcba9876543210"


def limited(**overrides) -> AuthConfig:
    values = {
        "mode": "api-key",
        "api_keys": frozenset({KEY_A, KEY_B}),
        "rate_limit_per_second": 1.0,
        "rate_limit_burst": 3,
    }
    values.update(overrides)
    return AuthConfig(**values)


async def test_burst_then_429_then_refill(make_client: Client, clock: FakeClock):
    client = make_client(limited())
    headers = {"X-API-Key": KEY_A}
    for _ in range(3):
        assert (await client.post("/graphql", json=GRAPHQL, headers=headers)).status_code == 200
    refused = await client.post("/graphql", json=GRAPHQL, headers=headers)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"
    assert refused.headers["content-type"] == "application/json"
    body = refused.json()
    assert "data" not in body
    [error] = body["errors"]
    assert error["extensions"] == {"code": "RATE_LIMITED"}
    assert error["message"].startswith("too many requests: ")
    assert KEY_A not in refused.text
    clock.advance(0.5)
    assert (await client.post("/graphql", json=GRAPHQL, headers=headers)).status_code == 429
    clock.advance(0.5)
    assert (await client.post("/graphql", json=GRAPHQL, headers=headers)).status_code == 200
    assert (await client.post("/graphql", json=GRAPHQL, headers=headers)).status_code == 429
    clock.advance(3600)  # a long pause fills the bucket up to the burst, no more
    statuses = [
        (await client.post("/graphql", json=GRAPHQL, headers=headers)).status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


@pytest.mark.parametrize(("rate", "retry_after"), [(0.1, "10"), (4.0, "1"), (0.4, "3")])
async def test_retry_after_is_whole_seconds_at_least_one(
    make_client: Client, rate: float, retry_after: str
):
    client = make_client(limited(rate_limit_per_second=rate, rate_limit_burst=1))
    headers = {"X-API-Key": KEY_A}
    assert (await client.post("/graphql", json=GRAPHQL, headers=headers)).status_code == 200
    refused = await client.post("/graphql", json=GRAPHQL, headers=headers)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == retry_after


async def test_each_key_has_its_own_bucket(make_client: Client):
    client = make_client(limited(rate_limit_burst=2))
    for _ in range(2):
        await client.post("/graphql", json=GRAPHQL, headers={"X-API-Key": KEY_A})
    assert (
        await client.post("/graphql", json=GRAPHQL, headers={"X-API-Key": KEY_A})
    ).status_code == 429
    assert (
        await client.post("/graphql", json=GRAPHQL, headers={"X-API-Key": KEY_B})
    ).status_code == 200


async def test_each_jwt_subject_has_its_own_bucket(make_client: Client, jwks: JwksServer, rsa_key):
    config = jwt_config(jwks, rate_limit_per_second=1.0, rate_limit_burst=1)
    client = make_client(config)
    alice, bob = mint(rsa_key, "rsa-1", sub="alice"), mint(rsa_key, "rsa-1", sub="bob")
    alice_again = mint(rsa_key, "rsa-1", sub="alice", jti="another-token")
    assert (await client.post("/graphql", json=GRAPHQL, headers=bearer(alice))).status_code == 200
    # Another token, the same subject: the same bucket.
    response = await client.post("/graphql", json=GRAPHQL, headers=bearer(alice_again))
    assert response.status_code == 429
    assert (await client.post("/graphql", json=GRAPHQL, headers=bearer(bob))).status_code == 200


async def test_without_authentication_each_address_has_its_own_bucket(make_client: Client):
    config = AuthConfig(rate_limit_per_second=1.0, rate_limit_burst=1)
    first, second = make_client(config, "10.0.0.1"), make_client(config, "10.0.0.2")
    assert (await first.post("/graphql", json=GRAPHQL)).status_code == 200
    assert (await first.post("/graphql", json=GRAPHQL)).status_code == 429
    response = await second.post("/graphql", json=GRAPHQL)
    assert response.status_code == 200
    assert response.json()["identity"] == {
        "kind": "anonymous",
        "id": "10.0.0.2",
        "sub": None,
        "roles": ["client"],
    }


async def test_open_paths_are_never_limited(make_client: Client):
    client = make_client(limited(rate_limit_burst=1))
    for _ in range(20):
        assert (await client.get("/api/v1/health")).status_code == 200
        assert (await client.get("/graphql", headers={"Accept": "text/html"})).status_code == 200
        assert (await client.get("/graphql/assets/graphiql.min.js")).status_code == 200


async def test_refused_callers_take_no_tokens(make_client: Client):
    client = make_client(limited(rate_limit_burst=1))
    for _ in range(5):
        bad = await client.post("/graphql", json=GRAPHQL, headers={"X-API-Key": "wrong"})
        assert bad.status_code == 401
    good = await client.post("/graphql", json=GRAPHQL, headers={"X-API-Key": KEY_A})
    assert good.status_code == 200


def test_the_table_of_buckets_is_bounded(clock: FakeClock):
    limiter = RateLimiter(1.0, 1, max_clients=3, clock=clock)
    for client in ("a", "b", "c"):
        assert limiter.acquire(client) == 0.0
    assert limiter.acquire("a") > 0  # "a" is now the most recently seen
    assert limiter.acquire("d") == 0.0
    assert len(limiter) == 3
    # "b", the least recently seen, was forgotten and comes back with a full bucket...
    assert limiter.acquire("b") == 0.0
    # ...while "a" was kept, still empty.
    assert limiter.acquire("a") > 0


def test_the_default_bound_holds_against_many_addresses(clock: FakeClock):
    limiter = RateLimiter(1.0, 5, clock=clock)
    for n in range(MAX_CLIENTS + 500):
        limiter.acquire(("anonymous", f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"))
    assert len(limiter) == MAX_CLIENTS == 10_000


def test_a_clock_stepping_back_drains_nothing(clock: FakeClock):
    limiter = RateLimiter(1.0, 2, clock=clock)
    assert limiter.acquire("a") == 0.0
    clock.advance(-100)
    assert limiter.acquire("a") == 0.0
    assert limiter.acquire("a") == pytest.approx(1.0)


def test_bad_limits_are_refused():
    with pytest.raises(ValueError, match="rate"):
        RateLimiter(0, 1)
    with pytest.raises(ValueError, match="burst"):
        RateLimiter(1, 0)


def test_key_ids_are_stable_and_short():
    assert key_id(KEY_A) == key_id(KEY_A.encode())
    assert len(key_id(KEY_A)) == 12
    assert key_id(KEY_A) != key_id(KEY_B)
