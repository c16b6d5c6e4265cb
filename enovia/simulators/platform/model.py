"""Document families and their revision objects, and the JSON shapes 3DSpace gives them.

On the platform each revision is an object of its own, with its own 32-hex physical id, and
the revisions of one document share its `name`. A `Family` is those objects for one
(type, name); each revision remembers the one it was made from (its ancestor in the
version graph). A revision object renamed alone keeps its place in its family (the graph
still links it) and carries its own name (`object_name`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from enovia.simulators.facade.model import iso_z, revision_object_id

DOCUMENT_TYPE: Final = "Document"
DRAWING_TYPE: Final = "Drawing"

RELEASED: Final = "RELEASED"
OBSOLETE: Final = "OBSOLETE"
IN_WORK: Final = "IN_WORK"

# Documents follow the Document Release policy; CATIA drawings a VPLM one.
_POLICIES: Final[Mapping[str, str]] = {
    DOCUMENT_TYPE: "Document Release",
    DRAWING_TYPE: "VPLM_SMB_Definition",
}
_STATE_NLS: Final[Mapping[str, str]] = {
    "PRIVATE": "Private",
    IN_WORK: "In Work",
    "FROZEN": "Frozen",
    RELEASED: "Released",
    OBSOLETE: "Obsolete",
}
DOCUMENTS_PATH: Final = "/resources/v1/modeler/documents/"


def policy_for(doc_type: str) -> str:
    """The lifecycle policy the platform gives objects of *doc_type*."""
    return _POLICIES.get(doc_type, "Document Release")


def object_id(name: str, doc_type: str, label: str, attempt: int = 0) -> str:
    """A revision object's physical id: stable for (name, type, label).

    A Document's is `revision_object_id(name, label)`, the id the facade simulator gives the
    same revision; other types add theirs, so a Drawing sharing a Document's name gets other
    ids. *attempt* > 0 gives further candidates, for when a rename freed a name whose ids are
    still held.
    """
    salt = "" if doc_type == DOCUMENT_TYPE else f"\x00{doc_type}"
    if attempt:
        salt += f"\x00{attempt}"
    return revision_object_id(name, label + salt)


def is_released(state: str) -> bool:
    """Whether *state* is RELEASED, with or without a policy prefix."""
    return state.rpartition(".")[2] == RELEASED


def state_nls(state: str) -> str:
    """The display name of *state* (`Document Release.RELEASED` → `Released`)."""
    bare = state.rpartition(".")[2]
    return _STATE_NLS.get(bare, bare)


@dataclass(slots=True)
class PlatformRevision:
    """One revision object; mutable so the admin API can change it in place."""

    object_id: str
    label: str
    state: str
    originated: datetime
    modified: datetime
    # The object id of the revision this one was made from; None starts a line.
    made_from: str | None = None
    # The name this object alone was renamed to (None: its family's). It stays in its
    # family's version graph: only its name left.
    name: str | None = None

    def copy(self) -> PlatformRevision:
        """A copy sharing nothing mutable."""
        return PlatformRevision(
            self.object_id,
            self.label,
            self.state,
            self.originated,
            self.modified,
            self.made_from,
            self.name,
        )


@dataclass(slots=True)
class Family:
    """Every revision object of one document (type, name), in creation order (newest last).

    `deleted`: gone from 3DSpace (documents, ids, graph). `index_keeps`: the search index
    never learned of a deletion, so search still finds its objects (DOC-GONE).
    """

    name: str
    doc_type: str
    title: str
    description: str
    revisions: list[PlatformRevision] = field(default_factory=list)
    deleted: bool = False
    index_keeps: bool = False

    @property
    def policy(self) -> str:
        """The lifecycle policy of its objects."""
        return policy_for(self.doc_type)

    def find(self, label: str) -> PlatformRevision | None:
        """The revision labelled *label*, or None."""
        for revision in self.revisions:
            if revision.label == label:
                return revision
        return None

    def find_id(self, oid: str) -> PlatformRevision | None:
        """The revision whose object id is *oid*, or None."""
        for revision in self.revisions:
            if revision.object_id == oid:
                return revision
        return None

    def line_of(self, revision: PlatformRevision) -> list[PlatformRevision]:
        """*revision*'s ancestors, nearest first (the revisions it was made from, in turn)."""
        line: list[PlatformRevision] = []
        ancestor = revision.made_from
        while ancestor is not None:
            previous = self.find_id(ancestor)
            if previous is None or previous in line:
                break
            line.append(previous)
            ancestor = previous.made_from
        return line

    def copy(self) -> Family:
        """A copy sharing nothing mutable."""
        return Family(
            self.name,
            self.doc_type,
            self.title,
            self.description,
            [revision.copy() for revision in self.revisions],
            self.deleted,
            self.index_keeps,
        )


def object_name(family: Family, revision: PlatformRevision) -> str:
    """The name revision object *revision* of *family* carries now."""
    return family.name if revision.name is None else revision.name


def _cestamp(family: Family, revision: PlatformRevision) -> str:
    # Changes whenever the object does, as the platform's change stamp does.
    key = "\x00".join(
        (
            revision.object_id,
            object_name(family, revision),
            revision.state,
            iso_z(revision.modified),
        )
    ).encode()
    return hashlib.blake2b(key, digest_size=16).hexdigest().upper()


def document_item(family: Family, revision: PlatformRevision) -> dict[str, object]:
    """One object of the documents envelope's `data` (see docs/3dexperience-protocol.md)."""
    oid = revision.object_id
    latest = family.revisions[-1] is revision
    return {
        "id": oid,
        "type": family.doc_type,
        "identifier": oid,
        "relativePath": DOCUMENTS_PATH + oid,
        "cestamp": _cestamp(family, revision),
        "dataelements": {
            "name": object_name(family, revision),
            "title": family.title,
            "revision": revision.label,
            "policy": family.policy,
            "state": revision.state,
            "isLatestRevision": "TRUE" if latest else "FALSE",
            "originated": iso_z(revision.originated),
            "modified": iso_z(revision.modified),
            "description": family.description,
            "typeNLS": family.doc_type,
            "stateNLS": state_nls(revision.state),
        },
    }


def envelope(items: list[object], total: int | None = None) -> dict[str, object]:
    """The documents envelope; `items` is *total* (search: every hit) or the data's length."""
    return {
        "success": True,
        "statusCode": 200,
        "items": len(items) if total is None else total,
        "data": items,
    }


def object_ref(family: Family, oid: str, source: str) -> dict[str, object]:
    """How the version graph names an object: id, identifier, type, source, relativePath."""
    return {
        "id": oid,
        "identifier": oid,
        "type": family.doc_type,
        "source": source,
        "relativePath": DOCUMENTS_PATH + oid,
    }


def version_json(family: Family, revision: PlatformRevision, source: str) -> dict[str, object]:
    """One entry of a getGraph result's `versions`."""
    ancestors: list[object] = []
    if revision.made_from is not None:
        ancestors.append(
            {"edgeType": "VersionOf", **object_ref(family, revision.made_from, source)}
        )
    return {
        **object_ref(family, revision.object_id, source),
        "revision": revision.label,
        "maturityState": revision.state,
        "ancestors": ancestors,
    }
