"""`Document`: an ENOVIA document, with its latest released revision and any revision."""

from __future__ import annotations

from datetime import datetime

import strawberry

import enovia
from loaders import Absence, Freshness, Loaded
from schema.context import Info
from schema.now_or_later import when_loaded
from schema.types import enums as _registered  # noqa: F401  (registers the enums)
from schema.types.identifiers import RevisionLabel
from schema.types.revision import Revision


@strawberry.type(
    description=(
        "An engineering document in ENOVIA (a drawing, a specification...): its card data, "
        "its latest released revision and any of its revisions."
    )
)
class Document:
    uid: strawberry.ID = strawberry.field(
        description=(
            "The identifier the document was asked by, as a QR code carries it: the "
            "facade's document uid; on the 3DEXPERIENCE platform, the document's name (its "
            "drawing number) or the physical id of one of its revisions."
        )
    )
    title: str | None = strawberry.field(
        description=(
            "The document's title as ENOVIA gives it (on the 3DEXPERIENCE platform, its "
            "newest revision's title); null when ENOVIA gives none."
        )
    )
    number: str | None = strawberry.field(
        description=(
            "The document's number, as printed on the sheet: the REST facade's number; on "
            "the 3DEXPERIENCE platform, the document's name (what its QR code carries)."
        )
    )
    type: str | None = strawberry.field(
        description=(
            "The document's type as ENOVIA names it: the REST facade's type (such as Drawing "
            "or Specification); on the 3DEXPERIENCE platform, the type of its objects "
            "(Document, or Drawing when the gateway reads CATIA drawings). Null when ENOVIA "
            "gives none."
        )
    )
    created_at: datetime | None = strawberry.field(
        description=(
            "When the document was created (on the 3DEXPERIENCE platform, when its first "
            "revision was); null when ENOVIA does not say."
        )
    )
    updated_at: datetime | None = strawberry.field(
        description=(
            "When the document last changed (on the 3DEXPERIENCE platform, the latest change "
            "to any of its revisions); null when ENOVIA does not say."
        )
    )
    checked_at: datetime = strawberry.field(
        description=(
            "When the gateway sent the ENOVIA request this document came from: anything "
            "ENOVIA changed after this moment is not in it."
        )
    )
    freshness: Freshness = strawberry.field(
        description="How fresh this document's data is: LIVE, CACHED or STALE."
    )

    @strawberry.field(
        description=(
            "The document's latest released revision, as ENOVIA reports it (on the "
            "3DEXPERIENCE platform, the newest released revision on the document's main "
            "line); null when no revision of this document is released."
        )
    )
    def latest_revision(self, info: Info) -> Revision | None:
        uid = self.uid
        pending = info.context.loaders.latest(uid)
        return when_loaded(pending, lambda loaded: latest_or_none(uid, loaded))

    @strawberry.field(
        description=(
            "One revision by its label; null, with a NOT_FOUND error when ENOVIA has no "
            "revision of that label (GONE when the document was deleted)."
        )
    )
    def revision(self, info: Info, revision: RevisionLabel) -> Revision | None:
        uid, label = self.uid, enovia.checked_revision(revision)

        def present(loaded: Loaded[enovia.Revision]) -> Revision:
            loaded.require(f"revision {label!r} of document {uid!r}", uid)
            return Revision.of(uid, loaded)

        return when_loaded(info.context.loaders.revision(uid, label), present)

    @strawberry.field(
        description=(
            "Every revision of this document, oldest first, where the upstream can list them "
            "(the 3DEXPERIENCE platform's version graph). On the REST facade, which has no "
            "such call, this is null with an error whose code is UNSUPPORTED_BY_UPSTREAM."
        )
    )
    def revisions(self, info: Info) -> list[Revision] | None:
        uid = self.uid

        def listed(loaded: Loaded[enovia.RevisionList]) -> list[Revision]:
            listing = loaded.require(f"document {uid!r}", uid)
            return [
                Revision.of(uid, Loaded(value, loaded.checked_at, loaded.freshness))
                for value in listing.revisions
            ]

        return when_loaded(info.context.loaders.revisions(uid), listed)

    @classmethod
    def of(cls, uid: str, loaded: Loaded[enovia.Document]) -> Document:
        """The GraphQL document for `loaded`, or the NOT_FOUND/GONE error of its absence."""
        value = loaded.require(f"document {uid!r}", uid)
        return cls(
            uid=strawberry.ID(uid),
            title=value.title,
            number=value.number,
            type=value.type,
            created_at=value.created_at,
            updated_at=value.updated_at,
            checked_at=loaded.checked_at,
            freshness=loaded.freshness,
        )


def latest_or_none(uid: str, loaded: Loaded[enovia.Revision]) -> Revision | None:
    """ENOVIA's 404 on revisions/latest means "nothing released": null, not an error."""
    if loaded.absence is Absence.NOT_FOUND:
        return None
    loaded.require(f"the latest revision of document {uid!r}", uid)
    return Revision.of(uid, loaded)
