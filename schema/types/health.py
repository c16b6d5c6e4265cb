"""`Health`: ENOVIA's health as the gateway's check found it, as a GraphQL type."""

from __future__ import annotations

from datetime import datetime

import strawberry


@strawberry.type(
    description=(
        "ENOVIA's health as the gateway's check found it, with the gateway's version and "
        "where it caches ENOVIA's answers."
    )
)
class Health:
    enovia: str = strawberry.field(
        description=(
            "'healthy' when ENOVIA answered the check, 'unhealthy' when it did not (then error "
            "says why). The check asks the REST facade's /api/v1/health; on the 3DEXPERIENCE "
            "platform it makes one authenticated call (the gateway's own person)."
        )
    )
    last_check: datetime | None = strawberry.field(description="When that check was made.")
    error: str | None = strawberry.field(
        description="Why the check failed, in words safe to show; null when healthy."
    )
    cache_backend: str = strawberry.field(
        description=(
            "Where the gateway keeps ENOVIA's answers: 'memory' (in this process only) or "
            "'redis' (shared by every replica, with a small in-process cache that answers "
            "while Redis is away)."
        )
    )
    version: str = strawberry.field(description="The gateway's version.")
