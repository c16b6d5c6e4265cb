"""Documents and revisions as the simulator stores them, and their ENOVIA JSON shapes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

# The seed's released family: a revision in one of these states has been released.
RELEASED_STATES: Final = frozenset({"Released", "AFC", "Accepted", "Approved"})

# Every maturity state the seed's status mapping knows, in the seed's order.
SEED_STATES: Final = (
    "Released",
    "AFC",
    "Accepted",
    "Approved",
    "Obsolete",
    "Superseded",
    "In Work",
    "Frozen",
)


def iso_z(moment: datetime) -> str:
    """Format an aware UTC datetime as ENOVIA does: `2024-01-15T10:30:00Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def revision_object_id(doc_uid: str, label: str) -> str:
    """The revision's opaque `id`: 32 upper-case hex digits, like an ENOVIA physical id.

    Derived from the document uid and the revision label, so it is the same on every run.
    """
    # NUL cannot appear in either part joined, so different pairs never collide by joining.
    key = f"{doc_uid}\x00{label}".encode()
    return hashlib.blake2b(key, digest_size=16).hexdigest().upper()


@dataclass(slots=True)
class Revision:
    """One revision of a document; mutable so the admin API can change it in place."""

    label: str
    maturity_state: str
    pages: int
    last_modified: datetime
    released_date: datetime | None = None
    superseded_by: str | None = None


@dataclass(slots=True)
class Document:
    """A document and its revision chain, oldest first (chain order = creation order)."""

    uid: str
    title: str
    number: str
    doc_type: str
    created_at: datetime
    updated_at: datetime
    revisions: list[Revision] = field(default_factory=list)
    deleted: bool = False

    def find(self, label: str) -> Revision | None:
        """The revision labelled *label*, or None."""
        for revision in self.revisions:
            if revision.label == label:
                return revision
        return None

    def latest_released(self) -> Revision | None:
        """ENOVIA's `revisions/latest`: the last revision in the chain in a released state.

        A revision's supersededBy does not matter here, only its state: that is what makes
        DOC-003 (an older revision still marked Released) answer with the newer one.
        """
        for revision in reversed(self.revisions):
            if revision.maturity_state in RELEASED_STATES:
                return revision
        return None


def document_json(document: Document) -> dict[str, object]:
    """The body of `GET /api/v1/documents/{doc_uid}`."""
    return {
        "id": document.uid,
        "title": document.title,
        "number": document.number,
        "type": document.doc_type,
        "createdAt": iso_z(document.created_at),
        "updatedAt": iso_z(document.updated_at),
    }


def revision_json(document: Document, revision: Revision) -> dict[str, object]:
    """The body of `GET /api/v1/documents/{doc_uid}/revisions/{revision}` (and `latest`)."""
    released = revision.released_date
    return {
        "id": revision_object_id(document.uid, revision.label),
        "revision": revision.label,
        "maturityState": revision.maturity_state,
        "releasedDate": None if released is None else iso_z(released),
        "supersededBy": revision.superseded_by,
        "lastModified": iso_z(revision.last_modified),
        "pages": revision.pages,
    }
