"""Deriving a family from its version graph: order, supersededBy, the latest released."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from enovia.platform import StateTable
from enovia.platform._graph import VersionFacts, derive_family

STATES = StateTable.default()


def day(n: int) -> datetime:
    return datetime(2024, 3, n, 9, 0, tzinfo=UTC)


def version(
    label: str, state: str, *made_from: str, modified: int = 1, title: str | None = None
) -> VersionFacts:
    return VersionFacts(
        id=f"id-{label}",
        label=label,
        maturity_state=state,
        made_from=tuple(f"id-{parent}" for parent in made_from),
        type="Document",
        title=title or f"title {label}",
        originated=day(modified),
        modified=day(modified + 1),
    )


def labels(family) -> list[str]:
    return [r.revision for r in family.revisions]


def test_a_line_superseded_by_its_released_successor():
    family = derive_family(
        "DOC",
        "DOC",
        [
            version("C", "RELEASED", "B", modified=5),
            version("A", "OBSOLETE", modified=1),
            version("B", "RELEASED", "A", modified=3),
        ],
        STATES,
    )
    assert labels(family) == ["A", "B", "C"]
    assert [r.superseded_by for r in family.revisions] == ["B", "C", None]
    assert family.latest_released is not None
    assert family.latest_released.revision == "C"
    assert [r.business_status for r in family.revisions] == [
        "CHANGES_INTRODUCED_GET_NEW",
        "APPROVED_FOR_CONSTRUCTION",
        "APPROVED_FOR_CONSTRUCTION",
    ]
    document = family.document
    assert (document.id, document.number, document.title, document.type) == (
        "DOC",
        "DOC",
        "title C",
        "Document",
    )
    assert document.created_at == day(1)
    assert document.updated_at == day(6)
    newest = family.revisions[-1]
    assert (newest.id, newest.last_modified, newest.pages, newest.released_date) == (
        "id-C",
        day(6),
        None,
        None,
    )


def test_a_revision_only_in_work_supersedes_nothing():
    family = derive_family(
        "DOC", "DOC", [version("A", "RELEASED"), version("B", "IN_WORK", "A")], STATES
    )
    assert [r.superseded_by for r in family.revisions] == [None, None]
    assert family.latest_released is not None
    assert family.latest_released.revision == "A"


def test_superseded_by_names_the_first_released_revision_later_on_the_line():
    family = derive_family(
        "DOC",
        "DOC",
        [
            version("A", "RELEASED"),
            version("B", "IN_WORK", "A"),
            version("C", "RELEASED", "B"),
            version("D", "RELEASED", "C"),
        ],
        STATES,
    )
    assert [r.superseded_by for r in family.revisions] == ["C", "C", "D", None]


def test_a_branch_the_main_line_is_the_newest_revisions():
    # A; A-1 made from A (in work); B made from A, released: B's line is the main one.
    family = derive_family(
        "DOC",
        "DOC",
        [version("B", "RELEASED", "A"), version("A-1", "IN_WORK", "A"), version("A", "RELEASED")],
        STATES,
    )
    assert labels(family) == ["A", "A-1", "B"]
    assert [r.superseded_by for r in family.revisions] == ["B", None, None]
    assert family.latest_released is not None
    assert family.latest_released.revision == "B"


def test_a_released_branch_off_the_main_line_is_not_the_latest():
    # C (newest, in work) is made from B; the released branch A.1 is on another line.
    family = derive_family(
        "DOC",
        "DOC",
        [
            version("A", "RELEASED"),
            version("A.1", "RELEASED", "A"),
            version("B", "RELEASED", "A"),
            version("C", "IN_WORK", "B"),
        ],
        STATES,
    )
    assert labels(family) == ["A", "A.1", "B", "C"]
    assert family.latest_released is not None
    assert family.latest_released.revision == "B"
    # A is superseded by the first released revision made from it: A.1, in order.
    assert family.revisions[0].superseded_by == "A.1"
    assert family.revisions[1].superseded_by is None


def test_nothing_released():
    family = derive_family(
        "DOC", "DOC", [version("A", "PRIVATE"), version("B", "IN_WORK", "A")], STATES
    )
    assert family.latest_released is None


def test_ancestry_wins_over_labels():
    # Labels out of step with how revisions were made: the graph decides.
    family = derive_family(
        "DOC", "DOC", [version("A", "RELEASED", "B"), version("B", "OBSOLETE")], STATES
    )
    assert labels(family) == ["B", "A"]
    assert family.revisions[0].superseded_by == "A"


def test_unconnected_revisions_are_ordered_by_label():
    family = derive_family(
        "DOC",
        "DOC",
        [version("10", "RELEASED"), version("2", "RELEASED"), version("1", "RELEASED")],
        STATES,
    )
    assert labels(family) == ["1", "2", "10"]
    # Each starts a line of its own: nothing supersedes anything.
    assert [r.superseded_by for r in family.revisions] == [None, None, None]
    assert family.latest_released is not None
    assert family.latest_released.revision == "10"


def test_an_ancestor_outside_the_family_is_ignored():
    family = derive_family(
        "DOC", "DOC", [version("B", "RELEASED", "A"), version("C", "IN_WORK", "B")], STATES
    )
    assert labels(family) == ["B", "C"]


def test_a_cycle_still_gives_a_stable_order():
    family = derive_family(
        "DOC", "DOC", [version("B", "RELEASED", "A"), version("A", "RELEASED", "B")], STATES
    )
    assert labels(family) == ["A", "B"]
    assert [r.superseded_by for r in family.revisions] == ["B", "A"]


def test_policy_prefixed_states_and_overrides():
    states = STATES.with_overrides({"Review": "ACCEPTED_BY_CUSTOMER"})
    family = derive_family(
        "DOC",
        "DOC",
        [
            version("A", "Document Release.OBSOLETE"),
            version("B", "Document Release.RELEASED", "A"),
            version("C", "Review", "B"),
        ],
        states,
    )
    assert [r.maturity_state for r in family.revisions] == [
        "Document Release.OBSOLETE",
        "Document Release.RELEASED",
        "Review",
    ]
    assert [r.superseded_by for r in family.revisions] == ["B", "C", None]
    assert family.latest_released is not None
    assert family.latest_released.revision == "C"


@pytest.mark.parametrize(
    ("asked", "exact", "major"),
    [("B", None, "B.3"), ("B.2", "B.2", "B.2"), ("A", None, "A.1"), ("C", None, None)],
)
def test_the_revision_a_printed_label_names(asked: str, exact: str | None, major: str | None):
    family = derive_family(
        "DOC",
        "DOC",
        [
            version("A.1", "RELEASED"),
            version("B.1", "RELEASED", "A.1"),
            version("B.2", "RELEASED", "B.1"),
            version("B.3", "RELEASED", "B.2"),
        ],
        STATES,
    )
    found = family.revision(asked, "exact")
    assert (found.revision if found else None) == exact
    found = family.revision(asked, "major")
    assert (found.revision if found else None) == major


def test_a_family_needs_a_revision():
    with pytest.raises(ValueError, match="at least one"):
        derive_family("DOC", "DOC", [], STATES)
