"""Revision labels: their order, and which label a printed one names."""

from __future__ import annotations

import pytest

from enovia.platform._labels import label_key, label_matches


def test_labels_sort_as_revision_schemes_count():
    labels = ["B", "A-1", "A", "AA", "Z", "B.1", "B.10", "B.2", "10", "2", "1", "A/2", "A/1"]
    assert sorted(labels, key=label_key) == [
        "1", "2", "10", "A", "A-1", "A/1", "A/2", "B", "B.1", "B.2", "B.10", "Z", "AA",
    ]  # fmt: skip


def test_the_order_is_total_even_for_labels_that_read_alike():
    assert sorted(["B1", "B.1", "B-1"], key=label_key) == ["B-1", "B.1", "B1"]
    assert sorted(["", "-", "A"], key=label_key) == ["", "-", "A"]


@pytest.mark.parametrize(
    ("label", "asked", "exact", "major"),
    [
        ("B", "B", True, True),
        ("B.1", "B", False, True),
        ("B.12", "B", False, True),
        ("B.1", "B.1", True, True),
        ("B.1.2", "B", False, False),
        ("B.x", "B", False, False),
        ("B.", "B", False, False),
        ("BB", "B", False, False),
        ("C.1", "B", False, False),
        ("b.1", "B", False, False),
        ("B.١", "B", False, False),
    ],
)
def test_matching(label: str, asked: str, exact: bool, major: bool):
    assert label_matches(label, asked, "exact") is exact
    assert label_matches(label, asked, "major") is major
