"""The gateway on the 3DEXPERIENCE platform, for what only the platform has: its logins and
sessions, CSRF, SecurityContext, the version graph, its lifecycle states and its labels.
Over real HTTP against the platform simulator; `test_on_both_upstreams` has the rest."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from enovia.simulators.facade import DOC_RELEASED_THEN_IN_WORK, DOC_SUPERSEDED_THEN_RELEASED
from enovia.simulators.platform import (
    CSRF,
    DOC_BRANCHED,
    DOC_LEGACY_STATES,
    DOC_MAJOR_MINOR_LABELS,
    DOC_OBSOLETE_CHAIN,
    DOC_POLICY_PREFIXED_STATES,
    DRAWING,
    GRAPH,
    PlatformSimulatorConfig,
    PlatformUser,
    create_platform_simulator_app,
)
from gateway.app import create_app
from gateway.services import open_services
from gateway.serving import serve_in_thread
from gateway.settings import SettingsError
from tests.gateway.conftest import Gateway, StartGateway, no_sleep
from tests.gateway.testbeds import PLATFORM_CONFIG, PlatformSimulator, platform_settings_for

SCAN = """query($uid: ID!, $revision: String!) {
  actuality(uid: $uid, revision: $revision) {
    isActual reason freshness
    businessStatus { code }
    revision { revision maturityState pages releasedDate supersededBy }
    latestRevision { revision }
  }
}"""

REVISIONS = """query($uid: ID!) {
  document(uid: $uid) {
    uid number title createdAt updatedAt
    revisions { revision maturityState supersededBy isActual businessStatus { code } pages }
    latestRevision { revision }
  }
}"""


def scan(gateway: Gateway, uid: str, revision: str) -> dict[str, Any]:
    answer = gateway.query(SCAN, uid=uid, revision=revision)
    assert "errors" not in answer, answer
    return answer["data"]["actuality"]  # type: ignore[no-any-return]


@contextmanager
def own_platform(config: PlatformSimulatorConfig) -> Iterator[PlatformSimulator]:
    """A platform simulator of its own, for a test that needs another configuration."""
    with serve_in_thread(create_platform_simulator_app(config)) as url:
        simulator = PlatformSimulator(url)
        try:
            yield simulator
        finally:
            simulator.close()


# --- logging in -------------------------------------------------------------------------


def test_batch_service_logs_in_once(start_platform_gateway: StartGateway, platform_sim):
    gateway = start_platform_gateway()
    for n in range(5):
        scan(gateway, f"GEN-{n}", "A")
    stats = platform_sim.stats()
    assert stats["token_requests"] == 1  # one batch ticket
    assert stats["logins"] == 1  # one 3DSpace session
    assert stats["calls"][CSRF] == 1  # one CSRF token for the session


@pytest.mark.parametrize("shape", ["json", "redirect"])
def test_both_shapes_of_the_transient_login(shape: str):
    config = PlatformSimulatorConfig(transient_login_shape=shape, castgc_suffix="_3dp")
    with own_platform(config) as simulator:
        settings = platform_settings_for(simulator.base_url)
        with serve_in_thread(create_app(settings, sleep=no_sleep)) as url:
            assert scan(Gateway(url), DOC_SUPERSEDED_THEN_RELEASED, "B")["reason"] == "CURRENT"
        assert simulator.stats()["logins"] == 1


def test_an_agent_needs_no_login(start_platform_gateway: StartGateway, platform_sim):
    gateway = start_platform_gateway(
        tdx_auth_mode="agent",
        tdx_agent_id=PLATFORM_CONFIG.agent_id,
        tdx_agent_secret=PLATFORM_CONFIG.agent_secret,
    )
    assert scan(gateway, DOC_SUPERSEDED_THEN_RELEASED, "B")["reason"] == "CURRENT"
    assert platform_sim.stats()["token_requests"] == 0


def test_a_password_login_for_development(start_platform_gateway: StartGateway, platform_sim):
    user = PLATFORM_CONFIG.users[0]
    gateway = start_platform_gateway(
        tdx_auth_mode="cas-password", tdx_username=user.username, tdx_password=user.password
    )
    assert scan(gateway, DOC_SUPERSEDED_THEN_RELEASED, "B")["reason"] == "CURRENT"
    assert platform_sim.stats()["passport_logins"] == 1


def test_a_wrong_secret_is_upstream_auth_failed(start_platform_gateway: StartGateway):
    gateway = start_platform_gateway(tdx_batch_service_secret="not-the-secret")
    answer = gateway.query(SCAN, uid=DOC_SUPERSEDED_THEN_RELEASED, revision="B")
    assert answer["errors"][0]["extensions"]["code"] == "UPSTREAM_AUTH_FAILED"
    assert "not-the-secret" not in json.dumps(answer)


def test_no_security_context_to_be_found_stops_start_up():
    nobody = PlatformUser("no-context", "pw", preferred_context=None)
    with own_platform(PlatformSimulatorConfig(users=(nobody,))) as simulator:
        settings = platform_settings_for(simulator.base_url, tdx_impersonate_user="no-context")

        async def start() -> None:
            async with open_services(settings):
                pass

        with pytest.raises(SettingsError, match="TDX_SECURITY_CONTEXT"):
            asyncio.run(start())
        # Given explicitly, the same person works.
        context = PLATFORM_CONFIG.security_contexts[0]
        settings = platform_settings_for(
            simulator.base_url, tdx_impersonate_user="no-context", tdx_security_context=context
        )
        with serve_in_thread(create_app(settings, sleep=no_sleep)) as url:
            assert scan(Gateway(url), DOC_SUPERSEDED_THEN_RELEASED, "B")["reason"] == "CURRENT"


# --- sessions and CSRF --------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["redirect", "login_page", "json_401", "json_403"])
async def test_a_session_ended_mid_traffic_costs_one_login_and_no_failed_query(
    start_platform_gateway: StartGateway, platform_sim: PlatformSimulator, shape: str
):
    gateway = start_platform_gateway()
    scan(gateway, "GEN-0", "A")
    platform_sim.faults(session_loss_shape=shape, latency_ms=50)
    platform_sim.expire_sessions()
    queries = [
        {"query": SCAN, "variables": {"uid": f"GEN-{n}", "revision": "A"}} for n in range(1, 41)
    ]
    limits = httpx.Limits(max_connections=40)
    async with httpx.AsyncClient(base_url=gateway.url, limits=limits, timeout=30) as client:
        answers = await asyncio.gather(*(client.post("/graphql", json=q) for q in queries))
    bodies = [answer.json() for answer in answers]
    assert all("errors" not in body for body in bodies), [b for b in bodies if "errors" in b][:1]
    assert platform_sim.stats()["logins"] == 2  # the first, and one after the session ended


def test_a_csrf_refusal_costs_one_refetch(
    start_platform_gateway: StartGateway, platform_sim: PlatformSimulator
):
    gateway = start_platform_gateway()
    scan(gateway, "GEN-0", "A")
    assert platform_sim.calls(CSRF) == 1
    platform_sim.faults(csrf_reject_next=1)
    assert scan(gateway, DOC_SUPERSEDED_THEN_RELEASED, "B")["reason"] == "CURRENT"
    stats = platform_sim.stats()
    # The POSTs in flight together carried the same refused token: one refetch for all.
    assert stats["csrf_refusals"] >= 1
    assert stats["calls"][CSRF] == 2
    assert stats["logins"] == 1


def test_detailed_health_shows_the_session_and_no_secret(
    start_platform_gateway: StartGateway,
):
    gateway = start_platform_gateway()
    scan(gateway, "GEN-0", "A")
    health = httpx.get(f"{gateway.url}/api/v1/health/detailed", timeout=10)
    assert health.status_code == 200
    body = health.json()
    text = json.dumps(body)
    assert "batch-service" in text
    assert "session_age" in text
    assert PLATFORM_CONFIG.batch_service_secret not in text


def test_logs_hold_no_secret_ticket_or_cookie(json_logs: io.StringIO):
    with own_platform(PlatformSimulatorConfig(transient_login_shape="redirect")) as simulator:
        settings = platform_settings_for(simulator.base_url)
        with serve_in_thread(create_app(settings, sleep=no_sleep)) as url:
            gateway = Gateway(url)
            scan(gateway, "GEN-0", "A")
            simulator.expire_sessions()
            scan(gateway, "GEN-1", "A")
            httpx.get(f"{url}/api/v1/health/detailed", timeout=10)
    output = json_logs.getvalue()
    assert PLATFORM_CONFIG.batch_service_secret not in output
    for marker in ("ST-", "TGT-", "TGC-", "LT-"):
        assert marker not in output, marker
    events = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert any(event.get("event") == "enovia.call" for event in events)


# --- documents, revisions and states ------------------------------------------------------


def test_revisions_come_from_the_version_graph(start_platform_gateway: StartGateway):
    gateway = start_platform_gateway()
    answer = gateway.query(REVISIONS, uid=DOC_OBSOLETE_CHAIN)
    assert "errors" not in answer, answer
    document = answer["data"]["document"]
    assert document["number"] == DOC_OBSOLETE_CHAIN
    revisions = document["revisions"]
    assert [r["revision"] for r in revisions] == ["A", "B", "C"]  # oldest first
    assert [r["isActual"] for r in revisions] == [False, False, True]
    assert all(r["pages"] is None for r in revisions)  # the platform keeps no page count
    assert document["latestRevision"] == {"revision": "C"}


def test_a_revision_in_work_above_the_released_one_does_not_supersede_it(
    start_platform_gateway: StartGateway,
):
    gateway = start_platform_gateway()
    released = scan(gateway, DOC_RELEASED_THEN_IN_WORK, "A")
    assert released["reason"] == "CURRENT"
    assert released["revision"]["supersededBy"] is None
    assert released["revision"]["pages"] is None
    assert released["revision"]["releasedDate"] is None
    branched = gateway.query(REVISIONS, uid=DOC_BRANCHED)["data"]["document"]
    assert branched["latestRevision"] is not None


def test_a_later_release_supersedes(start_platform_gateway: StartGateway, platform_sim):
    gateway = start_platform_gateway()
    replaced = scan(gateway, DOC_SUPERSEDED_THEN_RELEASED, "A")
    assert replaced["reason"] == "SUPERSEDED"
    assert replaced["revision"]["supersededBy"] == "B"
    platform_sim.add_revision(DOC_SUPERSEDED_THEN_RELEASED, revision="C", maturityState="IN_WORK")
    assert scan(gateway, DOC_SUPERSEDED_THEN_RELEASED, "B")["reason"] == "CURRENT"
    platform_sim.release(DOC_SUPERSEDED_THEN_RELEASED, "C")
    after = scan(gateway, DOC_SUPERSEDED_THEN_RELEASED, "B")
    assert after["isActual"] is False
    assert after["latestRevision"] == {"revision": "C"}


@pytest.mark.parametrize(
    ("uid", "revision", "reason"),
    [
        (DOC_POLICY_PREFIXED_STATES, "B", "CURRENT"),
        (DOC_POLICY_PREFIXED_STATES, "A", "SUPERSEDED"),
        (DOC_LEGACY_STATES, "B", "CURRENT"),
        (DOC_LEGACY_STATES, "C", "NOT_RELEASED"),
    ],
)
def test_the_default_state_table(
    start_platform_gateway: StartGateway, uid: str, revision: str, reason: str
):
    gateway = start_platform_gateway()
    assert scan(gateway, uid, revision)["reason"] == reason


def test_a_site_maps_its_own_states(start_platform_gateway: StartGateway):
    gateway = start_platform_gateway(tdx_state_map={"RELEASED": "ACCEPTED_BY_CUSTOMER"})
    current = scan(gateway, DOC_SUPERSEDED_THEN_RELEASED, "B")
    assert current["reason"] == "CURRENT"
    assert current["businessStatus"]["code"] == "ACCEPTED_BY_CUSTOMER"
    assert current["revision"]["maturityState"] == "RELEASED"  # as the platform gave it


def test_revision_labels_as_the_site_compares_them(start_platform_gateway: StartGateway):
    exact = start_platform_gateway()
    assert scan(exact, DOC_MAJOR_MINOR_LABELS, "B")["reason"] == "REVISION_NOT_FOUND"
    assert scan(exact, DOC_MAJOR_MINOR_LABELS, "B.3")["reason"] == "CURRENT"
    major = start_platform_gateway(tdx_revision_match="major")
    printed_b = scan(major, DOC_MAJOR_MINOR_LABELS, "B")
    assert printed_b["reason"] == "CURRENT"
    assert printed_b["revision"]["revision"] == "B.3"
    assert scan(major, DOC_MAJOR_MINOR_LABELS, "A")["reason"] == "SUPERSEDED"


def test_catia_drawings_as_the_document_source(start_platform_gateway: StartGateway):
    documents = start_platform_gateway()
    missing = documents.query(SCAN, uid=DRAWING, revision="B")
    assert missing["data"]["actuality"]["reason"] == "DOCUMENT_NOT_FOUND"
    drawings = start_platform_gateway(tdx_document_source="dsdrw")
    assert scan(drawings, DRAWING, "B")["reason"] == "CURRENT"


def test_a_physical_id_is_a_uid_too(start_platform_gateway: StartGateway):
    gateway = start_platform_gateway()
    by_name = gateway.query(REVISIONS, uid=DOC_SUPERSEDED_THEN_RELEASED)
    ids = gateway.query(
        'query($uid: ID!) { document(uid: $uid) { revision(revision: "A") { id } } }',
        uid=DOC_SUPERSEDED_THEN_RELEASED,
    )
    physical = ids["data"]["document"]["revision"]["id"]
    by_id = gateway.query(REVISIONS, uid=physical)
    assert "errors" not in by_id, by_id
    assert by_id["data"]["document"]["number"] == DOC_SUPERSEDED_THEN_RELEASED
    assert by_id["data"]["document"]["revisions"] == by_name["data"]["document"]["revisions"]


def test_a_hundred_documents_cost_two_graph_calls(
    start_platform_gateway: StartGateway, platform_sim: PlatformSimulator
):
    gateway = start_platform_gateway()
    uids = [f"GEN-{n}" for n in range(100)]
    query = "query($uids: [ID!]!) { documents(uids: $uids) { uid latestRevision { revision } } }"
    answer = gateway.query(query, uids=uids)
    assert "errors" not in answer
    assert platform_sim.calls(GRAPH) == 2
