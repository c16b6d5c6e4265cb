"""`Actuality`: the QR-scan verdict on one revision of one document."""

from __future__ import annotations

from datetime import datetime

import strawberry

from loaders import Freshness
from schema.context import Info
from schema.now_or_later import when_loaded
from schema.status import ActualityReason
from schema.types import enums as _registered  # noqa: F401  (registers the enums)
from schema.types.business_status import BusinessStatus
from schema.types.document import Document, latest_or_none
from schema.types.revision import Revision


@strawberry.type(description="Is this revision of this document the one to build from?")
class Actuality:
    is_actual: bool = strawberry.field(
        description=(
            "True exactly when reason is CURRENT: build from this revision. False for every "
            "other reason, UNCONFIRMED included."
        )
    )
    reason: ActualityReason = strawberry.field(
        description=(
            "Why the revision is or is not the one to build from: CURRENT (build from it) "
            "or the reason not to. Show it with businessStatus."
        )
    )
    last_known_reason: ActualityReason | None = strawberry.field(
        description=(
            "When reason is UNCONFIRMED: the verdict the last data ENOVIA gave (at checkedAt) "
            "would have been. Null otherwise."
        )
    )
    business_status: BusinessStatus = strawberry.field(
        description=(
            "The status to show with this verdict: the revision's own status when CURRENT; "
            "CHANGES_INTRODUCED_GET_NEW when SUPERSEDED or NEWER_REVISION_RELEASED; IN_WORK "
            "when NOT_RELEASED; UNKNOWN otherwise (unknown state, not found, UNCONFIRMED)."
        )
    )
    revision: Revision | None = strawberry.field(
        description="The revision that was asked about (the one printed in the QR code)."
    )
    checked_at: datetime = strawberry.field(
        description=(
            "When the gateway sent the oldest ENOVIA request whose answer is behind this "
            "verdict: anything ENOVIA changed after this moment is not in it."
        )
    )
    freshness: Freshness = strawberry.field(
        description="The least fresh piece of data behind the verdict."
    )
    uid: strawberry.Private[str]

    @strawberry.field(description="The document; null with NOT_FOUND or GONE when missing.")
    def document(self, info: Info) -> Document | None:
        uid = self.uid
        pending = info.context.loaders.document(uid)
        return when_loaded(pending, lambda loaded: Document.of(uid, loaded))

    @strawberry.field(
        description=(
            "ENOVIA's latest released revision of the document: the same data the verdict "
            "was made from. Null when no revision is released."
        )
    )
    def latest_revision(self, info: Info) -> Revision | None:
        uid = self.uid
        pending = info.context.loaders.latest(uid)
        return when_loaded(pending, lambda loaded: latest_or_none(uid, loaded))
