"""The schema's enums, from the pure status module and the loaders' freshness."""

from __future__ import annotations

import strawberry

from loaders import Freshness as _Freshness
from schema import status

BusinessStatusCode = strawberry.enum(
    status.BusinessStatusCode,
    description=(
        "PTE-QR business status. A revision's status follows the verdict on it: "
        "APPROVED_FOR_CONSTRUCTION (a current revision in state Released or AFC), "
        "ACCEPTED_BY_CUSTOMER (a current revision in state Accepted or Approved), "
        "CHANGES_INTRODUCED_GET_NEW (Obsolete, Superseded, or any revision a newer released "
        "one replaces), IN_WORK (In Work, Frozen, or not released), UNKNOWN (a state the "
        "mapping does not know, a revision not found, or a verdict ENOVIA could not confirm)."
    ),
)

ActualityReason = strawberry.enum(
    status.ActualityReason,
    description=(
        "Why a revision is or is not the one to build from. CURRENT: its state is released, "
        "nothing supersedes it, ENOVIA's latest released revision is this very one, and ENOVIA "
        "confirmed all of that within maxAge. SUPERSEDED: supersededBy is set, or the state is "
        "Superseded or Obsolete. NEWER_REVISION_RELEASED: released and not marked superseded, "
        "but ENOVIA's latest released revision is another one. NOT_RELEASED: In Work or "
        "Frozen, or ENOVIA reports no released revision. UNKNOWN_STATE: a maturity state the "
        "status mapping does not know. REVISION_NOT_FOUND, DOCUMENT_NOT_FOUND: ENOVIA has no "
        "such revision, or no such document (or deleted it). UNCONFIRMED: the last data ENOVIA "
        "gave says CURRENT, but ENOVIA could not be reached to confirm it now (the data is "
        "STALE): do not build from it until it is confirmed."
    ),
)

Freshness = strawberry.enum(
    _Freshness,
    description=(
        "How fresh a piece of data is. LIVE: the gateway asked ENOVIA for this request (or "
        "shared an identical request sent at most GATEWAY_SHARE_WINDOW seconds before this "
        "one began). CACHED: from the gateway's cache, within its time to live and the "
        "request's maxAge. STALE: ENOVIA failed, and an older cached answer is shown instead "
        "(a verdict on STALE data is never CURRENT)."
    ),
)
