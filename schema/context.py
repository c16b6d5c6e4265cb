"""The per-request GraphQL context: the request's dataloaders and the app's services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import strawberry

from loaders import RequestLoaders

if TYPE_CHECKING:
    from gateway.services import Services


@dataclass(slots=True)
class Context:
    loaders: RequestLoaders
    services: Services
    request_id: str = ""

    @classmethod
    def for_request(cls, services: Services, request_id: str = "") -> Context:
        """A context with fresh dataloaders over the app's shared store."""
        return cls(RequestLoaders(services.store, services.client), services, request_id)


Info = strawberry.Info[Context, None]
