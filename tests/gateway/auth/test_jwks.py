"""The JWKS: cached, refetched for an unknown key id at most once per interval, one fetch for
many callers, and a clear refusal when the identity provider's keys cannot be had."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from structlog.testing import capture_logs

from gateway.auth import KEYS_UNAVAILABLE_MESSAGE, AuthConfig, JwksKeySource, KeysUnavailable
from tests.gateway.auth.conftest import (
    GRAPHQL,
    Client,
    FakeClock,
    JwksServer,
    bearer,
    jwt_config,
    mint,
    rsa_jwk,
)


def message(response) -> str:
    assert response.status_code == 401, response.text
    return str(response.json()["errors"][0]["message"])


async def test_the_jwks_is_fetched_once_and_cached(
    make_client: Client, jwks: JwksServer, clock: FakeClock, rsa_key, ec_key
):
    client = make_client(jwt_config(jwks, jwks_cache_seconds=600))
    for _ in range(5):
        for token in (mint(rsa_key, "rsa-1"), mint(ec_key, "ec-1", algorithm="ES256")):
            response = await client.post("/graphql", json=GRAPHQL, headers=bearer(token))
            assert response.status_code == 200
        clock.advance(100)
    assert jwks.hits == 1  # 400 s: still within the cache time
    clock.advance(200)
    response = await client.post("/graphql", json=GRAPHQL, headers=bearer(mint(rsa_key, "rsa-1")))
    assert response.status_code == 200
    assert jwks.hits == 2  # past 600 s: fetched again


async def test_concurrent_callers_share_one_fetch(make_client: Client, jwks: JwksServer, rsa_key):
    client = make_client(jwt_config(jwks))
    tokens = [mint(rsa_key, "rsa-1", sub=f"user-{n}") for n in range(20)]
    responses = await asyncio.gather(
        *(client.post("/graphql", json=GRAPHQL, headers=bearer(token)) for token in tokens)
    )
    assert [response.status_code for response in responses] == [200] * 20
    assert jwks.hits == 1


async def test_an_unknown_kid_refetches_once_then_is_refused(
    make_client: Client, jwks: JwksServer, clock: FakeClock, rsa_key
):
    client = make_client(jwt_config(jwks, jwks_min_refetch_interval=30))
    assert (
        await client.post("/graphql", json=GRAPHQL, headers=bearer(mint(rsa_key, "rsa-1")))
    ).status_code == 200
    assert jwks.hits == 1
    clock.advance(31)
    stranger = mint(rsa_key, "rotated-in?")
    response = await client.post("/graphql", json=GRAPHQL, headers=bearer(stranger))
    assert message(response) == "token signed with an unknown key"
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert jwks.hits == 2  # asked once more, the key is not there


async def test_a_flood_of_unknown_kids_costs_one_refetch_per_interval(
    make_client: Client, jwks: JwksServer, clock: FakeClock, rsa_key
):
    client = make_client(jwt_config(jwks, jwks_min_refetch_interval=30))
    await client.post("/graphql", json=GRAPHQL, headers=bearer(mint(rsa_key, "rsa-1")))
    assert jwks.hits == 1
    # Right after a fetch, unknown kids are refused without asking again.
    for _ in range(10):
        token = mint(rsa_key, uuid.uuid4().hex)
        response = await client.post("/graphql", json=GRAPHQL, headers=bearer(token))
        assert message(response) == "token signed with an unknown key"
    assert jwks.hits == 1
    clock.advance(30)
    sequential = [mint(rsa_key, uuid.uuid4().hex) for _ in range(20)]
    for token in sequential:
        response = await client.post("/graphql", json=GRAPHQL, headers=bearer(token))
        assert message(response) == "token signed with an unknown key"
        clock.advance(1)  # all within the next 30 s
    concurrent = [mint(rsa_key, uuid.uuid4().hex) for _ in range(20)]
    responses = await asyncio.gather(
        *(client.post("/graphql", json=GRAPHQL, headers=bearer(token)) for token in concurrent)
    )
    assert {response.status_code for response in responses} == {401}
    assert jwks.hits == 2
    clock.advance(30)
    await client.post("/graphql", json=GRAPHQL, headers=bearer(mint(rsa_key, "another")))
    assert jwks.hits == 3


async def test_a_rotated_in_key_is_found_by_the_refetch(
    make_client: Client, jwks: JwksServer, clock: FakeClock, rsa_key, other_rsa_key
):
    client = make_client(jwt_config(jwks))
    await client.post("/graphql", json=GRAPHQL, headers=bearer(mint(rsa_key, "rsa-1")))
    jwks.keys = [*jwks.keys, rsa_jwk(other_rsa_key, "rsa-2")]
    clock.advance(30)
    token = mint(other_rsa_key, "rsa-2", sub="after-rotation")
    response = await client.post("/graphql", json=GRAPHQL, headers=bearer(token))
    assert response.status_code == 200
    assert response.json()["identity"]["id"] == "after-rotation"
    assert jwks.hits == 2


@pytest.mark.parametrize(
    "failure", ["http-500", "http-404", "not-json", "not-a-jwks", "no-keys", "unreachable"]
)
async def test_keys_unavailable_is_a_401_with_a_warning(
    make_client: Client,
    jwks: JwksServer,
    clock: FakeClock,
    rsa_key,
    unreachable: str,
    failure: str,
):
    if failure == "http-500":
        jwks.status = 500
        config = jwt_config(jwks)
    elif failure == "no-keys":
        jwks.keys = []
        config = jwt_config(jwks)
    elif failure == "http-404":
        config = jwt_config(jwks, jwks_url=jwks.base_url + "/not-there")
    elif failure == "not-json":
        jwks.raw = b"<html>login</html>"
        config = jwt_config(jwks)
    elif failure == "not-a-jwks":
        jwks.raw = b'["keys"]'
        config = jwt_config(jwks)
    else:
        config = jwt_config(jwks, jwks_url=f"http://{unreachable}/jwks")
    token = mint(rsa_key, "rsa-1")
    client = make_client(config)
    with capture_logs() as logs:
        response = await client.post("/graphql", json=GRAPHQL, headers=bearer(token))
    assert response.status_code == 401
    assert response.json() == {
        "errors": [{"message": KEYS_UNAVAILABLE_MESSAGE, "extensions": {"code": "UNAUTHENTICATED"}}]
    }
    # The token was not found bad: it could not be checked.
    assert response.headers["www-authenticate"] == "Bearer"
    warnings = [entry for entry in logs if entry["event"] == "auth.jwks_unavailable"]
    assert len(warnings) == 1
    assert warnings[0]["log_level"] == "warning"
    assert token not in repr(logs)


async def test_after_a_failure_the_provider_is_asked_again_only_after_the_interval(
    make_client: Client, jwks: JwksServer, clock: FakeClock, rsa_key
):
    client = make_client(jwt_config(jwks, jwks_min_refetch_interval=30))
    token = mint(rsa_key, "rsa-1")
    jwks.status = 503
    for _ in range(5):
        response = await client.post("/graphql", json=GRAPHQL, headers=bearer(token))
        assert message(response) == KEYS_UNAVAILABLE_MESSAGE
    assert jwks.hits == 1
    jwks.status = 200
    clock.advance(29)
    response = await client.post("/graphql", json=GRAPHQL, headers=bearer(token))
    assert message(response) == KEYS_UNAVAILABLE_MESSAGE
    clock.advance(1)
    response = await client.post("/graphql", json=GRAPHQL, headers=bearer(token))
    assert response.status_code == 200
    assert jwks.hits == 2


async def test_cached_keys_outlive_a_failed_refresh(
    make_client: Client, jwks: JwksServer, clock: FakeClock, rsa_key
):
    client = make_client(jwt_config(jwks, jwks_cache_seconds=600))
    token = mint(rsa_key, "rsa-1")
    assert (await client.post("/graphql", json=GRAPHQL, headers=bearer(token))).status_code == 200
    jwks.status = 502
    clock.advance(601)
    with capture_logs() as logs:
        response = await client.post("/graphql", json=GRAPHQL, headers=bearer(token))
    assert response.status_code == 200
    assert jwks.hits == 2
    [warning] = [entry for entry in logs if entry["event"] == "auth.jwks_unavailable"]
    assert warning["using_cached_keys"] is True


async def test_the_key_source_on_its_own(jwks: JwksServer, clock: FakeClock):
    config: AuthConfig = jwt_config(jwks)
    assert config.jwks_url is not None
    source = JwksKeySource(
        config.jwks_url,
        algorithms=config.algorithms,
        cache_seconds=60,
        min_refetch_interval=10,
        clock=clock,
    )
    try:
        key = await source.key_for("rsa-1")
        assert key.kid == "rsa-1"
        assert key.algorithm is None
        assert (await source.key_for("ec-1")).kid == "ec-1"
        assert jwks.hits == 1
    finally:
        await source.aclose()
        await source.aclose()  # idempotent
    with pytest.raises(KeysUnavailable):
        await source.key_for("rsa-1")
    assert jwks.hits == 1
