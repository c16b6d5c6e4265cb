"""Errors per field with the contract's codes, partial data, and bad input refused early."""

from __future__ import annotations

import httpx
import pytest

from enovia.simulators.facade import (
    DOC_CYRILLIC,
    DOC_GONE,
    DOC_MISSING,
    DOC_SLASHED_REVISIONS,
    DOC_SUPERSEDED_THEN_RELEASED,
    DOC_WITH_SLASH,
    DOC_WITH_SPACE,
    DOC_WITH_URL_CHARS,
    REV_SLASHED_CURRENT,
)
from tests.gateway.conftest import Gateway, Simulator, StartGateway


def codes(result: dict) -> dict[str, str]:
    return {
        ".".join(str(part) for part in error.get("path", [])): error["extensions"]["code"]
        for error in result.get("errors", [])
    }


def test_not_found_and_gone_are_field_errors_with_partial_data(gateway: Gateway):
    result = gateway.query(
        """query($ok: ID!, $missing: ID!, $gone: ID!) {
          ok: document(uid: $ok) { uid }
          missing: document(uid: $missing) { uid }
          gone: document(uid: $gone) { uid }
        }""",
        ok=DOC_SUPERSEDED_THEN_RELEASED,
        missing=DOC_MISSING,
        gone=DOC_GONE,
    )
    assert result["data"] == {
        "ok": {"uid": DOC_SUPERSEDED_THEN_RELEASED},
        "missing": None,
        "gone": None,
    }
    assert codes(result) == {"missing": "NOT_FOUND", "gone": "GONE"}


def test_documents_keeps_order_with_nulls_for_missing(gateway: Gateway):
    uids = [DOC_MISSING, DOC_SUPERSEDED_THEN_RELEASED, DOC_GONE, DOC_CYRILLIC, ""]
    result = gateway.query("query($uids: [ID!]!) { documents(uids: $uids) { uid } }", uids=uids)
    assert result["data"]["documents"] == [
        None,
        {"uid": DOC_SUPERSEDED_THEN_RELEASED},
        None,
        {"uid": DOC_CYRILLIC},
        None,
    ]
    assert codes(result) == {
        "documents.0": "NOT_FOUND",
        "documents.2": "GONE",
        "documents.4": "BAD_USER_INPUT",
    }


def test_a_batch_over_the_limit_is_refused_before_any_call(
    start_gateway: StartGateway, sim: Simulator
):
    gateway = start_gateway(gateway_max_batch=5)
    result = gateway.query(
        "query($uids: [ID!]!) { documents(uids: $uids) { uid } }",
        uids=[f"GEN-{n}" for n in range(6)],
    )
    assert result["data"] is None
    assert codes(result) == {"": "BAD_USER_INPUT"}  # the request as a whole was refused
    assert "at most 5" in result["errors"][0]["message"]
    assert sim.stats()["total"] == 0


@pytest.mark.parametrize(
    ("uid", "revision"),
    [
        ("", "A"),
        ("..", "A"),
        (".", "A"),
        ("DOC\n1", "A"),
        ("DOC\u00001", "A"),
        ("D" * 300, "A"),
        (DOC_SUPERSEDED_THEN_RELEASED, "latest"),
        (DOC_SUPERSEDED_THEN_RELEASED, ""),
        (DOC_SUPERSEDED_THEN_RELEASED, "B\tC"),
    ],
)
def test_hostile_identifiers_are_bad_user_input_with_no_enovia_call(
    gateway: Gateway, sim: Simulator, uid: str, revision: str
):
    result = gateway.query(
        """query($uid: ID!, $revision: String!) {
          actuality(uid: $uid, revision: $revision) { reason }
          document(uid: $uid) { uid revision(revision: $revision) { id } }
        }""",
        uid=uid,
        revision=revision,
    )
    assert result["data"]["actuality"] is None
    assert codes(result)["actuality"] == "BAD_USER_INPUT"
    assert all(error["message"] for error in result["errors"])
    stats = sim.stats()
    assert sum(n for t, n in stats["calls"].items() if t.startswith("GET /api/v1/documents")) == (
        0 if not uid or uid in {".", ".."} or not uid.isprintable() or len(uid) > 256 else 1
    )


@pytest.mark.parametrize("uid", [DOC_WITH_SPACE, DOC_WITH_SLASH, DOC_CYRILLIC, DOC_WITH_URL_CHARS])
def test_awkward_but_valid_identifiers_reach_their_document(gateway: Gateway, uid: str):
    result = gateway.query(
        """query($uid: ID!) { document(uid: $uid) { uid latestRevision { revision } }
                              actuality(uid: $uid, revision: "A") { reason } }""",
        uid=uid,
    )
    assert "errors" not in result, result
    assert result["data"]["document"]["uid"] == uid
    assert result["data"]["actuality"]["reason"] == "CURRENT"


def test_revision_labels_with_a_slash(gateway: Gateway):
    result = gateway.query(
        """query($uid: ID!, $rev: String!) {
          document(uid: $uid) { revision(revision: $rev) { revision isActual } }
          actuality(uid: $uid, revision: $rev) { reason }
        }""",
        uid=DOC_SLASHED_REVISIONS,
        rev=REV_SLASHED_CURRENT,
    )
    assert "errors" not in result, result
    assert result["data"]["document"]["revision"] == {
        "revision": REV_SLASHED_CURRENT,
        "isActual": True,
    }
    assert result["data"]["actuality"]["reason"] == "CURRENT"


def test_malformed_enovia_answers_fail_only_their_field(gateway: Gateway, sim: Simulator):
    sim.faults(malformed={DOC_MISSING: "html", "GEN-1": "wrong_types", "GEN-2": "not_json"})
    result = gateway.query(
        """{
          ok: document(uid: "GEN-3") { uid }
          html: document(uid: "DOC-MISSING") { uid }
          types: document(uid: "GEN-1") { uid title }
          json: actuality(uid: "GEN-2", revision: "A") { reason }
        }"""
    )
    assert result["data"]["ok"] == {"uid": "GEN-3"}
    assert codes(result) == {
        "html": "UPSTREAM_BAD_RESPONSE",
        "types": "UPSTREAM_BAD_RESPONSE",
        "json": "UPSTREAM_BAD_RESPONSE",
    }
    messages = " ".join(error["message"] for error in result["errors"])
    assert "<html" not in messages.lower()


def test_an_unsupported_label_language_falls_back_never_an_error(gateway: Gateway):
    query = """{ actuality(uid: "DOC-001", revision: "B") {
      businessStatus { de: label(lang: "de") plain: label en: label(lang: "en-GB") }
    } }"""
    russian = gateway.query(query)
    assert "errors" not in russian
    assert russian["data"]["actuality"]["businessStatus"] == {
        "de": "Утвержден для строительства",  # no German labels, no Accept-Language: Russian
        "plain": "Утвержден для строительства",
        "en": "Approved for construction",
    }
    response = httpx.post(
        f"{gateway.url}/graphql",
        json={"query": query},
        headers={"Accept-Language": "de-DE, de;q=0.9, en;q=0.8, ru;q=0.5"},
    )
    labels = response.json()["data"]["actuality"]["businessStatus"]
    assert labels == {
        "de": "Approved for construction",  # the caller's next choice that has labels
        "plain": "Approved for construction",
        "en": "Approved for construction",
    }


def test_graphql_syntax_errors_are_reported(gateway: Gateway):
    result = gateway.query("{ document(uid: ) { uid } }")
    assert result["data"] is None
    assert "Syntax Error" in result["errors"][0]["message"]
