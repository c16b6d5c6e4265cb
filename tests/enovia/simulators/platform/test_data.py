"""The sample families: the facade's documents as 3DSpace holds them, and the platform's own."""

from __future__ import annotations

from enovia.simulators.facade import DOC_GONE, DOC_UNKNOWN_STATE, SAMPLE_UIDS
from enovia.simulators.facade.data import generated_document, sample_documents
from enovia.simulators.facade.model import revision_object_id
from enovia.simulators.platform import (
    AWKWARD_NAMES,
    DOC_AND_DRAWING,
    DOC_BRANCHED,
    DOC_LEGACY_STATES,
    DOC_MAJOR_MINOR_LABELS,
    DOC_NUMERIC_LABELS,
    DOC_OBSOLETE_CHAIN,
    DOC_POLICY_PREFIXED_STATES,
    DOC_PREFIX_LONG,
    DOC_PREFIX_SHORT,
    DOC_PRIVATE_ONLY,
    DRAWING,
    PLATFORM_NAMES,
    REV_BRANCH,
)
from enovia.simulators.platform.data import (
    generated_family,
    platform_state,
    sample_families,
)
from enovia.simulators.platform.model import Family

FACADE_STATES = {
    "Released": "RELEASED",
    "AFC": "RELEASED",
    "Accepted": "RELEASED",
    "Approved": "RELEASED",
    "Superseded": "OBSOLETE",
    "Obsolete": "OBSOLETE",
    "In Work": "IN_WORK",
    "Frozen": "FROZEN",
    "Cancelled": "Cancelled",
}


def by_key() -> dict[tuple[str, str], Family]:
    return {(f.name, f.doc_type): f for f in sample_families()}


def test_state_mapping() -> None:
    for facade, platform in FACADE_STATES.items():
        assert platform_state(facade) == platform


def test_every_facade_document_is_a_document_family() -> None:
    families = by_key()
    documents = sample_documents()
    assert [d.uid for d in documents] == list(SAMPLE_UIDS)
    for document in documents:
        family = families[(document.uid, "Document")]
        assert family.title == document.title
        assert family.description == f"{document.doc_type} {document.number}"
        previous = None
        for facade, revision in zip(document.revisions, family.revisions, strict=True):
            assert revision.label == facade.label
            assert revision.object_id == revision_object_id(document.uid, facade.label)
            assert revision.state == platform_state(facade.maturity_state)
            assert revision.modified == facade.last_modified
            assert revision.made_from == (None if previous is None else previous.object_id)
            if previous is None:
                assert revision.originated == document.created_at
            else:
                assert revision.originated >= previous.originated
            previous = revision


def test_doc_gone_is_deleted_but_stays_indexed() -> None:
    family = by_key()[(DOC_GONE, "Document")]
    assert family.deleted
    assert family.index_keeps
    assert sum(f.deleted for f in sample_families()) == 1


def test_unknown_states_are_kept() -> None:
    family = by_key()[(DOC_UNKNOWN_STATE, "Document")]
    assert family.revisions[0].state == "Cancelled"


def states(name: str, doc_type: str = "Document") -> list[tuple[str, str]]:
    return [(r.label, r.state) for r in by_key()[(name, doc_type)].revisions]


def test_the_platform_only_families() -> None:
    assert states(DOC_OBSOLETE_CHAIN) == [("A", "OBSOLETE"), ("B", "OBSOLETE"), ("C", "RELEASED")]
    assert states(DOC_NUMERIC_LABELS) == [("1", "RELEASED"), ("2", "RELEASED"), ("3", "IN_WORK")]
    assert states(DOC_MAJOR_MINOR_LABELS) == [
        (label, "RELEASED") for label in ("A.1", "B.1", "B.2", "B.3")
    ]
    assert states(DOC_POLICY_PREFIXED_STATES) == [
        ("A", "Document Release.OBSOLETE"),
        ("B", "Document Release.RELEASED"),
    ]
    assert states(DOC_LEGACY_STATES) == [("A", "Obsolete"), ("B", "Release"), ("C", "Preliminary")]
    assert states(DOC_PRIVATE_ONLY) == [("A", "PRIVATE")]
    assert states(DRAWING, "Drawing") == [("A", "RELEASED"), ("B", "RELEASED")]
    assert states(DOC_AND_DRAWING) == [("A", "RELEASED")]
    assert states(DOC_AND_DRAWING, "Drawing") == [("A", "RELEASED"), ("B", "IN_WORK")]
    for name in (*AWKWARD_NAMES, DOC_PREFIX_SHORT, DOC_PREFIX_LONG):
        assert states(name) == [("A", "RELEASED")]
    assert DOC_PREFIX_LONG.startswith(DOC_PREFIX_SHORT)
    assert any('"' in n for n in AWKWARD_NAMES)
    assert any("\\" in n for n in AWKWARD_NAMES)
    assert any(":" in n for n in AWKWARD_NAMES)
    assert any(" AND " in n and " OR " in n and "*" in n for n in AWKWARD_NAMES)
    assert len(set(PLATFORM_NAMES)) == len(PLATFORM_NAMES)


def test_the_branch() -> None:
    family = by_key()[(DOC_BRANCHED, "Document")]
    a, branch, b = family.revisions
    assert [r.label for r in family.revisions] == ["A", REV_BRANCH, "B"]
    assert a.made_from is None
    assert branch.made_from == b.made_from == a.object_id
    # B is the newest: its line is the main line.
    assert family.revisions[-1] is b
    assert (branch.state, b.state) == ("IN_WORK", "RELEASED")


def test_ids_are_unique_and_stable() -> None:
    ids = [r.object_id for f in sample_families() for r in f.revisions]
    assert len(set(ids)) == len(ids)
    assert ids == [r.object_id for f in sample_families() for r in f.revisions]
    assert all(len(oid) == 32 and oid == oid.upper() for oid in ids)


def test_generated_families() -> None:
    family = generated_family("GEN-42")
    document = generated_document("GEN-42")
    assert family is not None
    assert document is not None
    assert [r.object_id for r in family.revisions] == [
        revision_object_id("GEN-42", r.label) for r in document.revisions
    ]
    assert generated_family("GEN-x") is None
    assert generated_family("DOC-001") is None
