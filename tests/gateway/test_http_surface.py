"""Health, metrics and the `health` query over real HTTP."""

from __future__ import annotations

import httpx

from gateway.simulator import DOC_SUPERSEDED_THEN_RELEASED
from tests.conftest import free_port
from tests.gateway.conftest import Gateway, Simulator, StartGateway


def test_liveness_calls_nothing(gateway: Gateway, sim: Simulator):
    response = httpx.get(f"{gateway.url}/api/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["enovia"] == "unknown"  # nobody asked yet
    assert set(body) >= {"enovia", "last_check", "error"}
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


def test_detailed_health_is_503_when_enovia_is_unreachable(start_gateway: StartGateway):
    gateway = start_gateway(enovia_base_url=f"http://127.0.0.1:{free_port()}")
    response = httpx.get(f"{gateway.url}/api/v1/health/detailed", timeout=30)
    assert response.status_code == 503
    body = response.json()
    assert body["enovia"] == "unhealthy"
    assert body["error"] == "ENOVIA could not be reached"
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
