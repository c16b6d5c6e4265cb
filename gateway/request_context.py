"""The GraphQL context the gateway makes for each request (and for the `check` command)."""

from __future__ import annotations

from functools import partial

from opentelemetry.trace import Span

import gateway
from gateway.response_cache import Provenance
from gateway.services import Services
from loaders import RequestLoaders
from schema import Context
from schema.types.health import Health


def request_context(
    services: Services,
    *,
    request_id: str = "",
    accept_language: str = "",
    provenance: Provenance | None = None,
    connection: bool = False,
    trace_parent: Span | None = None,
) -> Context:
    """A context with fresh dataloaders over the app's shared store. `provenance`, when given,
    learns where the answer's data came from (for the response cache). A `connection`'s
    (a WebSocket's) has the watches and makes fresh loaders for each operation and event.
    With tracing on, the operations' spans continue `trace_parent` (the caller's span)."""

    async def health() -> Health:
        if provenance is not None:
            provenance.spoil()  # a live state, not cached ENOVIA data: never replayed
        result = await services.health.check()
        return Health(
            enovia=result.enovia,
            last_check=result.last_check,
            error=result.error,
            cache_backend=services.cache.backend,
            version=gateway.__version__,
        )

    loaders = RequestLoaders(
        services.store,
        services.upstream,
        observe=provenance.note if provenance is not None else None,
        tracer=services.tracer,
    )
    return Context(
        loaders,
        health,
        services.settings.gateway_actuality_max_age,
        observer=services.metrics,
        request_id=request_id,
        accept_language=accept_language,
        watches=services.watches if connection else None,
        new_loaders=partial(_loaders, services) if connection else None,
        tracer=services.tracer,
        trace_parent=trace_parent,
    )


def _loaders(services: Services, offline: str | None) -> RequestLoaders:
    return RequestLoaders(
        services.store, services.upstream, offline=offline, tracer=services.tracer
    )
