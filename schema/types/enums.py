"""The schema's enums, from the pure status module and the loaders' freshness.

The Python enums stay plain (`schema.status` and `loaders` know nothing of GraphQL): their
descriptions, the enum's and each value's, are given here, where they are registered.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from enum import Enum
from typing import TypeVar

import strawberry
from strawberry.types.enum import has_enum_definition

from loaders import Freshness as _Freshness
from schema import status

E = TypeVar("E", bound=Enum)


def described_enum(cls: type[E], description: str, values: Mapping[E, str]) -> type[E]:
    """`cls` registered as a GraphQL enum, with `description` on it and `values[member]` on
    each of its values; a member without a description is a ValueError at import."""
    missing = [member.name for member in cls if member not in values]
    if missing:
        raise ValueError(f"{cls.__name__}: no description for {', '.join(missing)}")
    registered = strawberry.enum(cls, description=description)
    assert has_enum_definition(registered)
    definition = registered.__strawberry_definition__
    by_value = {member.value: text for member, text in values.items()}
    definition.values = [
        dataclasses.replace(value, description=by_value[value.value]) for value in definition.values
    ]
    return cls


_Code = status.BusinessStatusCode

BusinessStatusCode = described_enum(
    _Code,
    (
        "A PTE-QR business status. It follows the verdict on the revision: the status of the "
        "revision's maturity state only when the revision is the one to build from (CURRENT), "
        "so that a replaced drawing never shows as approved. States map to statuses by the "
        "gateway's table (Released, AFC, Accepted, Approved, Obsolete, Superseded, In Work, "
        "Frozen; on the 3DEXPERIENCE platform also its own states such as RELEASED and "
        "IN_WORK, and a site's additions); a state it does not know is UNKNOWN."
    ),
    {
        _Code.APPROVED_FOR_CONSTRUCTION: (
            "Approved for construction: a CURRENT revision whose maturity state is Released "
            "or AFC (on the 3DEXPERIENCE platform also RELEASED or Release, and any state a "
            "site maps to this status)."
        ),
        _Code.ACCEPTED_BY_CUSTOMER: (
            "Accepted by the customer: a CURRENT revision whose maturity state is Accepted "
            "or Approved (on the 3DEXPERIENCE platform also any state a site maps to this "
            "status)."
        ),
        _Code.CHANGES_INTRODUCED_GET_NEW: (
            "Changes introduced, get the new version: the revision is replaced (reason "
            "SUPERSEDED or NEWER_REVISION_RELEASED)."
        ),
        _Code.IN_WORK: "In work: the revision is not released (reason NOT_RELEASED).",
        _Code.UNKNOWN: (
            "Status unknown: the gateway cannot tell (reason UNKNOWN_STATE, "
            "REVISION_NOT_FOUND, DOCUMENT_NOT_FOUND or UNCONFIRMED)."
        ),
    },
)

_Reason = status.ActualityReason

ActualityReason = described_enum(
    _Reason,
    (
        "Why a revision is or is not the one to build from. Only CURRENT says build from it "
        "(isActual true); every other reason says do not, and why. The verdict weighs the "
        "revision's maturity state and supersededBy, ENOVIA's latest released revision of "
        "the document, and whether ENOVIA confirmed that data within maxAge."
    ),
    {
        _Reason.CURRENT: (
            "Build from this revision: its maturity state is a released one (business status "
            "APPROVED_FOR_CONSTRUCTION or ACCEPTED_BY_CUSTOMER), nothing marks it superseded, "
            "ENOVIA's latest released revision of the document is this very one, and ENOVIA "
            "confirmed all of that within maxAge (no STALE data behind it)."
        ),
        _Reason.SUPERSEDED: (
            "Replaced: supersededBy names the revision that replaces it, or its maturity "
            "state says so (Superseded, Obsolete, or any state whose status is "
            "CHANGES_INTRODUCED_GET_NEW)."
        ),
        _Reason.NEWER_REVISION_RELEASED: (
            "Released and not marked superseded, but ENOVIA's latest released revision of the "
            "document is another one (see latestRevision): that one is to be built from."
        ),
        _Reason.NOT_RELEASED: (
            "Not released: its maturity state is a work state (In Work, Frozen, or any state "
            "whose status is IN_WORK), or its state says released but ENOVIA reports no "
            "released revision of the document at all."
        ),
        _Reason.UNKNOWN_STATE: (
            "Its maturity state is not one the gateway's status table knows (such as "
            "Cancelled): whether to build from it cannot be told."
        ),
        _Reason.REVISION_NOT_FOUND: ("ENOVIA has the document but no revision with this label."),
        _Reason.DOCUMENT_NOT_FOUND: ("ENOVIA has no document with this uid, or it was deleted."),
        _Reason.UNCONFIRMED: (
            "The last data ENOVIA gave says CURRENT, but ENOVIA could not be reached just now "
            "(down, failing, or too slow), so the answer rests on older cached data (freshness "
            "STALE; lastKnownReason is CURRENT, checkedAt says when that data was asked for). "
            "Do not build from it until it is confirmed."
        ),
    },
)

Freshness = described_enum(
    _Freshness,
    (
        "How fresh a piece of data is. checkedAt, beside it, says when the gateway sent the "
        "ENOVIA request it came from; a verdict is as fresh as the least fresh data behind it."
    ),
    {
        _Freshness.LIVE: (
            "ENOVIA was asked for this request, or the request shared an identical ENOVIA "
            "request sent at most GATEWAY_SHARE_WINDOW seconds (0.1 by default) before it "
            "began."
        ),
        _Freshness.CACHED: (
            "From the gateway's cache: within the time to live of its kind (GATEWAY_CACHE_TTL_*) "
            "and within the request's maxAge, where it gives one."
        ),
        _Freshness.STALE: (
            "ENOVIA could not answer (down, failing, or too slow), so an older copy from the "
            "cache is shown instead: one past its time to live or older than maxAge, at most "
            "GATEWAY_CACHE_MAX_STALE seconds (a day by default) past its time to live. A "
            "verdict on STALE data is never CURRENT."
        ),
    },
)
