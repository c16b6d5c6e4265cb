"""The OAuth2 token endpoint and bearer-token checks."""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.clocks import FakeClock
from tests.enovia.simulators.facade.helpers import (
    CLIENT_ID,
    CLIENT_SECRET,
    TOKEN_FORM,
    get_token,
    set_faults,
    stats,
)


async def test_form_credentials_issue_a_bearer_token(client: httpx.AsyncClient) -> None:
    response = await client.post("/oauth2/token", data=TOKEN_FORM)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == "read"
    assert len(body["access_token"]) >= 32
    assert response.headers["cache-control"] == "no-store"


async def test_tokens_are_random(client: httpx.AsyncClient) -> None:
    assert await get_token(client) != await get_token(client)


async def test_scope_defaults_to_the_seed_scope(client: httpx.AsyncClient) -> None:
    form = {k: v for k, v in TOKEN_FORM.items() if k != "scope"}
    response = await client.post("/oauth2/token", data=form)
    assert response.json()["scope"] == "read documents revisions"


async def test_basic_credentials_issue_a_token(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=httpx.BasicAuth(CLIENT_ID, CLIENT_SECRET),
    )
    assert response.status_code == 200
    token = response.json()["access_token"]
    health = await client.get("/api/v1/health", headers={"Authorization": f"Bearer {token}"})
    assert health.status_code == 200


async def test_basic_credentials_may_be_form_encoded_first(client: httpx.AsyncClient) -> None:
    # RFC 6749 2.3.1: id and secret are application/x-www-form-urlencoded before base64.
    encoded = base64.b64encode(b"pte%2Dqr%2Dclient:demo%2Dsecret").decode()
    response = await client.post(
        "/oauth2/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {encoded}"},
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("client_id", "client_secret"),
    [
        (CLIENT_ID, "wrong"),
        ("someone-else", CLIENT_SECRET),
        ("", ""),
        (CLIENT_ID, "демо"),
    ],
)
async def test_wrong_form_credentials_are_401(
    client: httpx.AsyncClient, client_id: str, client_secret: str
) -> None:
    form = {**TOKEN_FORM, "client_id": client_id, "client_secret": client_secret}
    response = await client.post("/oauth2/token", data=form)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_missing_credentials_are_401(client: httpx.AsyncClient) -> None:
    response = await client.post("/oauth2/token", data={"grant_type": "client_credentials"})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    "header", ["Basic !!!not-base64", "Basic " + base64.b64encode(b"nocolon").decode()]
)
async def test_broken_basic_header_is_401(client: httpx.AsyncClient, header: str) -> None:
    response = await client.post(
        "/oauth2/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": header},
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["www-authenticate"].startswith("Basic")


async def test_wrong_basic_secret_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=httpx.BasicAuth(CLIENT_ID, "wrong"),
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_other_grant_types_are_unsupported(client: httpx.AsyncClient) -> None:
    response = await client.post("/oauth2/token", data={**TOKEN_FORM, "grant_type": "password"})
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


async def test_missing_grant_type_is_invalid_request(client: httpx.AsyncClient) -> None:
    form = {k: v for k, v in TOKEN_FORM.items() if k != "grant_type"}
    response = await client.post("/oauth2/token", data=form)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_get_on_the_token_endpoint_is_405(client: httpx.AsyncClient) -> None:
    response = await client.get("/oauth2/token")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


async def test_unknown_oauth2_path_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.post("/oauth2/authorize", data=TOKEN_FORM)).status_code == 404


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer not-a-token", "Bearer ", "Basic Zm9vOmJhcg==", "bearer"],
)
async def test_api_refuses_missing_or_unknown_tokens(
    client: httpx.AsyncClient, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await client.get("/api/v1/health", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


async def test_bearer_scheme_is_case_insensitive(client: httpx.AsyncClient) -> None:
    token = await get_token(client)
    response = await client.get("/api/v1/health", headers={"Authorization": f"bearer {token}"})
    assert response.status_code == 200


async def test_tokens_expire_after_their_ttl(client: httpx.AsyncClient, clock: FakeClock) -> None:
    headers = {"Authorization": f"Bearer {await get_token(client)}"}
    clock.advance(3599.9)
    assert (await client.get("/api/v1/health", headers=headers)).status_code == 200
    clock.advance(0.1)
    assert (await client.get("/api/v1/health", headers=headers)).status_code == 401


async def test_token_ttl_fault_applies_to_new_tokens(
    client: httpx.AsyncClient, clock: FakeClock
) -> None:
    old = {"Authorization": f"Bearer {await get_token(client)}"}
    await set_faults(client, token_ttl=2.5)
    response = await client.post("/oauth2/token", data=TOKEN_FORM)
    assert response.json()["expires_in"] == 2.5
    new = {"Authorization": f"Bearer {response.json()['access_token']}"}
    clock.advance(2.5)
    assert (await client.get("/api/v1/health", headers=new)).status_code == 401
    assert (await client.get("/api/v1/health", headers=old)).status_code == 200
    await set_faults(client, token_ttl=2)
    assert (await client.post("/oauth2/token", data=TOKEN_FORM)).json()["expires_in"] == 2


async def test_revoke_invalidates_every_issued_token(client: httpx.AsyncClient) -> None:
    tokens = [await get_token(client), await get_token(client)]
    response = await client.post("/_sim/tokens/revoke")
    assert response.json() == {"revoked": 2}
    for token in tokens:
        headers = {"Authorization": f"Bearer {token}"}
        assert (await client.get("/api/v1/health", headers=headers)).status_code == 401
    fresh = {"Authorization": f"Bearer {await get_token(client)}"}
    assert (await client.get("/api/v1/health", headers=fresh)).status_code == 200


async def test_reset_keeps_tokens_valid(client: httpx.AsyncClient) -> None:
    headers = {"Authorization": f"Bearer {await get_token(client)}"}
    await client.post("/_sim/reset")
    assert (await client.get("/api/v1/health", headers=headers)).status_code == 200


async def test_refusals_are_counted_as_unauthorized(client: httpx.AsyncClient) -> None:
    await client.get("/api/v1/health")
    await client.post("/oauth2/token", data={**TOKEN_FORM, "client_secret": "wrong"})
    counted = await stats(client)
    assert counted["unauthorized"] == 2
    assert counted["calls"]["GET /api/v1/health"] == 1
    assert counted["token_requests"] == 1
    assert counted["statuses"] == {"401": 2}
