"""The simulator's documents: the sample data, run-time changes, and the GEN family."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from enovia.simulators.common.errors import StoreError
from enovia.simulators.facade.data import generated_document, sample_documents
from enovia.simulators.facade.model import RELEASED_STATES, Document, Revision


@dataclass(frozen=True, slots=True)
class RevisionChanges:
    """What `PATCH` changes on one revision; None / False leaves a field as it is."""

    maturity_state: str | None = None
    pages: int | None = None
    # supersededBy may legitimately be set to null, so "change it" is a separate flag.
    change_superseded_by: bool = False
    superseded_by: str | None = None


def _copy(document: Document) -> Document:
    """A copy sharing nothing mutable with *document*."""
    revisions = [
        Revision(
            r.label, r.maturity_state, r.pages, r.last_modified, r.released_date, r.superseded_by
        )
        for r in document.revisions
    ]
    return Document(
        document.uid,
        document.title,
        document.number,
        document.doc_type,
        document.created_at,
        document.updated_at,
        revisions,
        document.deleted,
    )


class DocumentStore:
    """Holds the stored documents; GEN documents are computed until something changes them.

    Changing or deleting a GEN document stores a copy of it first, so that change sticks
    and every other GEN uid stays free. `now` gives the wall-clock time stamped on changes.
    Not thread-safe: use it from the server's event loop.
    """

    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now
        # Never handed out nor changed: reset copies it, faster than generating it again.
        self._pristine = sample_documents()
        self._documents: dict[str, Document] = {}
        self.reset()

    def reset(self) -> None:
        """Forget every run-time change: back to the sample data."""
        self._documents = {document.uid: _copy(document) for document in self._pristine}

    def get(self, uid: str) -> Document | None:
        """The document (possibly marked deleted), or None when there is no such uid."""
        document = self._documents.get(uid)
        if document is not None:
            return document
        return generated_document(uid)

    def is_stored(self, uid: str) -> bool:
        """Whether *uid* is held in the store (a GEN uid is only once it was changed)."""
        return uid in self._documents

    def stored_uids(self) -> list[str]:
        """Every stored uid, samples first, then documents created at run time."""
        return list(self._documents)

    def deleted_uids(self) -> list[str]:
        """The stored uids marked deleted."""
        return [uid for uid, document in self._documents.items() if document.deleted]

    def add_revision(
        self,
        uid: str,
        label: str,
        maturity_state: str,
        pages: int,
        *,
        supersede_previous: bool,
    ) -> Document:
        """Append a revision to *uid*'s chain, creating the document when there is none.

        With *supersede_previous*, every earlier released-family revision becomes Superseded
        by *label*. Raises StoreError: 410 when the document is deleted, 409 when the label
        is taken.
        """
        now = self._now()
        document = self._stored(uid)
        if document is None:
            document = Document(uid, f"Document {uid}", uid, "Drawing", now, now)
            self._documents[uid] = document
        self._refuse_deleted(document)
        if document.find(label) is not None:
            raise StoreError(409, "conflict", f"Revision {label!r} already exists")
        if supersede_previous:
            for previous in document.revisions:
                if previous.maturity_state in RELEASED_STATES:
                    previous.maturity_state = "Superseded"
                    previous.superseded_by = label
                    previous.last_modified = now
        released = now if maturity_state in RELEASED_STATES else None
        document.revisions.append(Revision(label, maturity_state, pages, now, released))
        document.updated_at = now
        return document

    def patch_revision(self, uid: str, label: str, changes: RevisionChanges) -> Revision:
        """Change one revision. Raises StoreError 404 (no document or revision) or 410."""
        document = self._stored(uid)
        if document is None:
            raise StoreError(404, "not_found", "Document not found")
        self._refuse_deleted(document)
        revision = document.find(label)
        if revision is None:
            raise StoreError(404, "not_found", "Revision not found")
        now = self._now()
        if changes.maturity_state is not None:
            revision.maturity_state = changes.maturity_state
            if changes.maturity_state in RELEASED_STATES and revision.released_date is None:
                revision.released_date = now
        if changes.pages is not None:
            revision.pages = changes.pages
        if changes.change_superseded_by:
            revision.superseded_by = changes.superseded_by
        revision.last_modified = now
        document.updated_at = now
        return revision

    def delete(self, uid: str) -> None:
        """Mark *uid* deleted (the API then answers 410). Raises StoreError 404 when unknown.

        Deleting a deleted document again is not an error.
        """
        document = self._stored(uid)
        if document is None:
            raise StoreError(404, "not_found", "Document not found")
        document.deleted = True
        document.updated_at = self._now()

    def _stored(self, uid: str) -> Document | None:
        """The stored document, storing a GEN document first so a change to it sticks."""
        document = self._documents.get(uid)
        if document is None:
            document = generated_document(uid)
            if document is not None:
                self._documents[uid] = document
        return document

    @staticmethod
    def _refuse_deleted(document: Document) -> None:
        if document.deleted:
            raise StoreError(410, "gone", "Document deleted; POST /_sim/reset restores it")
