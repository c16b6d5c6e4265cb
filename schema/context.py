"""The per-request GraphQL context: what resolvers may use, and nothing more."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Protocol

import strawberry
from opentelemetry.trace import Span, Tracer

from loaders import RequestLoaders, Watches
from schema.types.health import Health


class OperationObserver(Protocol):
    """Told about every GraphQL operation, subscription events and verdicts answered (the
    app's metrics implement it)."""

    def graphql_request(
        self, operation_name: str | None, outcome: str, duration: float
    ) -> None: ...

    def subscription_opened(self, field: str) -> None: ...
    def subscription_closed(self, field: str) -> None: ...
    def subscription_event(self, field: str) -> None: ...

    def actuality_answered(self, freshness: str) -> None:
        """A verdict answered, by `schema.query.answer_freshness`."""
        ...


@dataclass(slots=True)
class Context:
    """Made by the HTTP layer for each request.

    - `loaders`: the request's dataloaders.
    - `health`: the `health` field's answer, as the app knows it.
    - `actuality_max_age`: `maxAge` of `actuality` when the query gives none.
    - `observer`: told about the operation when it ends (None: nobody).
    - `accept_language`: which language labels are in by default.
    - `watches`, `new_loaders`: for a WebSocket connection, the deployment's watches and a
      maker of fresh loaders (given why ENOVIA is known to be unreachable, if it is): each
      operation on the connection, and each event of a subscription, has loaders of its own.
    - `tracer`: traces each operation (None: tracing is off); `trace_parent`: the caller's
      span (from its `traceparent` header), which each operation's span continues.
    """

    loaders: RequestLoaders
    health: Callable[[], Awaitable[Health]]
    actuality_max_age: int
    observer: OperationObserver | None = None
    request_id: str = ""
    accept_language: str = ""
    #: Whether the operation's `maxAge`s were declared to the loaders (`freshness_plan`).
    max_ages_declared: bool = False
    watches: Watches | None = None
    new_loaders: Callable[[str | None], RequestLoaders] | None = None
    tracer: Tracer | None = None
    trace_parent: Span | None = None

    def for_operation(self) -> Context:
        """The context of one operation on a connection: the same, with fresh loaders."""
        if self.new_loaders is None:
            return self
        return replace(self, loaders=self.new_loaders(None), max_ages_declared=False)

    def renew_loaders(self, offline: str | None = None) -> RequestLoaders:
        """Fresh loaders for the next event of a subscription (see `RequestLoaders`'s
        `offline`), which the event's fields then resolve with."""
        assert self.new_loaders is not None, "only a WebSocket connection's context renews"
        self.loaders = self.new_loaders(offline)
        self.max_ages_declared = True  # a subscription declares its own
        return self.loaders


Info = strawberry.Info[Context, None]
