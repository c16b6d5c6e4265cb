"""Who may administer the real gateway (`POST /api/v1/admin/invalidate`) and who may read its
operations paths, over real HTTP, in each auth mode (the middleware's own tests are in
tests/gateway/auth/test_roles.py).

Before admin credentials existed, mode `none` left invalidation open to anyone on the network
and `api-key` mode let any client key (the frontend's) invalidate."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.serving import serve_in_thread
from tests.gateway.auth.conftest import AUDIENCE, ISSUER, JwksServer, bearer, mint, rsa_jwk
from tests.gateway.conftest import ADMIN_KEY, Gateway, StartGateway, invalidate

CLIENT_KEY = "frontend-key-0c4e8a2f6b1d3e5a"
METRICS_KEY = "scraper-key-9d7b5f3a1c0e2b4d"
QUERY = "query($uid: ID!) { document(uid: $uid) { freshness } }"
BODY = {"uids": ["DOC-001"]}


def freshness(gateway: Gateway, **headers: str) -> str:
    response = httpx.post(
        f"{gateway.url}/graphql",
        json={"query": QUERY, "variables": {"uid": "DOC-001"}},
        headers=headers,
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["data"]["document"]["freshness"])


def refusal(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == ["errors"], body
    [error] = body["errors"]
    assert error["extensions"] == {"code": code}
    return str(error["message"])


def test_mode_none_without_an_admin_key_refuses_administration(start_gateway: StartGateway):
    gateway = start_gateway(gateway_admin_api_keys=None)  # the defaults: open, no admin
    assert [freshness(gateway), freshness(gateway)] == ["LIVE", "CACHED"]
    for headers in ({}, {"X-API-Key": ADMIN_KEY}, {"Authorization": "Bearer anything"}):
        response = invalidate(gateway.url, BODY, headers=headers)
        message = refusal(response, 403, "FORBIDDEN")
        assert message.startswith("administration is disabled")
        assert "GATEWAY_ADMIN_API_KEYS" in message  # how to enable it
    assert freshness(gateway) == "CACHED"  # nothing was dropped


def test_mode_none_with_an_admin_key_needs_it(start_gateway: StartGateway):
    gateway = start_gateway()  # the test gateways' admin key, auth mode none
    assert freshness(gateway) == "LIVE"
    assert refusal(invalidate(gateway.url, BODY, headers={}), 401, "UNAUTHENTICATED")
    wrong = invalidate(gateway.url, BODY, headers={"X-API-Key": "guess"})
    refusal(wrong, 401, "UNAUTHENTICATED")
    assert freshness(gateway) == "CACHED"
    assert invalidate(gateway.url, BODY).json() == {"invalidated": {"DOC-001": 1}}
    assert freshness(gateway) == "LIVE"
    assert freshness(gateway, **{"X-API-Key": ADMIN_KEY}) == "CACHED"  # queries stay open


def test_api_key_mode_a_client_key_may_query_not_administer(start_gateway: StartGateway):
    gateway = start_gateway(gateway_auth_mode="api-key", gateway_api_keys=CLIENT_KEY)
    client = {"X-API-Key": CLIENT_KEY}
    assert [freshness(gateway, **client), freshness(gateway, **client)] == ["LIVE", "CACHED"]
    forbidden = invalidate(gateway.url, BODY, headers=client)
    assert "may not administer" in refusal(forbidden, 403, "FORBIDDEN")
    assert forbidden.headers["www-authenticate"] == 'Bearer error="insufficient_scope"'
    assert freshness(gateway, **client) == "CACHED"
    allowed = invalidate(gateway.url, BODY, headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    assert allowed.json() == {"invalidated": {"DOC-001": 1}}
    assert freshness(gateway, **client) == "LIVE"
    # And the admin key is no client's key.
    as_client = httpx.post(
        f"{gateway.url}/graphql", json={"query": "{ __typename }"}, headers={"X-API-Key": ADMIN_KEY}
    )
    assert "may not query" in refusal(as_client, 403, "FORBIDDEN")


def test_a_metrics_key_reads_the_operations_paths_only(start_gateway: StartGateway):
    gateway = start_gateway(
        gateway_auth_mode="api-key",
        gateway_api_keys=CLIENT_KEY,
        gateway_protect_operations=True,
        gateway_metrics_api_keys=METRICS_KEY,
    )
    scraper = {"Authorization": f"Bearer {METRICS_KEY}"}
    metrics = httpx.get(f"{gateway.url}/metrics", headers=scraper)
    assert metrics.status_code == 200
    assert "enovia_requests_total" in metrics.text
    assert httpx.get(f"{gateway.url}/api/v1/health/detailed", headers=scraper).status_code == 200
    assert httpx.get(f"{gateway.url}/metrics").status_code == 401
    assert httpx.get(f"{gateway.url}/metrics", headers={"X-API-Key": CLIENT_KEY}).is_success
    query = httpx.post(f"{gateway.url}/graphql", json={"query": "{ __typename }"}, headers=scraper)
    refusal(query, 403, "FORBIDDEN")
    refusal(invalidate(gateway.url, BODY, headers=scraper), 403, "FORBIDDEN")


# --- jwt mode ---------------------------------------------------------------------------------


@dataclass
class IdentityProvider:
    jwks: JwksServer
    key: rsa.RSAPrivateKey

    def token(self, **claims: Any) -> dict[str, str]:
        return bearer(mint(self.key, "idp-1", sub="plm-operator", **claims))


@pytest.fixture(scope="module")
def idp() -> Iterator[IdentityProvider]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks = JwksServer()
    jwks.keys = [rsa_jwk(key, "idp-1")]
    with serve_in_thread(jwks.app()) as base_url:
        jwks.base_url = base_url
        yield IdentityProvider(jwks, key)


def jwt_gateway(start_gateway: StartGateway, idp: IdentityProvider, **settings: Any) -> Gateway:
    return start_gateway(
        gateway_auth_mode="jwt",
        gateway_jwt_jwks_url=idp.jwks.url,
        gateway_jwt_issuer=ISSUER,
        gateway_jwt_audience=AUDIENCE,
        **settings,
    )


def test_jwt_mode_a_token_administers_with_the_admin_scope_only(
    start_gateway: StartGateway, idp: IdentityProvider
):
    gateway = jwt_gateway(start_gateway, idp, gateway_jwt_admin_scope="gateway:admin")
    reader = idp.token(scope="openid documents:read")
    assert [freshness(gateway, **reader), freshness(gateway, **reader)] == ["LIVE", "CACHED"]
    forbidden = invalidate(gateway.url, BODY, headers=reader)
    assert "may not administer" in refusal(forbidden, 403, "FORBIDDEN")
    assert freshness(gateway, **reader) == "CACHED"
    admin = idp.token(scope="openid gateway:admin")
    assert invalidate(gateway.url, BODY, headers=admin).json() == {"invalidated": {"DOC-001": 1}}
    assert freshness(gateway, **admin) == "LIVE"  # an admin's token still queries
    expired = idp.token(scope="gateway:admin", exp=1)
    refusal(invalidate(gateway.url, BODY, headers=expired), 401, "UNAUTHENTICATED")
    # The admin key works beside the tokens.
    assert invalidate(gateway.url, BODY).status_code == 200


def test_jwt_mode_the_admin_role_and_none_configured(
    start_gateway: StartGateway, idp: IdentityProvider
):
    by_role = jwt_gateway(start_gateway, idp, gateway_jwt_admin_role="gateway-admin")
    admin = idp.token(roles=["gateway-admin"])
    assert invalidate(by_role.url, BODY, headers=admin).status_code == 200
    other = idp.token(roles=["reader"])
    refusal(invalidate(by_role.url, BODY, headers=other), 403, "FORBIDDEN")

    closed = jwt_gateway(start_gateway, idp, gateway_admin_api_keys=None)
    message = refusal(invalidate(closed.url, BODY, headers=admin), 403, "FORBIDDEN")
    assert "administration is disabled" in message
    assert "GATEWAY_JWT_ADMIN_SCOPE" in message
