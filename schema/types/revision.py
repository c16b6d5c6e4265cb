"""`Revision`: one revision of a document, with its business status and the seed's verdict."""

from __future__ import annotations

from datetime import datetime

import strawberry

from gateway import enovia
from loaders import Freshness, Loaded
from schema import status
from schema.types import enums as _registered  # noqa: F401  (registers the enums)
from schema.types.business_status import BusinessStatus, business_status_of


@strawberry.type(description="A revision of an ENOVIA document.")
class Revision:
    id: strawberry.ID
    document_uid: strawberry.ID
    revision: str
    maturity_state: str = strawberry.field(
        description="ENOVIA's maturity state exactly as ENOVIA gave it."
    )
    business_status: BusinessStatus
    is_actual: bool = strawberry.field(
        description=(
            "The seed's rule: a released-family state (Released, AFC, Accepted, Approved) and "
            "no supersededBy. For the full check against ENOVIA's latest revision, use "
            "Query.actuality."
        )
    )
    released_date: datetime | None
    superseded_by: str | None
    last_modified: datetime | None
    pages: int
    checked_at: datetime = strawberry.field(description="When this came from ENOVIA.")
    freshness: Freshness

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
            business_status=business_status_of(status.business_status(value.maturity_state)),
            is_actual=status.is_released_and_not_superseded(value),
            released_date=value.released_date,
            superseded_by=value.superseded_by,
            last_modified=value.last_modified,
            pages=value.pages,
            checked_at=loaded.checked_at,
            freshness=loaded.freshness,
        )
