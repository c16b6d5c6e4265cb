"""The long-lived things of one app, made in its lifespan and handed to every request."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx

from gateway.enovia import ClientCredentialsAuth, EnoviaClient, create_enovia_client
from gateway.enovia._retry import Sleep
from gateway.health import HealthMonitor
from gateway.metrics import Metrics
from gateway.response_cache import ResponseCache
from gateway.settings import Settings
from loaders import Cache, ResourceStore, StoreSettings, Timeline, create_cache


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    metrics: Metrics
    client: EnoviaClient
    auth: ClientCredentialsAuth
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
) -> AsyncIterator[Services]:
    """Make the services, and close the ENOVIA client and the cache when done."""
    metrics = Metrics()
    client, auth = create_enovia_client(
        settings, observer=metrics, transport=enovia_transport, sleep=sleep
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
    health = HealthMonitor(client)
    interval = settings.gateway_health_check_interval
    checking = asyncio.create_task(health.keep_checking(interval)) if interval > 0 else None
    try:
        yield Services(
            settings=settings,
            metrics=metrics,
            client=client,
            auth=auth,
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
        await client.aclose()
        await cache.close()
