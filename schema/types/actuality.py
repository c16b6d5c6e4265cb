"""`Actuality`: the QR-scan verdict on one revision of one document."""

from __future__ import annotations

from datetime import datetime

import strawberry

from loaders import Freshness
from schema.context import Info
from schema.pending import when_loaded
from schema.status import ActualityReason
from schema.types import enums as _registered  # noqa: F401  (registers the enums)
from schema.types.business_status import BusinessStatus
from schema.types.document import Document, latest_or_none
from schema.types.revision import Revision


@strawberry.type(description="Is this revision of this document the one to build from?")
class Actuality:
    is_actual: bool = strawberry.field(description="True only for reason CURRENT.")
    reason: ActualityReason
    business_status: BusinessStatus = strawberry.field(
        description="The asked revision's status; UNKNOWN when it was not found."
    )
    revision: Revision | None = strawberry.field(
        description="The revision that was asked about (the one printed in the QR code)."
    )
    checked_at: datetime = strawberry.field(
        description="When the oldest piece of data behind this verdict came from ENOVIA."
    )
    freshness: Freshness = strawberry.field(description="The least fresh piece behind it.")
    uid: strawberry.Private[str]
    max_age: strawberry.Private[float]

    @strawberry.field(description="The document; null with NOT_FOUND or GONE when missing.")
    def document(self, info: Info) -> Document | None:
        uid = self.uid
        pending = info.context.loaders.document(uid)
        return when_loaded(pending, lambda loaded: Document.of(uid, loaded))

    @strawberry.field(
        description="ENOVIA's latest released revision of the document (same maxAge)."
    )
    def latest_revision(self, info: Info) -> Revision | None:
        uid = self.uid
        pending = info.context.loaders.latest(uid, self.max_age)
        return when_loaded(pending, lambda loaded: latest_or_none(uid, loaded))
