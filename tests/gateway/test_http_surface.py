"""Health, metrics and the `health` query over real HTTP."""

from __future__ import annotations

import time

import httpx

from enovia.simulators.facade import DOC_SUPERSEDED_THEN_RELEASED
from tests.gateway.conftest import Gateway, Simulator, StartGateway


def test_liveness_calls_nothing(gateway: Gateway, sim: Simulator):
    response = httpx.get(f"{gateway.url}/api/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["enovia"] == "unknown"  # nobody asked yet
    assert set(body) >= {"enovia", "last_check", "error"}
    assert sim.stats()["total"] == 0


def test_readiness_asks_neither_enovia_nor_the_cache(gateway: Gateway, sim: Simulator):
    response = httpx.get(f"{gateway.url}/api/v1/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["cache"]["backend"] == "memory"
    assert body["circuit"] == "closed"
    assert sim.stats()["total"] == 0


def test_readiness_stays_ready_without_redis_and_needs_no_credentials(
    start_gateway: StartGateway, unreachable: str, sim: Simulator
):
    # Redis away: the gateway serves from ENOVIA and its local cache, so it stays in service
    # (detailed health says degraded); probes carry no credentials.
    gateway = start_gateway(
        gateway_cache_url=f"redis://{unreachable}/0",
        gateway_auth_mode="api-key",
        gateway_api_keys="k" * 32,
    )
    response = httpx.get(f"{gateway.url}/api/v1/ready")
    assert response.status_code == 200
    assert response.json()["cache"]["healthy"] is False
    assert sim.stats()["total"] == 0


def test_detailed_health_asks_enovia(gateway: Gateway, sim: Simulator):
    response = httpx.get(f"{gateway.url}/api/v1/health/detailed")
    assert response.status_code == 200
    body = response.json()
    assert body["enovia"] == "healthy"
    assert body["error"] is None
    assert body["token"]["state"] == "valid"
    assert body["cache"]["backend"] == "memory"
    assert sim.stats()["calls"]["GET /api/v1/health"] == 1
    liveness = httpx.get(f"{gateway.url}/api/v1/health").json()
    assert liveness["enovia"] == "healthy"  # the last known state
    assert liveness["last_check"] == body["last_check"]


def test_detailed_health_is_503_when_enovia_is_unreachable(
    start_gateway: StartGateway, unreachable: str
):
    gateway = start_gateway(enovia_base_url=f"http://{unreachable}")
    response = httpx.get(f"{gateway.url}/api/v1/health/detailed", timeout=30)
    assert response.status_code == 503
    body = response.json()
    assert body["enovia"] == "unhealthy"
    # The URL tried (the token request's, the first one) and the cause.
    assert body["error"] == (
        f"ENOVIA could not be reached at http://{unreachable}/oauth2/token: Connection refused"
    )
    assert body["reason"] == body["error"]
    metrics = httpx.get(f"{gateway.url}/metrics").text
    assert "enovia_health_check 0.0" in metrics


def test_health_query(gateway: Gateway):
    result = gateway.query("{ health { enovia lastCheck error cacheBackend version } }")
    health = result["data"]["health"]
    assert health["enovia"] == "healthy"
    assert health["error"] is None
    assert health["cacheBackend"] == "memory"


def test_metrics_use_templates_never_identifiers(gateway: Gateway):
    gateway.query(
        "query($uid: ID!) { document(uid: $uid) { latestRevision { revision } } }",
        uid=DOC_SUPERSEDED_THEN_RELEASED,
    )
    gateway.query(
        "query($uid: ID!) { document(uid: $uid) { uid } }", uid=DOC_SUPERSEDED_THEN_RELEASED
    )
    response = httpx.get(f"{gateway.url}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    documents = 'endpoint="/api/v1/documents/{doc_uid}",method="GET"'
    assert f'enovia_requests_total{{{documents},status="200"}} 1.0' in text
    assert 'endpoint="/api/v1/documents/{doc_uid}/revisions/latest"' in text
    assert 'enovia_token_refreshes_total{status="success"} 1.0' in text
    assert 'gateway_cache_hits_total{freshness="CACHED",kind="document"} 1.0' in text
    assert 'gateway_cache_misses_total{kind="document"} 1.0' in text
    assert DOC_SUPERSEDED_THEN_RELEASED not in text


def test_graphql_requests_are_counted_by_operation_and_outcome(gateway: Gateway):
    gateway.query('query Card { document(uid: "DOC-001") { uid } }')
    gateway.query('query Card { document(uid: "DOC-MISSING") { uid } }')
    gateway.query('{ a: document(uid: "DOC-001") { uid } b: document(uid: "DOC-MISSING") { uid } }')
    for n in range(3):
        gateway.query(f"query Q{n}x{'y' * 70} {{ health {{ enovia }} }}")  # too long a name
    text = httpx.get(f"{gateway.url}/metrics").text
    assert 'graphql_requests_total{operation="Card",outcome="ok"} 1.0' in text
    assert 'graphql_requests_total{operation="Card",outcome="error"} 1.0' in text
    assert 'graphql_requests_total{operation="anonymous",outcome="partial"} 1.0' in text
    assert 'graphql_requests_total{operation="other",outcome="ok"} 3.0' in text
    assert 'graphql_request_duration_seconds_count{operation="Card"} 2.0' in text


def test_operation_names_are_bounded():
    from gateway.metrics import OperationNames

    names = OperationNames(limit=2)
    assert [names.label(n) for n in ["A", "B", "C", "A", None, "bad name"]] == [
        "A",
        "B",
        "other",
        "A",
        "anonymous",
        "other",
    ]


def test_request_ids_are_returned(gateway: Gateway):
    given = httpx.post(
        f"{gateway.url}/graphql",
        json={"query": "{ health { enovia } }"},
        headers={"X-Request-ID": "abc-123"},
    )
    assert given.headers["x-request-id"] == "abc-123"
    hostile = httpx.get(f"{gateway.url}/api/v1/health", headers={"X-Request-ID": "a b\tc" * 50})
    assert len(hostile.headers["x-request-id"]) == 32


def test_enovia_health_is_checked_in_the_background(start_gateway: StartGateway):
    gateway = start_gateway(gateway_health_check_interval=0.05)
    deadline = time.monotonic() + 10
    while "enovia_health_check 1.0" not in httpx.get(f"{gateway.url}/metrics").text:
        assert time.monotonic() < deadline, "no background health check happened"
        time.sleep(0.02)  # waiting for the background task
    assert httpx.get(f"{gateway.url}/api/v1/health").json()["enovia"] == "healthy"
