"""The generated Python client (clients/python, ariadne-codegen) against a running gateway."""

from __future__ import annotations

import importlib
import os
import socket
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from types import ModuleType

import pytest

from enovia.simulators.facade import (
    DOC_IN_WORK_ONLY,
    DOC_MISSING,
    DOC_RELEASED_THEN_IN_WORK,
    DOC_SUPERSEDED_THEN_RELEASED,
)
from tests.gateway.conftest import Gateway, StartGateway

CLIENT_DIR = Path(__file__).resolve().parents[2] / "clients" / "python"
EXAMPLE = CLIENT_DIR / "example.py"


def import_client() -> ModuleType:
    """The committed generated package, imported from its directory (it is not installed)."""
    sys.path.insert(0, str(CLIENT_DIR))
    try:
        return importlib.import_module("enovia_gateway_client")
    finally:
        sys.path.remove(str(CLIENT_DIR))


client = import_client()
partial_data = importlib.import_module("enovia_gateway_client.partial_data")
with_errors = partial_data.with_errors
ActualityReason = client.ActualityReason
BusinessStatusCode = client.BusinessStatusCode
Freshness = client.Freshness


@pytest.fixture
async def api(gateway: Gateway):
    async with client.GatewayClient(url=f"{gateway.url}/graphql") as api:
        yield api


async def test_scan_check_superseded(api):
    result = await api.scan_check(uid=DOC_SUPERSEDED_THEN_RELEASED, revision="A", lang="en")
    actuality = result.actuality
    assert isinstance(actuality, client.ScanCheckActuality)
    assert actuality.is_actual is False
    assert actuality.reason is ActualityReason.SUPERSEDED
    assert actuality.business_status.code is BusinessStatusCode.CHANGES_INTRODUCED_GET_NEW
    assert actuality.business_status.label
    assert actuality.revision.revision == "A"
    assert actuality.revision.maturity_state == "Superseded"
    assert actuality.latest_revision.revision == "B"
    assert actuality.freshness is Freshness.LIVE
    assert isinstance(actuality.checked_at, datetime)
    assert actuality.checked_at.tzinfo is not None


async def test_scan_check_current_with_max_age(api):
    first = await api.scan_check(uid=DOC_SUPERSEDED_THEN_RELEASED, revision="B", max_age=300)
    again = await api.scan_check(uid=DOC_SUPERSEDED_THEN_RELEASED, revision="B", max_age=300)
    assert first.actuality.is_actual is True
    assert first.actuality.reason is ActualityReason.CURRENT
    assert first.actuality.business_status.code is BusinessStatusCode.APPROVED_FOR_CONSTRUCTION
    assert again.actuality.freshness is Freshness.CACHED
    assert again.actuality.checked_at == first.actuality.checked_at


async def test_document_card(api):
    result = await api.document_card(uid=DOC_SUPERSEDED_THEN_RELEASED, lang="en")
    document = result.document
    assert isinstance(document, client.DocumentCardDocument)
    assert document.uid == DOC_SUPERSEDED_THEN_RELEASED
    assert document.number == "PTE-AR-0901"
    assert document.type_ == "Drawing"  # `type` is a builtin: ariadne-codegen adds `_`
    assert isinstance(document.updated_at, datetime)
    latest = document.latest_revision
    assert latest.revision == "B"
    assert latest.maturity_state == "Released"
    assert latest.pages == 14
    assert isinstance(latest.released_date, datetime)
    assert latest.business_status.code is BusinessStatusCode.APPROVED_FOR_CONSTRUCTION
    assert latest.business_status.label == "Approved for construction"


async def test_document_list_keeps_the_order_asked(api):
    uids = [DOC_IN_WORK_ONLY, DOC_SUPERSEDED_THEN_RELEASED, DOC_RELEASED_THEN_IN_WORK]
    result = await api.document_list(uids=uids)
    assert [d.uid for d in result.documents] == uids
    assert all(isinstance(d, client.DocumentListDocuments) for d in result.documents)
    latest = [d.latest_revision for d in result.documents]
    assert latest[0] is None  # only In Work: no released revision
    assert [r.revision for r in latest[1:]] == ["B", "A"]
    assert {d.freshness for d in result.documents} <= set(Freshness)


async def test_field_errors_raise_with_the_partial_data(api):
    with pytest.raises(client.GraphQLClientGraphQLMultiError) as caught:
        await api.document_list(uids=[DOC_SUPERSEDED_THEN_RELEASED, DOC_MISSING])
    (error,) = caught.value.errors
    assert error.extensions["code"] == "NOT_FOUND"
    assert error.path == ["documents", 1]
    partial = client.DocumentList.model_validate(caught.value.data)
    assert partial.documents[0].uid == DOC_SUPERSEDED_THEN_RELEASED
    assert partial.documents[1] is None


async def test_drawing_set_check_keeps_the_order_and_reads_each_sheet(api):
    items = [
        client.RevisionRef(uid=DOC_SUPERSEDED_THEN_RELEASED, revision="A"),
        client.RevisionRef(uid=DOC_SUPERSEDED_THEN_RELEASED, revision="B"),
        client.RevisionRef(uid=DOC_RELEASED_THEN_IN_WORK, revision="B"),
    ]
    result = await api.drawing_set_check(items=items, lang="en")
    reasons = [actuality.reason for actuality in result.actualities]
    assert reasons == [
        ActualityReason.SUPERSEDED,
        ActualityReason.CURRENT,
        ActualityReason.NOT_RELEASED,
    ]
    assert [a.revision.revision for a in result.actualities] == ["A", "B", "B"]
    assert result.actualities[1].is_actual is True


async def test_with_errors_returns_the_documents_found_and_the_errors_of_the_others(api):
    uids = [DOC_SUPERSEDED_THEN_RELEASED, DOC_MISSING, DOC_IN_WORK_ONLY, ".."]
    result = await with_errors(api.document_list, uids=uids, lang="en")
    assert isinstance(result.data, client.DocumentList)
    found, missing, in_work, invalid = result.data.documents
    assert isinstance(found, client.DocumentListDocuments)
    assert found.uid == DOC_SUPERSEDED_THEN_RELEASED
    assert found.latest_revision.revision == "B"
    assert (
        found.latest_revision.business_status.code is BusinessStatusCode.APPROVED_FOR_CONSTRUCTION
    )
    assert isinstance(in_work, client.DocumentListDocuments)
    assert in_work.uid == DOC_IN_WORK_ONLY
    assert in_work.latest_revision is None
    assert missing is None
    assert invalid is None
    assert [(e.path, e.extensions["code"]) for e in result.errors] == [
        (["documents", 1], "NOT_FOUND"),
        (["documents", 3], "BAD_USER_INPUT"),
    ]
    assert result.error_for("documents", 1) is result.errors[0]
    assert result.error_for("documents", 3) is result.errors[1]
    assert result.error_for("documents", 0) is None
    assert result.error_for("documents") is result.errors[0]  # the first below the list


async def test_with_errors_when_every_field_answers_has_no_errors(api):
    result = await with_errors(api.scan_check, uid=DOC_SUPERSEDED_THEN_RELEASED, revision="A")
    assert isinstance(result.data, client.ScanCheck)
    assert result.data.actuality.reason is ActualityReason.SUPERSEDED
    assert result.errors == ()
    assert result.error_for("actuality") is None


async def test_with_errors_raises_when_the_response_has_no_data(start_gateway: StartGateway):
    gateway = start_gateway(gateway_max_batch=2)  # three uids are refused before any runs
    async with client.GatewayClient(url=f"{gateway.url}/graphql") as api:
        with pytest.raises(client.GraphQLClientGraphQLMultiError) as caught:
            await with_errors(api.document_list, uids=["DOC-001", "DOC-002", "DOC-003"])
    assert caught.value.data is None
    (error,) = caught.value.errors
    assert error.extensions["code"] == "BAD_USER_INPUT"
    assert "at most 2" in error.message


async def test_with_errors_refuses_an_operation_that_returns_no_model():
    async def untyped(uid: str) -> dict[str, str]:
        return {"uid": uid}

    with pytest.raises(TypeError, match="not annotated to return a pydantic model"):
        await with_errors(untyped, "DOC-001")


def run_example(url: str) -> subprocess.CompletedProcess[str]:
    """`python clients/python/example.py` with GRAPHQL_URL set to *url*, as a user runs it."""
    return subprocess.run(
        [sys.executable, str(EXAMPLE)],
        env={**os.environ, "GRAPHQL_URL": url},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_example_prints_each_document_or_its_error(gateway: Gateway):
    run = run_example(f"{gateway.url}/graphql")
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        "scan DOC-001 rev. A: SUPERSEDED, build from rev. B",
        "list DOC-001: PTE-AR-0901 rev. B, Approved for construction",
        "list DOC-MISSING: NOT_FOUND (document 'DOC-MISSING' does not exist in ENOVIA)",
        "list DOC-004: PTE-OV-0904 no released revision",
        "list ..: BAD_USER_INPUT (uid must not be '.' or '..')",
    ]


def test_the_example_says_when_no_gateway_answers():
    with socket.socket() as bound:  # bound, never listening: connections are refused
        bound.bind(("127.0.0.1", 0))
        run = run_example(f"http://127.0.0.1:{bound.getsockname()[1]}/graphql")
    assert run.returncode == 1
    assert run.stdout == ""
    assert "is the gateway running? make demo" in run.stderr
