"""The long-lived things of one app, made in its lifespan and handed to every request."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Protocol

import httpx

from enovia import (
    CallObserver,
    CircuitBreaker,
    CircuitObserver,
    EnoviaTransport,
    RetryBudget,
    RetryPolicy,
    Secret,
    Sleep,
    Upstream,
)
from enovia.facade import (
    ClientCredentialsAuth,
    FacadeClient,
    TokenObserver,
)
from gateway.health import HealthMonitor
from gateway.metrics import Metrics
from gateway.response_cache import ResponseCache
from gateway.settings import Settings
from loaders import Cache, ResourceStore, StoreSettings, Timeline, create_cache


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    metrics: Metrics
    upstream: Upstream
    cache: Cache
    store: ResourceStore
    health: HealthMonitor
    response_cache: ResponseCache | None


@asynccontextmanager
async def open_services(
    settings: Settings,
    *,
    enovia_transport: httpx.AsyncBaseTransport | None = None,
    sleep: Sleep | None = None,
    circuit_clock: Callable[[], float] | None = None,
) -> AsyncIterator[Services]:
    """Make the services, and close the upstream's client and the cache when done."""
    metrics = Metrics()
    upstream = facade_client(
        settings,
        observer=metrics,
        transport=enovia_transport,
        sleep=sleep,
        circuit_clock=circuit_clock,
    )
    store_settings = StoreSettings(
        ttl_document=settings.gateway_cache_ttl_document,
        ttl_revision=settings.gateway_cache_ttl_revision,
        ttl_latest=settings.gateway_cache_ttl_latest,
        not_found_ttl=settings.gateway_cache_ttl_not_found,
        max_stale=settings.gateway_cache_max_stale,
        share_window=settings.gateway_share_window,
        lock_ttl=settings.gateway_cache_lock_ttl,
    )
    timeline = Timeline()
    cache = create_cache(
        settings.gateway_cache_url,
        settings.gateway_cache_max_entries,
        settings.gateway_cache_local_max_entries,
        timeline=timeline,
        timeout=settings.gateway_cache_timeout,
        keep_invalidations_for=store_settings.longest_keep(),
    )
    await cache.open()
    store = ResourceStore(cache, store_settings, counters=metrics, timeline=timeline)
    health = HealthMonitor(upstream)
    interval = settings.gateway_health_check_interval
    checking = asyncio.create_task(health.keep_checking(interval)) if interval > 0 else None
    try:
        yield Services(
            settings=settings,
            metrics=metrics,
            upstream=upstream,
            cache=cache,
            store=store,
            health=health,
            response_cache=(
                ResponseCache(
                    store,
                    max_entries=settings.gateway_response_cache_entries,
                    max_bytes=settings.gateway_response_cache_max_bytes,
                )
                if settings.gateway_response_cache_entries > 0
                else None
            ),
        )
    finally:
        if checking is not None:
            checking.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await checking
        await upstream.aclose()
        await cache.close()


class EnoviaObserver(CallObserver, TokenObserver, CircuitObserver, Protocol):
    """What the client and its auth flow report to (the app's `Metrics`)."""


def facade_client(
    settings: Settings,
    *,
    observer: EnoviaObserver | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    sleep: Sleep | None = None,
    circuit_clock: Callable[[], float] | None = None,
) -> FacadeClient:
    """The client of ENOVIA's REST facade, authenticated with OAuth2 client credentials.

    One `httpx.AsyncClient` with keep-alive, at most `ENOVIA_MAX_CONNECTIONS` connections and
    `ENOVIA_TIMEOUT` for each phase. `transport`, `sleep` and `circuit_clock` (the circuit
    breaker's monotonic clock, so that a test can make its cool-down elapse) are for tests.
    """
    settings.require_enovia()
    assert settings.enovia_base_url is not None
    # A trailing slash, so that joining keeps a base path such as https://plm.example/enovia/.
    base_url = httpx.URL(str(settings.enovia_base_url).rstrip("/") + "/")
    secret = Secret(
        settings.enovia_client_secret.get_secret_value()
        if settings.enovia_client_secret is not None
        else None,
        file=settings.enovia_client_secret_file,
        rotation=settings.enovia_client_secret_rotation_enabled,
    )
    auth = ClientCredentialsAuth(
        token_url=base_url.join("oauth2/token"),
        client_id=settings.enovia_client_id,
        secret=secret,
        scope=settings.enovia_scope or None,
        method=settings.enovia_token_auth_method,
        max_token_age=settings.enovia_token_cache_ttl,
        observer=observer,
    )
    limits = httpx.Limits(
        max_connections=settings.enovia_max_connections,
        max_keepalive_connections=settings.enovia_max_connections,
        keepalive_expiry=30.0,
    )
    http = httpx.AsyncClient(
        base_url=base_url,
        auth=auth,
        timeout=httpx.Timeout(settings.enovia_timeout),
        transport=transport or EnoviaTransport(limits),
        headers={"Accept": "application/json", "User-Agent": "enovia-gateway"},
    )
    retry = RetryPolicy(
        attempts=settings.enovia_retry_attempts,
        backoff_initial=settings.enovia_retry_backoff_initial,
        backoff_max=settings.enovia_retry_backoff_max,
        retry_after_max=settings.enovia_retry_after_max,
        budget=RetryBudget(
            ratio=settings.enovia_retry_budget_ratio,
            min_per_second=settings.enovia_retry_budget_min_per_second,
        ),
        **({"sleep": sleep} if sleep is not None else {}),
    )
    circuit = CircuitBreaker(
        failure_threshold=settings.enovia_circuit_failure_threshold,
        reset_timeout=settings.enovia_circuit_reset_timeout,
        observer=observer,
        **({"clock": circuit_clock} if circuit_clock is not None else {}),
    )
    return FacadeClient(http, retry=retry, circuit=circuit, observer=observer)
