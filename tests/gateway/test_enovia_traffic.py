"""One query, minimal ENOVIA traffic: calls counted by the simulator (`/_sim/stats`)."""

from __future__ import annotations

import asyncio

import httpx

from enovia.facade import DOCUMENT, LATEST, REVISION
from enovia.simulators.facade import CATALOGUE_UIDS, DOC_SUPERSEDED_THEN_RELEASED
from tests.gateway.conftest import Gateway, Simulator, StartGateway

QR_SCAN = """
query Scan($uid: ID!, $revision: String!, $maxAge: Int) {
  document(uid: $uid) {
    uid title freshness checkedAt
    latestRevision { revision maturityState businessStatus { code label } freshness }
  }
  actuality(uid: $uid, revision: $revision, maxAge: $maxAge) {
    isActual reason freshness checkedAt
    revision { revision } latestRevision { revision }
  }
}
"""

LIST = """
query List($uids: [ID!]!) {
  documents(uids: $uids) { uid title freshness latestRevision { revision businessStatus { code } } }
}
"""


def template_calls(sim: Simulator) -> dict[str, int]:
    calls = sim.stats()["calls"]
    return {name: calls.get(f"GET {name}", 0) for name in (DOCUMENT, REVISION, LATEST)}


def test_qr_scan_query_costs_three_calls_cold_and_none_warm(gateway: Gateway, sim: Simulator):
    uid = DOC_SUPERSEDED_THEN_RELEASED
    cold = gateway.query(QR_SCAN, uid=uid, revision="B", maxAge=60)
    assert "errors" not in cold
    assert cold["data"]["actuality"]["reason"] == "CURRENT"
    assert cold["data"]["document"]["freshness"] == "LIVE"
    assert template_calls(sim) == {DOCUMENT: 1, REVISION: 1, LATEST: 1}

    warm = gateway.query(QR_SCAN, uid=uid, revision="B", maxAge=60)
    assert "errors" not in warm
    assert template_calls(sim) == {DOCUMENT: 1, REVISION: 1, LATEST: 1}
    assert warm["data"]["document"]["freshness"] == "CACHED"
    assert warm["data"]["actuality"]["freshness"] == "CACHED"


def test_actuality_asks_enovia_now_by_default(gateway: Gateway, sim: Simulator):
    uid = DOC_SUPERSEDED_THEN_RELEASED
    gateway.query(QR_SCAN, uid=uid, revision="B")
    gateway.query(QR_SCAN, uid=uid, revision="B")
    # The document and the document's latestRevision come from the cache the second time;
    # the actuality check asks for the revision and the latest released one again.
    assert template_calls(sim) == {DOCUMENT: 1, REVISION: 2, LATEST: 2}


def test_aliases_and_duplicates_add_nothing(gateway: Gateway, sim: Simulator):
    uid = DOC_SUPERSEDED_THEN_RELEASED
    result = gateway.query(
        """query($uid: ID!) {
          a: document(uid: $uid) { uid latestRevision { revision } }
          b: document(uid: $uid) { title latestRevision { pages } }
          c: documents(uids: [$uid, $uid, $uid]) { uid latestRevision { revision } }
          d: actuality(uid: $uid, revision: "B") { reason }
          e: actuality(uid: $uid, revision: "B") { isActual }
        }""",
        uid=uid,
    )
    assert "errors" not in result
    assert [entry["uid"] for entry in result["data"]["c"]] == [uid, uid, uid]
    assert template_calls(sim) == {DOCUMENT: 1, REVISION: 1, LATEST: 1}


def test_a_hundred_documents_cost_a_hundred_plus_a_hundred_cold_and_none_warm(
    gateway: Gateway, sim: Simulator
):
    uids = list(CATALOGUE_UIDS[:100])
    cold = gateway.query(LIST, uids=uids)
    assert "errors" not in cold
    assert [entry["uid"] for entry in cold["data"]["documents"]] == uids
    assert template_calls(sim) == {DOCUMENT: 100, REVISION: 0, LATEST: 100}
    warm = gateway.query(LIST, uids=uids)
    assert template_calls(sim) == {DOCUMENT: 100, REVISION: 0, LATEST: 100}
    warm = gateway.query(LIST, uids=uids[:50] + uids[:50])  # duplicates add nothing either
    assert "errors" not in warm
    assert {entry["freshness"] for entry in warm["data"]["documents"]} == {"CACHED"}
    assert template_calls(sim) == {DOCUMENT: 100, REVISION: 0, LATEST: 100}


async def test_two_hundred_concurrent_cold_queries_share_one_call_per_resource(
    gateway: Gateway, sim: Simulator
):
    sim.faults(latency_ms=300)  # every query arrives while the first fetches are in flight
    query = {
        "query": "query($uid: ID!) { document(uid: $uid) { uid latestRevision { revision } } }",
        "variables": {"uid": DOC_SUPERSEDED_THEN_RELEASED},
    }
    limits = httpx.Limits(max_connections=200)
    async with httpx.AsyncClient(base_url=gateway.url, limits=limits, timeout=30) as client:
        responses = await asyncio.gather(*(client.post("/graphql", json=query) for _ in range(200)))
    assert all(response.status_code == 200 for response in responses)
    bodies = [response.json() for response in responses]
    assert all("errors" not in body for body in bodies)
    assert {body["data"]["document"]["latestRevision"]["revision"] for body in bodies} == {"B"}
    assert template_calls(sim) == {DOCUMENT: 1, REVISION: 0, LATEST: 1}


def test_document_and_latest_go_out_together(start_gateway: StartGateway, sim: Simulator):
    sim.faults(latency_ms=150)
    gateway = start_gateway()
    gateway.query("{ health { enovia } }")  # the token, so that only the data calls remain
    gateway.query(QR_SCAN, uid=DOC_SUPERSEDED_THEN_RELEASED, revision="B")
    # All three calls were in flight at once: one ENOVIA round trip on the critical path.
    assert sim.stats()["peak_concurrency"] >= 3
