"""A misbehaving platform: every failure is an `EnoviaError` of the right kind, kept to the
documents it concerns, and never an unexpected exception."""

from __future__ import annotations

import pytest

from enovia import (
    CircuitBreaker,
    CircuitOpen,
    UpstreamBadResponse,
    UpstreamUnavailable,
)
from enovia.simulators.facade.faults import MALFORMED_KINDS
from enovia.simulators.platform import CSRF, DOCUMENTS_BY_IDS, GRAPH, PERSON, SEARCH
from tests.enovia.platform.conftest import ClientFactory, Made, Simulator, batch_login

CONTEXT = "VPLMViewer.Company Name.Common Space"


@pytest.fixture
async def made(make_client: ClientFactory) -> Made:
    made = make_client(batch_login(), security_context=CONTEXT)
    await made.client.start()
    return made


@pytest.mark.parametrize("kind", MALFORMED_KINDS)
async def test_a_malformed_answer_is_a_bad_response_for_that_document(
    made: Made, sim: Simulator, kind: str
):
    sim.faults(malformed={"DOC-002": kind})
    found = await made.client.get_documents(["DOC-001", "DOC-002"])
    assert isinstance(found["DOC-002"], UpstreamBadResponse)
    assert "ENOVIA's documents/search answer" in found["DOC-002"].message or "HTML" in (
        found["DOC-002"].message
    )
    assert found["DOC-001"].number == "DOC-001"  # type: ignore[union-attr]


async def test_a_malformed_answer_names_the_field(made: Made, sim: Simulator):
    sim.faults(malformed={"DOC-002": "missing_fields"})
    with pytest.raises(UpstreamBadResponse, match="field 'data'"):
        await made.client.get_document("DOC-002")
    sim.faults(malformed={"DOC-002": "wrong_types"})
    with pytest.raises(UpstreamBadResponse, match=r"field '[a-zA-Z.0-9]+'"):
        await made.client.get_document("DOC-002")


async def test_a_malformed_graph_fails_the_families_of_its_call(made: Made, sim: Simulator):
    sim.faults(malformed={"DOC-002": "wrong_types"})
    # By id, no search: the graph's answer (about both) is the first to be malformed.
    ids = {name: sim.document(name)["revisions"][0]["id"] for name in ("DOC-001", "DOC-002")}
    found = await made.client.get_documents(list(ids.values()))
    for oid in ids.values():
        error = found[oid]
        assert isinstance(error, UpstreamBadResponse)
        assert "getGraph" in error.message


@pytest.mark.parametrize(
    ("status", "error"), [(200, UpstreamBadResponse), (500, UpstreamUnavailable)]
)
async def test_the_platforms_html_error_page(made: Made, sim: Simulator, status: int, error: type):
    sim.faults(html_error={"endpoints": [GRAPH], "status": status})
    with pytest.raises(error) as caught:
        await made.client.get_document("DOC-001")
    assert "unexpected" not in caught.value.message  # the platform's words stay out
    assert made.client.credentials_state["state"] == "active"  # not a lost session
    assert sim.stats()["logins"] == 1


async def test_rate_limited_calls_are_retried_after_the_wait_asked(made: Made, sim: Simulator):
    # Every third call: with calls in flight together (the graph and the objects), a retry
    # of every second one could meet the 429 again each time.
    sim.faults(rate_limit={"every": 3, "retry_after": 3})
    documents = await made.client.get_documents(["DOC-001", "DOC-002", "DOC-003"])
    assert all(d.number == uid for uid, d in documents.items())  # type: ignore[union-attr]
    assert made.sleeps
    assert set(made.sleeps) == {3.0}


async def test_a_platform_down_fails_fast_once_the_circuit_opens(
    make_client: ClientFactory, sim: Simulator
):
    circuit = CircuitBreaker(failure_threshold=3, reset_timeout=60)
    made = make_client(batch_login(), security_context=CONTEXT, circuit=circuit, attempts=1)
    await made.client.start()
    sim.faults(down=True)
    for _ in range(3):
        with pytest.raises(UpstreamUnavailable):
            await made.client.get_document("DOC-001")
    before = sim.stats()["total"]
    with pytest.raises(CircuitOpen):
        await made.client.get_document("DOC-001")
    assert sim.stats()["total"] == before
    # The health check bypasses the circuit, and never raises.
    health = await made.client.check_health()
    assert (health.enovia, health.error) == (
        "unhealthy",
        "3DSpace answered 503 to the pno/person call",
    )
    assert sim.stats()["total"] == before + 1


async def test_the_health_check(made: Made, sim: Simulator):
    before = sim.stats()["total"]
    health = await made.client.check_health()
    assert (health.enovia, health.error) == ("healthy", None)
    assert sim.stats()["total"] == before + 1
    assert sim.stats()["calls"][PERSON] == 4  # 3DPassport's discovery, the login's 2, it
    value = made.metrics.registry.get_sample_value("enovia_health_check")
    assert value == 1.0


async def test_the_health_check_logs_in_when_it_must(make_client: ClientFactory, sim: Simulator):
    made = make_client(batch_login())
    assert (await made.client.check_health()).enovia == "healthy"
    assert sim.stats()["logins"] == 1


async def test_a_document_with_more_revisions_than_a_page(made: Made, sim: Simulator):
    labels = [f"{n}" for n in range(1, 61)]
    for label in labels:
        sim.document("TDX-MANY", "revisions", revision=label, maturityState="RELEASED")
    before = sim.stats()["calls"]
    listed = await made.client.list_revisions("TDX-MANY")
    assert [r.revision for r in listed] == labels
    calls = sim.stats()["calls"]
    # Two pages of search hits; one family in one getGraph; its 60 objects in two calls.
    assert calls[SEARCH] - before[SEARCH] == 2
    assert calls[GRAPH] - before[GRAPH] == 1
    assert calls[DOCUMENTS_BY_IDS] - before[DOCUMENTS_BY_IDS] == 2
    assert calls[CSRF] == 1
