"""The per-request GraphQL context: what resolvers may use, and nothing more."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

import strawberry

from loaders import RequestLoaders
from schema.types.health import Health


class OperationObserver(Protocol):
    """Told about every GraphQL operation (the app's metrics implement it)."""

    def graphql_request(
        self, operation_name: str | None, outcome: str, duration: float
    ) -> None: ...


@dataclass(slots=True)
class Context:
    """Made by the HTTP layer for each request.

    - `loaders`: the request's dataloaders.
    - `health`: the `health` field's answer, as the app knows it.
    - `actuality_max_age`: `maxAge` of `actuality` when the query gives none.
    - `observer`: told about the operation when it ends (None: nobody).
    - `accept_language`: which language labels are in by default.
    """

    loaders: RequestLoaders
    health: Callable[[], Awaitable[Health]]
    actuality_max_age: int
    observer: OperationObserver | None = None
    request_id: str = ""
    accept_language: str = ""
    #: Whether the operation's `maxAge`s were declared to the loaders (`freshness_plan`).
    max_ages_declared: bool = False


Info = strawberry.Info[Context, None]
