"""`Health`: the seed's health result, as a GraphQL type."""

from __future__ import annotations

from datetime import datetime

import strawberry


@strawberry.type(description="ENOVIA's state as the gateway last saw it.")
class Health:
    enovia: str = strawberry.field(description="'healthy' or 'unhealthy'.")
    last_check: datetime | None
    error: str | None
    cache_backend: str
    version: str
