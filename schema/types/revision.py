"""`Revision`: one revision of a document, with the verdict on it and the status that follows."""

from __future__ import annotations

from datetime import datetime

import strawberry

import enovia
from loaders import Freshness, Loaded
from schema.context import Info
from schema.now_or_later import then
from schema.types import enums as _registered  # noqa: F401  (registers the enums)
from schema.types.business_status import BusinessStatus, business_status_of
from schema.verdicts import revision_verdict


@strawberry.type(
    description=(
        "One revision of an ENOVIA document: its maturity state as ENOVIA gives it, and the "
        "verdict and business status that follow from it."
    )
)
class Revision:
    id: strawberry.ID = strawberry.field(
        description=(
            "ENOVIA's own identifier of this revision: the REST facade's revision id; on the "
            "3DEXPERIENCE platform, the revision object's 32-hex-digit physical id (which also "
            "works as a document uid)."
        )
    )
    document_uid: strawberry.ID = strawberry.field(
        description=(
            "The uid of the document this revision belongs to, as it was asked for (the same "
            "as Document.uid)."
        )
    )
    revision: str = strawberry.field(
        description="The revision label as ENOVIA spells it, such as A, B or A/2."
    )
    maturity_state: str = strawberry.field(
        description=(
            "The revision's maturity (lifecycle) state exactly as ENOVIA spells it, such as "
            "Released or In Work (on the 3DEXPERIENCE platform, such as RELEASED or "
            "Document Release.RELEASED). For display and decisions use businessStatus and "
            "isActual, which follow from it."
        )
    )
    released_date: datetime | None = strawberry.field(
        description=(
            "When the revision was released, where the upstream records it (the REST "
            "facade's releasedDate). Null on the 3DEXPERIENCE platform, which gives no "
            "release date, and for a revision not released."
        )
    )
    superseded_by: str | None = strawberry.field(
        description=(
            "The label of the revision that replaces this one, when one does: the facade's "
            "supersededBy; on the 3DEXPERIENCE platform, derived from the version graph (the "
            "first later revision on this one's line that is released; a later revision only "
            "in work does not replace it)."
        )
    )
    last_modified: datetime | None = strawberry.field(
        description=(
            "When ENOVIA last changed this revision (on the 3DEXPERIENCE platform, the "
            "revision object's modified date); null when ENOVIA does not say."
        )
    )
    pages: int | None = strawberry.field(
        description=(
            "The number of pages, where the upstream keeps one (the REST facade does; the "
            "3DEXPERIENCE platform does not, and then this is null rather than a guess)."
        )
    )
    checked_at: datetime = strawberry.field(
        description=(
            "When the gateway sent the ENOVIA request this revision came from: anything "
            "ENOVIA changed after this moment is not in it."
        )
    )
    freshness: Freshness = strawberry.field(
        description="How fresh this revision's data is: LIVE, CACHED or STALE."
    )
    loaded: strawberry.Private[Loaded[enovia.Revision]]

    @strawberry.field(
        description=(
            "Whether this revision is the one to build from: the same verdict as "
            "Query.actuality gives for it (true only when that reason would be CURRENT)."
        )
    )
    def is_actual(self, info: Info) -> bool:
        verdict = revision_verdict(info.context.loaders, self.document_uid, self.loaded)
        return then(verdict, lambda known: known.is_actual)

    @strawberry.field(
        description=(
            "The status to show for this revision, following its verdict: the status of "
            "its maturity state when it is the one to build from; CHANGES_INTRODUCED_GET_NEW "
            "when a newer revision replaces it; IN_WORK when it is not released; UNKNOWN "
            "when it cannot be told (unknown state, or ENOVIA could not confirm it)."
        )
    )
    def business_status(self, info: Info) -> BusinessStatus:
        verdict = revision_verdict(info.context.loaders, self.document_uid, self.loaded)
        return then(verdict, lambda known: business_status_of(known.status))

    @classmethod
    def of(cls, uid: str, loaded: Loaded[enovia.Revision]) -> Revision:
        """The GraphQL revision of a present `loaded` value of document `uid`."""
        value = loaded.value
        assert value is not None
        return cls(
            id=strawberry.ID(value.id),
            document_uid=strawberry.ID(uid),
            revision=value.revision,
            maturity_state=value.maturity_state,
            released_date=value.released_date,
            superseded_by=value.superseded_by,
            last_modified=value.last_modified,
            pages=value.pages,
            checked_at=loaded.checked_at,
            freshness=loaded.freshness,
            loaded=loaded,
        )
