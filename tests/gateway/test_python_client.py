"""The generated Python client (clients/python, ariadne-codegen) against a running gateway."""

from __future__ import annotations

import importlib
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
from tests.gateway.conftest import Gateway

CLIENT_DIR = Path(__file__).resolve().parents[2] / "clients" / "python"


def import_client() -> ModuleType:
    """The committed generated package, imported from its directory (it is not installed)."""
    sys.path.insert(0, str(CLIENT_DIR))
    try:
        return importlib.import_module("enovia_gateway_client")
    finally:
        sys.path.remove(str(CLIENT_DIR))


client = import_client()
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
