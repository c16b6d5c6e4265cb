"""The operations in `queries/` (what a PTE-QR frontend sends), run on the demo data over HTTP."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from graphql import OperationDefinitionNode, build_schema, parse, validate

from enovia.simulators.facade import (
    DOC_IN_WORK_ONLY,
    DOC_MISSING,
    DOC_RELEASED_THEN_IN_WORK,
    DOC_SUPERSEDED_THEN_RELEASED,
)
from tests.gateway.conftest import Gateway, Simulator

ROOT = Path(__file__).resolve().parents[2]
QUERIES = ROOT / "queries"
OPERATIONS = ("ScanCheck", "DocumentCard", "DocumentList", "DrawingSetCheck")


def run(gateway: Gateway, operation: str, **variables: Any) -> dict[str, Any]:
    return gateway.query((QUERIES / f"{operation}.graphql").read_text(), **variables)


def assert_timestamp(value: str) -> None:
    assert datetime.fromisoformat(value).tzinfo is not None, value


def test_the_operations_are_there_one_named_operation_per_file():
    assert sorted(path.stem for path in QUERIES.glob("*.graphql")) == sorted(OPERATIONS)
    schema = build_schema((ROOT / "schema.graphql").read_text())
    for name in OPERATIONS:
        document = parse((QUERIES / f"{name}.graphql").read_text())
        (operation,) = document.definitions
        assert isinstance(operation, OperationDefinitionNode)
        assert operation.name is not None
        assert operation.name.value == name
        assert validate(schema, document) == []


@pytest.mark.parametrize(
    ("revision", "actual", "reason", "code", "state"),
    [
        ("A", False, "SUPERSEDED", "CHANGES_INTRODUCED_GET_NEW", "Superseded"),
        ("B", True, "CURRENT", "APPROVED_FOR_CONSTRUCTION", "Released"),
    ],
)
def test_scan_check(
    gateway: Gateway, revision: str, actual: bool, reason: str, code: str, state: str
):
    result = run(
        gateway, "ScanCheck", uid=DOC_SUPERSEDED_THEN_RELEASED, revision=revision, lang="en"
    )
    assert "errors" not in result
    actuality = result["data"]["actuality"]
    assert actuality["isActual"] is actual
    assert actuality["reason"] == reason
    assert actuality["businessStatus"]["code"] == code
    assert actuality["businessStatus"]["label"]
    assert actuality["revision"] == {"revision": revision, "maturityState": state}
    assert actuality["latestRevision"] == {"revision": "B"}
    assert actuality["freshness"] == "LIVE"  # maxAge defaults to 0: ENOVIA is asked now
    assert_timestamp(actuality["checkedAt"])


def test_scan_check_labels_and_max_age(gateway: Gateway):
    args = {"uid": DOC_SUPERSEDED_THEN_RELEASED, "revision": "B"}
    english = run(gateway, "ScanCheck", lang="en", maxAge=300, **args)["data"]["actuality"]
    assert english["businessStatus"]["label"] == "Approved for construction"
    russian = run(gateway, "ScanCheck", maxAge=300, **args)["data"]["actuality"]  # ru default
    assert russian["businessStatus"]["label"] != english["businessStatus"]["label"]
    assert russian["freshness"] == "CACHED"  # within maxAge of the first answer
    assert russian["checkedAt"] == english["checkedAt"]


def test_scan_check_of_a_missing_document(gateway: Gateway):
    result = run(gateway, "ScanCheck", uid=DOC_MISSING, revision="A")
    actuality = result["data"]["actuality"]
    assert actuality["isActual"] is False
    assert actuality["reason"] == "DOCUMENT_NOT_FOUND"
    assert actuality["revision"] is None
    assert actuality["latestRevision"] is None


def test_document_card(gateway: Gateway):
    result = run(gateway, "DocumentCard", uid=DOC_SUPERSEDED_THEN_RELEASED, lang="en")
    assert "errors" not in result
    document = result["data"]["document"]
    assert document["uid"] == DOC_SUPERSEDED_THEN_RELEASED
    assert document["number"] == "PTE-AR-0901"
    assert document["title"] == "План этажа 1, оси А-Ж"
    assert document["type"] == "Drawing"
    assert document["freshness"] == "LIVE"
    assert_timestamp(document["checkedAt"])
    assert_timestamp(document["updatedAt"])
    latest = document["latestRevision"]
    assert latest["revision"] == "B"
    assert latest["maturityState"] == "Released"
    assert latest["pages"] == 14
    assert_timestamp(latest["releasedDate"])
    assert latest["businessStatus"] == {
        "code": "APPROVED_FOR_CONSTRUCTION",
        "label": "Approved for construction",
    }


def test_document_card_of_a_missing_document(gateway: Gateway):
    result = run(gateway, "DocumentCard", uid=DOC_MISSING)
    assert result["data"] == {"document": None}
    assert [e["extensions"]["code"] for e in result["errors"]] == ["NOT_FOUND"]


def test_document_list_keeps_the_order_asked(gateway: Gateway):
    uids = [DOC_RELEASED_THEN_IN_WORK, DOC_MISSING, DOC_SUPERSEDED_THEN_RELEASED, DOC_IN_WORK_ONLY]
    result = run(gateway, "DocumentList", uids=uids, lang="en")
    documents = result["data"]["documents"]
    assert [d and d["uid"] for d in documents] == [uids[0], None, uids[2], uids[3]]
    assert [e["path"] for e in result["errors"]] == [["documents", 1]]
    assert result["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    latest = [d["latestRevision"] for d in documents if d is not None]
    assert [r and r["revision"] for r in latest] == ["A", "B", None]  # DOC-004: none released
    assert latest[0]["businessStatus"]["code"] == "APPROVED_FOR_CONSTRUCTION"
    assert documents[2]["number"] == "PTE-AR-0901"
    assert {d["freshness"] for d in documents if d is not None} <= {"LIVE", "CACHED"}


def test_the_facade_cannot_list_revisions_and_says_so(gateway: Gateway, sim: Simulator):
    """`Document.revisions` needs a call the REST facade does not have: null with
    UNSUPPORTED_BY_UPSTREAM, the rest of the document intact, and no call spent on it."""
    answer = gateway.query(
        "query($uid: ID!) { document(uid: $uid) { uid revisions { revision } } }",
        uid=DOC_SUPERSEDED_THEN_RELEASED,
    )
    assert answer["data"] == {"document": {"uid": DOC_SUPERSEDED_THEN_RELEASED, "revisions": None}}
    (error,) = answer["errors"]
    assert error["path"] == ["document", "revisions"]
    assert error["extensions"]["code"] == "UNSUPPORTED_BY_UPSTREAM"
    assert "cannot list" in error["message"]
    assert sim.calls() == 1  # the document itself
