"""What holds on the REST facade holds on the 3DEXPERIENCE platform: each test runs once per
upstream (`testbed`), over real HTTP against that upstream's simulator.

The scan, many documents, single flight, STALE and never CURRENT on it, a change seen by the
next scan, faults, awkward identifiers, documents that are not there. Only the calls a
question costs differ (`Testbed.scan_cost`); the answers do not.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from enovia.simulators.facade import (
    CATALOGUE_UIDS,
    DOC_GONE,
    DOC_IN_WORK_ONLY,
    DOC_MISSING,
    DOC_RELEASED_THEN_IN_WORK,
    DOC_SUPERSEDED_THEN_RELEASED,
    HOSTILE_UIDS,
)
from tests.gateway.conftest import Gateway
from tests.gateway.testbeds import Testbed

QUERIES = Path(__file__).resolve().parents[2] / "queries"
SCAN = (QUERIES / "ScanCheck.graphql").read_text()
LIST = (QUERIES / "DocumentList.graphql").read_text()


def scan(gateway: Gateway, uid: str, revision: str, **variables: Any) -> dict[str, Any]:
    answer = gateway.query(SCAN, uid=uid, revision=revision, **variables)
    assert "errors" not in answer, answer
    return answer["data"]["actuality"]  # type: ignore[no-any-return]


def data_calls(testbed: Testbed) -> dict[str, int]:
    calls: dict[str, int] = testbed.sim.stats()["calls"]
    return {name: n for name, n in calls.items() if n and name in testbed.scan_cost.by_template}


def test_the_scan(testbed: Testbed):
    gateway = testbed.start()
    current = scan(gateway, DOC_SUPERSEDED_THEN_RELEASED, "B")
    assert current["isActual"] is True
    assert current["reason"] == "CURRENT"
    assert current["businessStatus"]["code"] == "APPROVED_FOR_CONSTRUCTION"
    assert current["latestRevision"] == {"revision": "B"}
    assert current["freshness"] == "LIVE"
    assert data_calls(testbed) == testbed.scan_cost.by_template
    replaced = scan(gateway, DOC_SUPERSEDED_THEN_RELEASED, "A")
    assert replaced["isActual"] is False
    assert replaced["reason"] == "SUPERSEDED"
    assert replaced["businessStatus"]["code"] == "CHANGES_INTRODUCED_GET_NEW"
    in_work = scan(gateway, DOC_RELEASED_THEN_IN_WORK, "B")
    assert in_work["reason"] == "NOT_RELEASED"
    assert scan(gateway, DOC_RELEASED_THEN_IN_WORK, "A")["reason"] == "CURRENT"
    assert scan(gateway, DOC_IN_WORK_ONLY, "A")["reason"] == "NOT_RELEASED"


def test_a_hundred_documents_in_one_query(testbed: Testbed):
    gateway = testbed.start()
    uids = list(CATALOGUE_UIDS[:100])
    cold = gateway.query(LIST, uids=uids)
    assert "errors" not in cold
    assert [entry["uid"] for entry in cold["data"]["documents"]] == uids
    cold_calls = testbed.sim.calls()
    warm = gateway.query(LIST, uids=uids)
    assert {entry["freshness"] for entry in warm["data"]["documents"]} == {"CACHED"}
    assert testbed.sim.calls() == cold_calls  # warm: nothing asked again
    if testbed.name == "facade":
        assert cold_calls == 200
    else:
        from enovia.simulators.platform import DOCUMENTS_BY_IDS, GRAPH, SEARCH

        assert testbed.sim.calls(SEARCH) == 100
        assert testbed.sim.calls(GRAPH) <= 2  # batched: ⌈100/50⌉, not 100
        assert testbed.sim.calls(DOCUMENTS_BY_IDS) <= 6  # ⌈their revisions / 50⌉


async def test_concurrent_identical_scans_share_one_call_per_resource(testbed: Testbed):
    gateway = testbed.start(gateway_share_window=0.5)
    scan(gateway, "GEN-1", "A")  # logged in: only the data calls remain to count
    before = testbed.sim.calls()
    testbed.sim.faults(latency_ms=300)  # the scans all arrive while the first is in flight
    body = {"query": SCAN, "variables": {"uid": DOC_SUPERSEDED_THEN_RELEASED, "revision": "B"}}
    limits = httpx.Limits(max_connections=50)
    async with httpx.AsyncClient(base_url=gateway.url, limits=limits, timeout=30) as client:
        answers = await asyncio.gather(*(client.post("/graphql", json=body) for _ in range(50)))
    assert {answer.json()["data"]["actuality"]["reason"] for answer in answers} == {"CURRENT"}
    assert testbed.sim.calls() - before == testbed.scan_cost.total


@pytest.mark.parametrize("fault", ["down", "hang"])
def test_stale_data_is_never_current(testbed: Testbed, fault: str):
    gateway = testbed.start(
        gateway_request_timeout=1,
        gateway_cache_ttl_latest=0,
        enovia_circuit_failure_threshold=1000,  # so that recovery is seen at once
    )
    uid = DOC_SUPERSEDED_THEN_RELEASED
    assert scan(gateway, uid, "B")["reason"] == "CURRENT"
    testbed.sim.faults(**{fault: True})
    verdicts = [scan(gateway, uid, "B") for _ in range(3)]
    testbed.sim.faults(**{fault: False})
    for verdict in verdicts:
        assert verdict["reason"] == "UNCONFIRMED"
        assert verdict["lastKnownReason"] == "CURRENT"
        assert verdict["freshness"] == "STALE"
        assert verdict["isActual"] is False
        assert verdict["businessStatus"]["code"] == "UNKNOWN"
    assert scan(gateway, uid, "B")["reason"] == "CURRENT"  # ENOVIA back: confirmed again


def test_a_release_is_seen_by_the_next_scan(testbed: Testbed):
    gateway = testbed.start()
    uid = "SAFE-RELEASE-1"
    testbed.release_new(uid, "A")
    assert scan(gateway, uid, "A")["reason"] == "CURRENT"
    testbed.release_new(uid, "B")
    after = scan(gateway, uid, "A")
    assert after["isActual"] is False
    assert after["reason"] in {"SUPERSEDED", "NEWER_REVISION_RELEASED"}
    assert after["latestRevision"] == {"revision": "B"}
    assert scan(gateway, uid, "B")["reason"] == "CURRENT"


def test_an_upstream_error_rate_is_retried_away(testbed: Testbed):
    gateway = testbed.start(enovia_retry_attempts=5, enovia_circuit_failure_threshold=1000)
    scan(gateway, "GEN-1", "A")
    testbed.sim.faults(error_rate=0.1)
    answers = [gateway.query(SCAN, uid=f"GEN-{n}", revision="A") for n in range(2, 12)]
    testbed.sim.faults(error_rate=0)
    assert all("errors" not in answer for answer in answers)


@pytest.mark.parametrize("kind", ["not_json", "html"])
def test_a_malformed_answer_is_upstream_bad_response(testbed: Testbed, kind: str):
    gateway = testbed.start()
    uid = DOC_SUPERSEDED_THEN_RELEASED
    testbed.sim.faults(malformed={uid: kind})
    answer = gateway.query(SCAN, uid=uid, revision="B")
    assert answer["data"]["actuality"] is None
    codes = {error["extensions"]["code"] for error in answer["errors"]}
    assert codes == {"UPSTREAM_BAD_RESPONSE"}


@pytest.mark.parametrize("uid", HOSTILE_UIDS)
def test_awkward_identifiers_reach_their_document(testbed: Testbed, uid: str):
    gateway = testbed.start()
    verdict = scan(gateway, uid, "A")
    assert verdict["reason"] == "CURRENT"
    document = gateway.query("query($uid: ID!) { document(uid: $uid) { uid } }", uid=uid)
    assert document["data"]["document"] == {"uid": uid}


def test_documents_that_are_not_there(testbed: Testbed):
    gateway = testbed.start()
    assert scan(gateway, DOC_MISSING, "A")["reason"] == "DOCUMENT_NOT_FOUND"
    assert scan(gateway, DOC_SUPERSEDED_THEN_RELEASED, "Z")["reason"] == "REVISION_NOT_FOUND"
    missing = gateway.query("query($uid: ID!) { document(uid: $uid) { uid } }", uid=DOC_MISSING)
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    gone = gateway.query("query($uid: ID!) { document(uid: $uid) { uid } }", uid=DOC_GONE)
    assert gone["errors"][0]["extensions"]["code"] == "GONE"
    assert "was deleted" in gone["errors"][0]["message"]
