"""The status mapping and the actuality rule, exhaustively."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from schema.status import (
    LABELS,
    ActualityReason,
    BusinessStatusCode,
    Verdict,
    actuality_reason,
    business_status,
    effective_status,
    is_released_and_not_superseded,
    needs_latest,
    preferred_language,
    status_label,
    verdict,
)


@dataclass(frozen=True)
class Rev:
    revision: str
    maturity_state: str
    superseded_by: str | None = None
    business_status: str | None = None


SEED_TABLE = {
    "Released": BusinessStatusCode.APPROVED_FOR_CONSTRUCTION,
    "AFC": BusinessStatusCode.APPROVED_FOR_CONSTRUCTION,
    "Accepted": BusinessStatusCode.ACCEPTED_BY_CUSTOMER,
    "Approved": BusinessStatusCode.ACCEPTED_BY_CUSTOMER,
    "Obsolete": BusinessStatusCode.CHANGES_INTRODUCED_GET_NEW,
    "Superseded": BusinessStatusCode.CHANGES_INTRODUCED_GET_NEW,
    "In Work": BusinessStatusCode.IN_WORK,
    "Frozen": BusinessStatusCode.IN_WORK,
}


@pytest.mark.parametrize(("state", "code"), SEED_TABLE.items())
def test_every_seed_state_maps_as_the_seed_says(state: str, code: BusinessStatusCode):
    assert business_status(state) is code


@pytest.mark.parametrize("state", ["", "Cancelled", "released", "RELEASED", " Released", "Draft"])
def test_unknown_states_are_unknown_never_an_error(state: str):
    assert business_status(state) is BusinessStatusCode.UNKNOWN


@pytest.mark.parametrize("state", SEED_TABLE)
@pytest.mark.parametrize("superseded_by", [None, "", "C"])
def test_the_seeds_rule(state: str, superseded_by: str | None):
    expected = state in {"Released", "AFC", "Accepted", "Approved"} and not superseded_by
    assert is_released_and_not_superseded(Rev("B", state, superseded_by)) is expected
    assert needs_latest(Rev("B", state, superseded_by)) is expected


def test_labels_in_russian_and_english():
    code = BusinessStatusCode.APPROVED_FOR_CONSTRUCTION
    assert status_label(code, "ru") == "Утвержден для строительства"
    assert status_label(code, "en") == "Approved for construction"
    assert status_label(code, "en-GB") == "Approved for construction"
    assert status_label(code, "RU") == "Утвержден для строительства"
    assert status_label(code, "fr") == "Утвержден для строительства"  # falls back, no error
    assert status_label(code, "fr", "fr, en;q=0.5") == "Approved for construction"
    assert status_label(code, None, "en-US") == "Approved for construction"
    assert status_label(code, None) == "Утвержден для строительства"
    assert all(set(labels) == {"ru", "en"} for labels in LABELS.values())
    assert set(LABELS) == set(BusinessStatusCode)


@pytest.mark.parametrize("state", ["Released", "AFC", "Accepted", "Approved"])
def test_current_needs_both_signals(state: str):
    asked = Rev("B", state)
    assert actuality_reason(asked, Rev("B", "Released")) is ActualityReason.CURRENT


@pytest.mark.parametrize(
    ("asked", "latest", "reason"),
    [
        # Released but superseded: the revision's own marker wins.
        (Rev("A", "Released", "B"), Rev("B", "Released"), ActualityReason.SUPERSEDED),
        (Rev("A", "Released", "B"), Rev("A", "Released"), ActualityReason.SUPERSEDED),
        (Rev("A", "Superseded", "B"), Rev("B", "Released"), ActualityReason.SUPERSEDED),
        (Rev("A", "Obsolete"), None, ActualityReason.SUPERSEDED),
        (Rev("A", "Cancelled", "B"), Rev("B", "Released"), ActualityReason.SUPERSEDED),
        # Released, not superseded, but ENOVIA's latest is another revision.
        (Rev("A", "Released"), Rev("B", "Released"), ActualityReason.NEWER_REVISION_RELEASED),
        (Rev("A", "AFC"), Rev("C", "Approved"), ActualityReason.NEWER_REVISION_RELEASED),
        # No released revision at all, although this one says Released.
        (Rev("A", "Released"), None, ActualityReason.NOT_RELEASED),
        (Rev("B", "In Work"), Rev("A", "Released"), ActualityReason.NOT_RELEASED),
        (Rev("B", "Frozen"), None, ActualityReason.NOT_RELEASED),
        (Rev("A", "Cancelled"), Rev("B", "Released"), ActualityReason.UNKNOWN_STATE),
        (Rev("A", "Cancelled"), Rev("A", "Cancelled"), ActualityReason.UNKNOWN_STATE),
    ],
)
def test_disagreements_are_not_actual(asked: Rev, latest: Rev | None, reason: ActualityReason):
    assert actuality_reason(asked, latest) is reason


def test_missing_revision_or_document():
    assert actuality_reason(None, None) is ActualityReason.REVISION_NOT_FOUND
    assert actuality_reason(None, None, document_exists=False) is ActualityReason.DOCUMENT_NOT_FOUND


def test_every_reason_is_reachable():
    reached = {
        actuality_reason(Rev("B", "Released"), Rev("B", "Released")),
        actuality_reason(Rev("A", "Superseded", "B"), None),
        actuality_reason(Rev("A", "Released"), Rev("B", "Released")),
        actuality_reason(Rev("A", "In Work"), None),
        actuality_reason(Rev("A", "Cancelled"), None),
        actuality_reason(None, None),
        actuality_reason(None, None, document_exists=False),
        verdict(Rev("B", "Released"), Rev("B", "Released"), confirmed=False).reason,
    }
    assert reached == set(ActualityReason)


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("", "ru"),
        ("en", "en"),
        ("en-GB,en;q=0.9", "en"),
        ("de, en;q=0.8, ru;q=0.9", "ru"),
        ("de, en;q=0.8, ru;q=0.7", "en"),
        ("ru;q=0, en;q=0.1", "en"),
        ("*", "ru"),
        ("en;q=oops", "ru"),
        ("fr, de", "ru"),
    ],
)
def test_the_preferred_language_of_an_accept_language_header(header: str, language: str):
    assert preferred_language(header) == language


EXPECTED_STATUS_OF = {
    ActualityReason.SUPERSEDED: BusinessStatusCode.CHANGES_INTRODUCED_GET_NEW,
    ActualityReason.NEWER_REVISION_RELEASED: BusinessStatusCode.CHANGES_INTRODUCED_GET_NEW,
    ActualityReason.NOT_RELEASED: BusinessStatusCode.IN_WORK,
    ActualityReason.UNKNOWN_STATE: BusinessStatusCode.UNKNOWN,
    ActualityReason.REVISION_NOT_FOUND: BusinessStatusCode.UNKNOWN,
    ActualityReason.DOCUMENT_NOT_FOUND: BusinessStatusCode.UNKNOWN,
    ActualityReason.UNCONFIRMED: BusinessStatusCode.UNKNOWN,
}


@pytest.mark.parametrize("state", [*SEED_TABLE, "Cancelled"])
def test_the_effective_status_follows_the_verdict(state: str):
    revision = Rev("A", state)
    assert effective_status(ActualityReason.CURRENT, revision) is business_status(state)
    for reason, code in EXPECTED_STATUS_OF.items():
        assert effective_status(reason, revision) is code
    assert set(EXPECTED_STATUS_OF) | {ActualityReason.CURRENT} == set(ActualityReason)


def test_a_label_never_says_approved_for_a_revision_that_is_not_current():
    """Every combination of state, marker, latest revision and confirmation: the status
    shown is the seed's mapping only for CURRENT, and never APPROVED/ACCEPTED otherwise."""
    approved = {
        BusinessStatusCode.APPROVED_FOR_CONSTRUCTION,
        BusinessStatusCode.ACCEPTED_BY_CUSTOMER,
    }
    for state in [*SEED_TABLE, "Cancelled"]:
        for superseded_by in (None, "Z"):
            for latest in (None, Rev("A", "Released"), Rev("B", "Released")):
                for confirmed in (True, False):
                    asked = Rev("A", state, superseded_by)
                    found = verdict(asked, latest, confirmed=confirmed)
                    assert found.is_actual is (found.reason is ActualityReason.CURRENT)
                    if found.is_actual:
                        assert confirmed
                        assert found.status is business_status(state)
                    else:
                        assert found.status not in approved


def test_unconfirmed_keeps_what_the_last_data_said():
    current = verdict(Rev("B", "Released"), Rev("B", "Released"), confirmed=False)
    assert current == Verdict(
        ActualityReason.UNCONFIRMED, BusinessStatusCode.UNKNOWN, ActualityReason.CURRENT
    )
    assert not current.is_actual
    # A verdict that says "not actual" already stays as it is on unconfirmed data.
    replaced = verdict(Rev("A", "Released"), Rev("B", "Released"), confirmed=False)
    assert replaced.reason is ActualityReason.NEWER_REVISION_RELEASED
    assert replaced.last_known_reason is None
    missing = verdict(None, None, document_exists=False, confirmed=False)
    assert missing.reason is ActualityReason.DOCUMENT_NOT_FOUND
    assert missing.status is BusinessStatusCode.UNKNOWN


def test_only_current_is_actual_for_every_combination():
    states = [*SEED_TABLE, "Cancelled"]
    for state in states:
        for superseded_by in (None, "Z"):
            for latest in (None, Rev("A", "Released"), Rev("B", "Released")):
                reason = actuality_reason(Rev("A", state, superseded_by), latest)
                is_current = (
                    state in {"Released", "AFC", "Accepted", "Approved"}
                    and superseded_by is None
                    and latest is not None
                    and latest.revision == "A"
                )
                assert (reason is ActualityReason.CURRENT) is is_current


@pytest.mark.parametrize("code", list(BusinessStatusCode))
def test_an_upstreams_own_mapping_decides_over_the_seeds_table(code: BusinessStatusCode):
    """A 3DEXPERIENCE state such as RELEASED is unknown to the seed's table: the status the
    platform's state table gave it is the one the rule reads, for the verdict and the label."""
    asked = Rev("B", "RELEASED", business_status=code.value)
    assert business_status("RELEASED", code.value) is code
    released = code in {
        BusinessStatusCode.APPROVED_FOR_CONSTRUCTION,
        BusinessStatusCode.ACCEPTED_BY_CUSTOMER,
    }
    assert is_released_and_not_superseded(asked) is released
    found = verdict(asked, asked)
    assert found.is_actual is released
    if released:
        assert found.status is code


def test_the_upstream_status_codes_are_the_schemas():
    from enovia._models import STATUS_CODES

    assert set(STATUS_CODES) == {code.value for code in BusinessStatusCode}
