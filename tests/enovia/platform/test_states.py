"""The state table: the platform's lifecycle states as business statuses."""

from __future__ import annotations

import pytest

from enovia import STATUS_CODES
from enovia.platform import StateTable


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("RELEASED", "APPROVED_FOR_CONSTRUCTION"),
        ("OBSOLETE", "CHANGES_INTRODUCED_GET_NEW"),
        ("IN_WORK", "IN_WORK"),
        ("FROZEN", "IN_WORK"),
        ("PRIVATE", "IN_WORK"),
        ("Release", "APPROVED_FOR_CONSTRUCTION"),
        ("Preliminary", "IN_WORK"),
        ("Obsolete", "CHANGES_INTRODUCED_GET_NEW"),
        ("Review", "IN_WORK"),
        # The facade's names, as the facade maps them.
        ("Released", "APPROVED_FOR_CONSTRUCTION"),
        ("AFC", "APPROVED_FOR_CONSTRUCTION"),
        ("Accepted", "ACCEPTED_BY_CUSTOMER"),
        ("Approved", "ACCEPTED_BY_CUSTOMER"),
        ("Superseded", "CHANGES_INTRODUCED_GET_NEW"),
        ("In Work", "IN_WORK"),
        ("Frozen", "IN_WORK"),
    ],
)
def test_the_default_table(state: str, status: str):
    assert StateTable.default().status(state) == status


def test_a_policy_prefix_is_stripped_when_the_full_state_is_not_in_the_table():
    table = StateTable.default()
    assert table.status("Document Release.RELEASED") == "APPROVED_FOR_CONSTRUCTION"
    assert table.status("VPLM_SMB_Definition.OBSOLETE") == "CHANGES_INTRODUCED_GET_NEW"
    assert table.status("Some.Policy.With.Dots.IN_WORK") == "IN_WORK"


def test_an_override_of_the_prefixed_form_wins_over_the_bare_state():
    table = StateTable.default().with_overrides({"Drawing Policy.RELEASED": "ACCEPTED_BY_CUSTOMER"})
    assert table.status("Drawing Policy.RELEASED") == "ACCEPTED_BY_CUSTOMER"
    assert table.status("Document Release.RELEASED") == "APPROVED_FOR_CONSTRUCTION"


@pytest.mark.parametrize("state", ["Cancelled", "", "released", "Document Release.", "."])
def test_an_unknown_state_is_unknown_never_an_error(state: str):
    assert StateTable.default().status(state) == "UNKNOWN"


def test_overrides_add_and_replace_without_changing_the_original():
    default = StateTable.default()
    table = default.with_overrides(
        {"Cancelled": "CHANGES_INTRODUCED_GET_NEW", "FROZEN": "ACCEPTED_BY_CUSTOMER"}
    )
    assert table.status("Cancelled") == "CHANGES_INTRODUCED_GET_NEW"
    assert table.status("FROZEN") == "ACCEPTED_BY_CUSTOMER"
    assert table.is_released("FROZEN")
    assert default.status("Cancelled") == "UNKNOWN"
    assert default.status("FROZEN") == "IN_WORK"
    assert default == StateTable.default()
    assert table != default


def test_a_bad_code_is_refused_naming_the_state_and_the_code():
    with pytest.raises(ValueError, match=r"'RELEASED'.*'APPROVED'") as caught:
        StateTable.default().with_overrides({"RELEASED": "APPROVED"})
    for code in STATUS_CODES:
        assert code in str(caught.value)


def test_an_empty_state_is_refused():
    with pytest.raises(ValueError, match="empty"):
        StateTable.default().with_overrides({" ": "IN_WORK"})


def test_the_released_family():
    table = StateTable.default().with_overrides({"ACCEPTED": "ACCEPTED_BY_CUSTOMER"})
    assert table.is_released("RELEASED")
    assert table.is_released("Document Release.RELEASED")
    assert table.is_released("ACCEPTED")
    assert not table.is_released("OBSOLETE")
    assert not table.is_released("IN_WORK")
    assert not table.is_released("Cancelled")
