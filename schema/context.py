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
    #: The request's Accept-Language header: which language labels are in by default.
    accept_language: str = ""
    #: Whether the operation's `maxAge`s were declared to the loaders (`freshness_plan`).
    max_ages_declared: bool = False

    @classmethod
    def for_request(
        cls, services: Services, request_id: str = "", accept_language: str = ""
    ) -> Context:
        """A context with fresh dataloaders over the app's shared store."""
        loaders = RequestLoaders(services.store, services.client)
        return cls(loaders, services, request_id, accept_language)


Info = strawberry.Info[Context, None]
