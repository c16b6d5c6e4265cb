"""The schema's enums, from the pure status module and the loaders' freshness."""

from __future__ import annotations

import strawberry

from loaders import Freshness as _Freshness
from schema import status

BusinessStatusCode = strawberry.enum(
    status.BusinessStatusCode,
    description=(
        "PTE-QR business status, mapped from ENOVIA's maturity state: "
        "APPROVED_FOR_CONSTRUCTION (Released, AFC), ACCEPTED_BY_CUSTOMER (Accepted, Approved), "
        "CHANGES_INTRODUCED_GET_NEW (Obsolete, Superseded), IN_WORK (In Work, Frozen), "
        "UNKNOWN (any other state: never an error)."
    ),
)

ActualityReason = strawberry.enum(
    status.ActualityReason,
    description=(
        "Why a revision is or is not the one to build from. CURRENT: actual by the seed's rule "
        "and ENOVIA's latest released revision. SUPERSEDED: supersededBy set or state "
        "Superseded/Obsolete. NEWER_REVISION_RELEASED: released and not marked superseded, but "
        "ENOVIA's latest released revision is another one. NOT_RELEASED: In Work or Frozen, or "
        "ENOVIA reports no released revision. UNKNOWN_STATE: a state the mapping does not know."
    ),
)

Freshness = strawberry.enum(
    _Freshness,
    description=(
        "LIVE: fetched from ENOVIA for this request. CACHED: from the cache within its time to "
        "live. STALE: ENOVIA failed and an older cached answer is served instead."
    ),
)
