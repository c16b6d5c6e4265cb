"""Client authentication and rate limiting on the real gateway (the middleware's own tests are
in tests/gateway/auth)."""

from __future__ import annotations

import httpx

from tests.gateway.conftest import Simulator, StartGateway

KEY = "pte-qr-frontend-key-0123456789"
QUERY = {"query": '{ document(uid: "DOC-001") { title } }'}


def test_api_keys(start_gateway: StartGateway, sim: Simulator):
    gateway = start_gateway(gateway_auth_mode="api-key", gateway_api_keys=f"{KEY},another-key")
    refused = httpx.post(f"{gateway.url}/graphql", json=QUERY)
    assert refused.status_code == 401
    body = refused.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert sim.stats()["total"] == 0
    wrong = httpx.post(f"{gateway.url}/graphql", json=QUERY, headers={"X-API-Key": "guess"})
    assert wrong.status_code == 401
    assert "guess" not in wrong.text
    for headers in ({"Authorization": f"Bearer {KEY}"}, {"X-API-Key": KEY}):
        allowed = httpx.post(f"{gateway.url}/graphql", json=QUERY, headers=headers)
        assert allowed.status_code == 200
        assert allowed.json()["data"]["document"]["title"]
    assert httpx.get(f"{gateway.url}/api/v1/health").status_code == 200
    assert httpx.get(f"{gateway.url}/metrics").status_code == 401
    assert httpx.get(f"{gateway.url}/api/v1/health/detailed").status_code == 401
    metrics = httpx.get(f"{gateway.url}/metrics", headers={"X-API-Key": KEY})
    assert metrics.status_code == 200
    assert KEY not in metrics.text
    page = httpx.get(f"{gateway.url}/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200  # the GraphiQL page holds no data; its queries need a key


def test_operations_paths_can_stay_open(start_gateway: StartGateway):
    gateway = start_gateway(
        gateway_auth_mode="api-key", gateway_api_keys=KEY, gateway_protect_operations=False
    )
    assert httpx.get(f"{gateway.url}/metrics").status_code == 200
    assert httpx.post(f"{gateway.url}/graphql", json=QUERY).status_code == 401


def test_rate_limited_per_client(start_gateway: StartGateway):
    gateway = start_gateway(
        gateway_auth_mode="api-key",
        gateway_api_keys=f"{KEY},second-key",
        gateway_rate_limit=0.01,
        gateway_rate_burst=3,
    )
    answers = [
        httpx.post(f"{gateway.url}/graphql", json=QUERY, headers={"X-API-Key": KEY})
        for _ in range(4)
    ]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    limited = answers[-1]
    assert limited.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert int(limited.headers["Retry-After"]) >= 1
    other = httpx.post(f"{gateway.url}/graphql", json=QUERY, headers={"X-API-Key": "second-key"})
    assert other.status_code == 200  # each client has its own bucket
    assert httpx.get(f"{gateway.url}/api/v1/health").status_code == 200  # never limited
