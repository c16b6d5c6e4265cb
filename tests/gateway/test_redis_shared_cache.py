"""Replicas sharing one Redis: what one fetched, the other serves as CACHED."""

from __future__ import annotations

import httpx
import pytest

from enovia.simulators.facade import DOC_SUPERSEDED_THEN_RELEASED
from tests.conftest import PATIENT_REDIS_TIMEOUT, RedisServer
from tests.gateway.conftest import Simulator, StartGateway

pytestmark = pytest.mark.redis

QUERY = """query($uid: ID!) {
  document(uid: $uid) { uid title freshness checkedAt latestRevision { revision freshness } }
}"""


def test_the_second_replica_serves_from_the_shared_cache(
    start_gateway: StartGateway, sim: Simulator, redis_url: str
):
    first = start_gateway(gateway_cache_url=redis_url, gateway_cache_timeout=PATIENT_REDIS_TIMEOUT)
    second = start_gateway(gateway_cache_url=redis_url, gateway_cache_timeout=PATIENT_REDIS_TIMEOUT)
    fetched = first.query(QUERY, uid=DOC_SUPERSEDED_THEN_RELEASED)["data"]["document"]
    assert fetched["freshness"] == "LIVE"
    calls_after_first = sim.stats()["total"]
    shared = second.query(QUERY, uid=DOC_SUPERSEDED_THEN_RELEASED)["data"]["document"]
    assert shared["freshness"] == "CACHED"
    assert shared["latestRevision"]["freshness"] == "CACHED"
    assert shared["checkedAt"] == fetched["checkedAt"]
    assert shared["title"] == fetched["title"]
    # The second replica's only ENOVIA traffic: none at all (not even a token).
    assert sim.stats()["total"] == calls_after_first
    detailed = httpx.get(f"{second.url}/api/v1/health/detailed").json()
    assert detailed["cache"]["backend"] == "redis"


def test_a_failed_redis_never_fails_a_query(
    start_gateway: StartGateway, redis_server: RedisServer, redis_url: str
):
    gateway = start_gateway(
        gateway_cache_url=redis_url, gateway_cache_timeout=PATIENT_REDIS_TIMEOUT
    )
    assert gateway.query(QUERY, uid=DOC_SUPERSEDED_THEN_RELEASED)["data"]["document"]
    redis_server.stop()
    try:
        result = gateway.query(QUERY, uid=DOC_SUPERSEDED_THEN_RELEASED)
        assert "errors" not in result
        # Served by the local fallback cache, which every entry is also written to.
        assert result["data"]["document"]["freshness"] == "CACHED"
        other = gateway.query(QUERY, uid="DOC-002")
        assert "errors" not in other
        assert other["data"]["document"]["freshness"] == "LIVE"
        detailed = httpx.get(f"{gateway.url}/api/v1/health/detailed").json()
        assert detailed["status"] == "degraded"
        assert detailed["cache"]["healthy"] is False
    finally:
        redis_server.start()
