"""Every actuality reason, over real HTTP against the simulator's sample data; the label and
`Revision.isActual` agree with the verdict wherever the revision appears."""

from __future__ import annotations

import pytest

from enovia.simulators.facade import (
    DOC_ACCEPTED,
    DOC_AFC,
    DOC_APPROVED,
    DOC_GONE,
    DOC_IN_WORK_ONLY,
    DOC_MISSING,
    DOC_OBSOLETE_THEN_FROZEN,
    DOC_RELEASED_SUPERSEDED_BY_AFC,
    DOC_RELEASED_THEN_IN_WORK,
    DOC_SUPERSEDED_THEN_RELEASED,
    DOC_TWO_RELEASED,
    DOC_UNKNOWN_STATE,
)
from tests.gateway.conftest import Gateway

QUERY = """query($uid: ID!, $revision: String!) {
  actuality(uid: $uid, revision: $revision) {
    isActual reason businessStatus { code }
    revision { revision maturityState isActual businessStatus { code } }
    latestRevision { revision isActual businessStatus { code } }
    document { uid }
  }
}"""

#: The same revision seen from its document only: no `actuality` field in the request.
DOCUMENT_ONLY = """query($uid: ID!, $revision: String!) {
  document(uid: $uid) {
    revision(revision: $revision) { isActual businessStatus { code label(lang: "en") } }
    latestRevision { revision isActual businessStatus { code } }
  }
}"""


@pytest.mark.parametrize(
    ("uid", "revision", "reason", "status", "latest"),
    [
        (DOC_SUPERSEDED_THEN_RELEASED, "B", "CURRENT", "APPROVED_FOR_CONSTRUCTION", "B"),
        (DOC_SUPERSEDED_THEN_RELEASED, "A", "SUPERSEDED", "CHANGES_INTRODUCED_GET_NEW", "B"),
        (DOC_RELEASED_THEN_IN_WORK, "A", "CURRENT", "APPROVED_FOR_CONSTRUCTION", "A"),
        (DOC_RELEASED_THEN_IN_WORK, "B", "NOT_RELEASED", "IN_WORK", "A"),
        (DOC_TWO_RELEASED, "A", "NEWER_REVISION_RELEASED", "CHANGES_INTRODUCED_GET_NEW", "B"),
        (DOC_TWO_RELEASED, "B", "CURRENT", "APPROVED_FOR_CONSTRUCTION", "B"),
        (DOC_IN_WORK_ONLY, "A", "NOT_RELEASED", "IN_WORK", None),
        (DOC_OBSOLETE_THEN_FROZEN, "A", "SUPERSEDED", "CHANGES_INTRODUCED_GET_NEW", None),
        (DOC_OBSOLETE_THEN_FROZEN, "B", "NOT_RELEASED", "IN_WORK", None),
        (DOC_AFC, "A", "CURRENT", "APPROVED_FOR_CONSTRUCTION", "A"),
        (DOC_ACCEPTED, "A", "CURRENT", "ACCEPTED_BY_CUSTOMER", "A"),
        (DOC_APPROVED, "A", "CURRENT", "ACCEPTED_BY_CUSTOMER", "A"),
        (DOC_RELEASED_SUPERSEDED_BY_AFC, "A", "SUPERSEDED", "CHANGES_INTRODUCED_GET_NEW", "B"),
        (DOC_UNKNOWN_STATE, "A", "UNKNOWN_STATE", "UNKNOWN", "B"),
        (DOC_SUPERSEDED_THEN_RELEASED, "Z", "REVISION_NOT_FOUND", "UNKNOWN", "B"),
    ],
)
def test_reasons(
    gateway: Gateway, uid: str, revision: str, reason: str, status: str, latest: str | None
):
    result = gateway.query(QUERY, uid=uid, revision=revision)
    assert "errors" not in result, result
    verdict = result["data"]["actuality"]
    assert verdict["reason"] == reason
    assert verdict["isActual"] is (reason == "CURRENT")
    assert verdict["businessStatus"]["code"] == status
    assert verdict["document"] == {"uid": uid}
    actual = reason == "CURRENT"
    if latest is None:
        assert verdict["latestRevision"] is None
    else:
        assert verdict["latestRevision"]["revision"] == latest
        assert verdict["latestRevision"]["isActual"] is True  # the latest is current
    if verdict["revision"] is not None:
        assert verdict["revision"]["isActual"] is actual
        assert verdict["revision"]["businessStatus"] == {"code": status}
        alone = gateway.query(DOCUMENT_ONLY, uid=uid, revision=revision)["data"]["document"]
        assert alone["revision"]["isActual"] is actual
        assert alone["revision"]["businessStatus"]["code"] == status


@pytest.mark.parametrize(("uid", "code"), [(DOC_MISSING, "NOT_FOUND"), (DOC_GONE, "GONE")])
def test_document_not_found(gateway: Gateway, uid: str, code: str):
    result = gateway.query(QUERY, uid=uid, revision="A")
    verdict = result["data"]["actuality"]
    assert verdict["reason"] == "DOCUMENT_NOT_FOUND"
    assert verdict["isActual"] is False
    assert verdict["revision"] is None
    assert verdict["document"] is None
    assert {error["extensions"]["code"] for error in result["errors"]} == {code}
