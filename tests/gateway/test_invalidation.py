"""POST /api/v1/admin/invalidate: a document's cached entries dropped, on every replica."""

from __future__ import annotations

import pytest

from tests.conftest import PATIENT_REDIS_TIMEOUT
from tests.gateway.conftest import ADMIN_KEY, Gateway, Simulator, StartGateway, invalidate

QUERY = """query($uid: ID!) {
  document(uid: $uid) {
    freshness latestRevision { freshness } revision(revision: "A") { freshness }
  }
}"""


def freshness(gateway: Gateway, uid: str) -> list[str]:
    document = gateway.query(QUERY, uid=uid)["data"]["document"]
    return [
        document["freshness"],
        document["latestRevision"]["freshness"],
        document["revision"]["freshness"],
    ]


def test_a_document_is_fetched_again_after_invalidation(gateway: Gateway, sim: Simulator):
    assert freshness(gateway, "DOC-001") == ["LIVE", "LIVE", "LIVE"]
    assert freshness(gateway, "DOC-002") == ["LIVE", "LIVE", "LIVE"]
    assert freshness(gateway, "DOC-001") == ["CACHED", "CACHED", "CACHED"]
    response = invalidate(gateway.url, {"uids": ["DOC-001", "DOC-001"]})
    assert response.status_code == 200
    assert response.json() == {"invalidated": {"DOC-001": 3}}
    assert freshness(gateway, "DOC-001") == ["LIVE", "LIVE", "LIVE"]
    assert freshness(gateway, "DOC-002") == ["CACHED", "CACHED", "CACHED"]  # others kept


@pytest.mark.parametrize(
    "body",
    [{"uids": "DOC-001"}, {"uids": [1]}, {"uids": [""]}, ["DOC-001"], {"uid": ["DOC-001"]}],
)
def test_bad_requests(gateway: Gateway, body: object):
    response = invalidate(gateway.url, body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_it_needs_an_admin_credential(start_gateway: StartGateway):
    # Who may call it, in every mode: tests/gateway/test_admin_access.py.
    gateway = start_gateway(gateway_auth_mode="api-key", gateway_api_keys="client-key")
    assert invalidate(gateway.url, {"uids": ["DOC-001"]}, headers={}).status_code == 401
    client = invalidate(gateway.url, {"uids": ["DOC-001"]}, headers={"X-API-Key": "client-key"})
    assert client.status_code == 403
    admin = invalidate(gateway.url, {"uids": ["DOC-001"]}, headers={"X-API-Key": ADMIN_KEY})
    assert admin.status_code == 200


@pytest.mark.redis
def test_every_replica_sharing_redis_sees_it(start_gateway: StartGateway, redis_url: str):
    first = start_gateway(gateway_cache_url=redis_url, gateway_cache_timeout=PATIENT_REDIS_TIMEOUT)
    second = start_gateway(gateway_cache_url=redis_url, gateway_cache_timeout=PATIENT_REDIS_TIMEOUT)
    assert freshness(first, "DOC-001") == ["LIVE", "LIVE", "LIVE"]
    assert freshness(second, "DOC-001") == ["CACHED", "CACHED", "CACHED"]
    assert invalidate(first.url, {"uids": ["DOC-001"]}).json() == {"invalidated": {"DOC-001": 3}}
    assert freshness(second, "DOC-001") == ["LIVE", "LIVE", "LIVE"]
