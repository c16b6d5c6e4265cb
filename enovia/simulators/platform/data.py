"""The platform simulator's sample data: the facade's documents as 3DSpace holds them, plus
platform-only families that only a 3DEXPERIENCE client meets.

Everything is deterministic, so tests may rely on it. Every revision object's physical id is
`object_id(name, type, label)`, for a Document the facade's `revision_object_id(uid, label)`.

**From the facade** (`enovia.simulators.facade.data.sample_documents()`): every document
under its uid as `name`, type `Document`, the facade's title, `"<facade type> <number>"` as
description; each revision made from the previous one (one line); states mapped:

| facade state                              | maturityState |
|-------------------------------------------|---------------|
| Released, AFC, Accepted, Approved         | `RELEASED`    |
| Superseded, Obsolete                      | `OBSOLETE`    |
| In Work                                   | `IN_WORK`     |
| Frozen                                    | `FROZEN`      |
| anything else (DOC-010's `Cancelled`)     | kept as is    |

`originated`: the facade document's created_at for its first revision, for later ones their
release (or last change) but never before the previous revision's; `modified`: the
revision's last_modified. `DOC-GONE` is deleted (documents/{id}, documents/ids and getGraph
know none of its objects) but stays in the search index forever. The GEN family
(`GEN-<digits>`) exists without being stored, and search finds it by its exact name.

**Platform-only** (each constant names one; dates in 2024; each revision is made from the
previous one unless said):

| constant                     | name               | type     | revisions                  |
|------------------------------|--------------------|----------|----------------------------|
| `DOC_OBSOLETE_CHAIN`         | `TDX-101`          | Document | A OBSOLETE, B OBSOLETE,    |
|                              |                    |          | C RELEASED                 |
| `DOC_NUMERIC_LABELS`         | `TDX-102`          | Document | 1 RELEASED, 2 RELEASED,    |
|                              |                    |          | 3 IN_WORK                  |
| `DOC_MAJOR_MINOR_LABELS`     | `TDX-103`          | Document | A.1, B.1, B.2, B.3:        |
|                              |                    |          | all RELEASED               |
| `DOC_POLICY_PREFIXED_STATES` | `TDX-104`          | Document | A `Document Release.       |
|                              |                    |          | OBSOLETE`, B `Document     |
|                              |                    |          | Release.RELEASED`          |
| `DOC_LEGACY_STATES`          | `TDX-105`          | Document | A `Obsolete`, B `Release`, |
|                              |                    |          | C `Preliminary`            |
| `DOC_PRIVATE_ONLY`           | `TDX-106`          | Document | A PRIVATE                  |
| `DOC_BRANCHED`               | `TDX-107`          | Document | A RELEASED; `A-1` IN_WORK  |
|                              |                    |          | from A; then B RELEASED    |
|                              |                    |          | from A (newest: main line) |
| `DRAWING`                    | `DRW-001`          | Drawing  | A RELEASED, B RELEASED     |
| `DOC_AND_DRAWING`            | `TDX-108`          | Document | A RELEASED                 |
|                              | `TDX-108`          | Drawing  | A RELEASED, B IN_WORK      |
| `DOC_WITH_QUOTES`            | `TDX "109"`        | Document | A RELEASED                 |
| `DOC_WITH_BACKSLASH`         | `TDX\\110`          | Document | A RELEASED                 |
| `DOC_WITH_SEARCH_WORDS`      | `TDX-111 AND OR *` | Document | A RELEASED                 |
| `DOC_WITH_COLON`             | `TDX:112`          | Document | A RELEASED                 |
| `DOC_PREFIX_SHORT`           | `TDX-113`          | Document | A RELEASED (its search     |
|                              |                    |          | finds `TDX-1130` too)      |
| `DOC_PREFIX_LONG`            | `TDX-1130`         | Document | A RELEASED                 |

The Drawing `TDX-108` has other ids than the Document `TDX-108` (see `model.object_id`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

from enovia.simulators.facade.data import generated_document, sample_documents
from enovia.simulators.facade.data import generated_number as _generated_number
from enovia.simulators.facade.model import Document
from enovia.simulators.platform.model import (
    DOCUMENT_TYPE,
    DRAWING_TYPE,
    Family,
    PlatformRevision,
    object_id,
)

DOC_OBSOLETE_CHAIN: Final = "TDX-101"
DOC_NUMERIC_LABELS: Final = "TDX-102"
DOC_MAJOR_MINOR_LABELS: Final = "TDX-103"
DOC_POLICY_PREFIXED_STATES: Final = "TDX-104"
DOC_LEGACY_STATES: Final = "TDX-105"
DOC_PRIVATE_ONLY: Final = "TDX-106"
DOC_BRANCHED: Final = "TDX-107"
DRAWING: Final = "DRW-001"
DOC_AND_DRAWING: Final = "TDX-108"
DOC_WITH_QUOTES: Final = 'TDX "109"'
DOC_WITH_BACKSLASH: Final = "TDX\\110"
DOC_WITH_SEARCH_WORDS: Final = "TDX-111 AND OR *"
DOC_WITH_COLON: Final = "TDX:112"
DOC_PREFIX_SHORT: Final = "TDX-113"
DOC_PREFIX_LONG: Final = "TDX-1130"

# DOC_BRANCHED's branch off A (B, the main line's, is also made from A).
REV_BRANCH: Final = "A-1"

AWKWARD_NAMES: Final = (
    DOC_WITH_QUOTES,
    DOC_WITH_BACKSLASH,
    DOC_WITH_SEARCH_WORDS,
    DOC_WITH_COLON,
)
# Every platform-only name, once (DOC_AND_DRAWING names two families).
PLATFORM_NAMES: Final = (
    DOC_OBSOLETE_CHAIN,
    DOC_NUMERIC_LABELS,
    DOC_MAJOR_MINOR_LABELS,
    DOC_POLICY_PREFIXED_STATES,
    DOC_LEGACY_STATES,
    DOC_PRIVATE_ONLY,
    DOC_BRANCHED,
    DRAWING,
    DOC_AND_DRAWING,
    *AWKWARD_NAMES,
    DOC_PREFIX_SHORT,
    DOC_PREFIX_LONG,
)

_STATES: Final = {
    "Released": "RELEASED",
    "AFC": "RELEASED",
    "Accepted": "RELEASED",
    "Approved": "RELEASED",
    "Superseded": "OBSOLETE",
    "Obsolete": "OBSOLETE",
    "In Work": "IN_WORK",
    "Frozen": "FROZEN",
}


def platform_state(facade_state: str) -> str:
    """The maturityState a facade state becomes (unknown ones are kept as they are)."""
    return _STATES.get(facade_state, facade_state)


def from_facade(document: Document) -> Family:
    """The facade *document* as a 3DSpace Document family: one line, in chain order."""
    revisions: list[PlatformRevision] = []
    originated = document.created_at
    for revision in document.revisions:
        if revisions:
            # A later revision starts when it is released (or last changed), never before
            # the one it is made from.
            moment = revision.released_date or revision.last_modified
            originated = max(originated, min(moment, revision.last_modified))
        revisions.append(
            PlatformRevision(
                object_id(document.uid, DOCUMENT_TYPE, revision.label),
                revision.label,
                platform_state(revision.maturity_state),
                originated,
                revision.last_modified,
                revisions[-1].object_id if revisions else None,
            )
        )
    return Family(
        document.uid,
        DOCUMENT_TYPE,
        document.title,
        f"{document.doc_type} {document.number}",
        revisions,
        deleted=document.deleted,
        # The only deleted sample, DOC-GONE: deleted behind the search index's back.
        index_keeps=document.deleted,
    )


# (label, state, label made from; "" = the previous revision, None = starts a line)
_Spec = tuple[str, str, str | None]


def _family(
    name: str,
    title: str,
    start: datetime,
    specs: list[_Spec],
    doc_type: str = DOCUMENT_TYPE,
) -> Family:
    """A family whose revisions come a week apart from *start*, each changed 2 days later."""
    family = Family(name, doc_type, title, f"{doc_type} {name}")
    for i, (label, state, made_from) in enumerate(specs):
        if made_from == "":
            ancestor = family.revisions[-1].object_id if family.revisions else None
        elif made_from is None:
            ancestor = None
        else:
            previous = family.find(made_from)
            assert previous is not None, f"{name}: {label} made from unknown {made_from}"
            ancestor = previous.object_id
        originated = start + timedelta(days=7 * i)
        family.revisions.append(
            PlatformRevision(
                object_id(name, doc_type, label),
                label,
                state,
                originated,
                originated + timedelta(days=2),
                ancestor,
            )
        )
    return family


def _line(*pairs: tuple[str, str]) -> list[_Spec]:
    """Revisions each made from the previous: (label, state) pairs."""
    return [(label, state, "") for label, state in pairs]


def _platform_families() -> list[Family]:
    def day(month: int, day: int) -> datetime:
        return datetime(2024, month, day, 9, 0, tzinfo=UTC)

    released = ("A", "RELEASED")
    return [
        _family(
            DOC_OBSOLETE_CHAIN,
            "Obsolete chain",
            day(3, 4),
            _line(("A", "OBSOLETE"), ("B", "OBSOLETE"), ("C", "RELEASED")),
        ),
        _family(
            DOC_NUMERIC_LABELS,
            "Numeric revision labels",
            day(3, 5),
            _line(("1", "RELEASED"), ("2", "RELEASED"), ("3", "IN_WORK")),
        ),
        _family(
            DOC_MAJOR_MINOR_LABELS,
            "Major.minor revision labels",
            day(3, 6),
            _line(
                ("A.1", "RELEASED"), ("B.1", "RELEASED"), ("B.2", "RELEASED"), ("B.3", "RELEASED")
            ),
        ),
        _family(
            DOC_POLICY_PREFIXED_STATES,
            "States with their policy",
            day(3, 7),
            _line(("A", "Document Release.OBSOLETE"), ("B", "Document Release.RELEASED")),
        ),
        _family(
            DOC_LEGACY_STATES,
            "Legacy state names",
            day(3, 8),
            _line(("A", "Obsolete"), ("B", "Release"), ("C", "Preliminary")),
        ),
        _family(DOC_PRIVATE_ONLY, "Private only", day(3, 9), _line(("A", "PRIVATE"))),
        _family(
            DOC_BRANCHED,
            "Branched revisions",
            day(3, 10),
            [("A", "RELEASED", None), (REV_BRANCH, "IN_WORK", "A"), ("B", "RELEASED", "A")],
        ),
        _family(
            DRAWING,
            "CATIA drawing",
            day(3, 11),
            _line(released, ("B", "RELEASED")),
            DRAWING_TYPE,
        ),
        _family(DOC_AND_DRAWING, "Document sharing a drawing's name", day(3, 12), _line(released)),
        _family(
            DOC_AND_DRAWING,
            "Drawing sharing a document's name",
            day(3, 12),
            _line(released, ("B", "IN_WORK")),
            DRAWING_TYPE,
        ),
        *(
            _family(name, f"Awkward name {n}", day(3, 13 + n), _line(released))
            for n, name in enumerate(AWKWARD_NAMES)
        ),
        _family(DOC_PREFIX_SHORT, "Name that prefixes another", day(3, 20), _line(released)),
        _family(DOC_PREFIX_LONG, "Name another prefixes", day(3, 21), _line(released)),
    ]


def sample_families() -> list[Family]:
    """Fresh copies of every stored sample family: the facade's, then the platform-only."""
    return [from_facade(document) for document in sample_documents()] + _platform_families()


def generated_family(name: str) -> Family | None:
    """The GEN family's Document for *name* (`GEN-<digits>`), computed; None when not one."""
    document = generated_document(name)
    return None if document is None else from_facade(document)


def is_generated_name(name: str) -> bool:
    """Whether *name* is in the GEN family (exists without being stored)."""
    return _generated_number(name) is not None
