"""A request deadline bounds every query, retries included."""

from __future__ import annotations

import httpx

from enovia.simulators.facade import DOC_SUPERSEDED_THEN_RELEASED
from tests.gateway.conftest import Simulator, StartGateway


def test_a_hanging_enovia_cannot_hold_a_query_past_the_deadline(
    start_gateway: StartGateway, sim: Simulator
):
    gateway = start_gateway(gateway_request_timeout=0.5, enovia_timeout=30)
    gateway.query("{ health { enovia } }")  # a token first
    sim.faults(hang=True)
    # Were the deadline not kept, this would wait on ENOVIA for an hour and time out here.
    response = httpx.post(
        f"{gateway.url}/graphql",
        json={"query": '{ a: actuality(uid: "DOC-001", revision: "B") { reason } }'},
        timeout=10,
    )
    body = response.json()
    assert response.status_code == 200
    assert body["data"] == {"a": None}
    assert body["errors"][0]["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert "deadline" in body["errors"][0]["message"]


def test_stale_data_still_answers_when_the_deadline_passes(
    start_gateway: StartGateway, sim: Simulator
):
    gateway = start_gateway(gateway_request_timeout=0.5, gateway_cache_ttl_document=0)
    query = '{ document(uid: "DOC-001") { title freshness } }'
    assert gateway.query(query)["data"]["document"]["freshness"] == "LIVE"
    sim.faults(hang=True)
    result = gateway.query(query)
    assert "errors" not in result
    assert result["data"]["document"]["freshness"] == "STALE"


def test_a_long_retry_after_is_not_waited_past_the_deadline(
    start_gateway: StartGateway, sim: Simulator
):
    gateway = start_gateway(gateway_request_timeout=1.0, enovia_retry_after_max=60)
    gateway.query("{ health { enovia } }")
    sim.faults(rate_limit={"every": 1, "retry_after": 30})
    result = gateway.query(
        "query($uid: ID!) { document(uid: $uid) { uid } }", uid=DOC_SUPERSEDED_THEN_RELEASED
    )
    assert result["errors"][0]["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    # One attempt: a retry after 30 s could not have finished within the 1 s deadline.
    assert sim.calls("GET /api/v1/documents/{doc_uid}") == 1
