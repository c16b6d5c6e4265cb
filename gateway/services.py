"""The long-lived things of one app, made in its lifespan and handed to every request."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx
import structlog
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Tracer
from pydantic import SecretStr

import gateway
from enovia import (
    CallObserver,
    CircuitBreaker,
    CircuitObserver,
    EnoviaError,
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
from enovia.platform import (
    AgentLogin,
    BatchServiceLogin,
    LoginMethod,
    PasswordLogin,
    PlatformClient,
    SecurityContextUnavailable,
    StateTable,
)
from gateway.health import HealthMonitor
from gateway.metrics import Metrics
from gateway.response_cache import ResponseCache
from gateway.settings import Settings, SettingsError
from gateway.tracing import open_tracing
from gateway.websocket import Connections, SubscriptionLimits
from loaders import (
    Cache,
    ResourceStore,
    StoreSettings,
    Timeline,
    Watches,
    create_cache,
    create_watch_bus,
)

logger = structlog.get_logger("gateway.enovia")


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    metrics: Metrics
    upstream: Upstream
    cache: Cache
    store: ResourceStore
    health: HealthMonitor
    response_cache: ResponseCache | None
    watches: Watches
    connections: Connections
    #: None: tracing is off (`gateway.tracing`).
    tracer: Tracer | None = None


@asynccontextmanager
async def open_services(
    settings: Settings,
    *,
    enovia_transport: httpx.AsyncBaseTransport | None = None,
    sleep: Sleep | None = None,
    circuit_clock: Callable[[], float] | None = None,
    tracer_provider: TracerProvider | None = None,
) -> AsyncIterator[Services]:
    """Make the services, and close the upstream's client and the cache when done; the
    tracing `OTEL_*` asks for (or `tracer_provider`'s, a test's) is flushed last."""
    tracing = open_tracing(tracer_provider)
    metrics = Metrics()
    upstream = create_upstream(
        settings,
        observer=metrics,
        transport=enovia_transport,
        sleep=sleep,
        circuit_clock=circuit_clock,
        tracer=tracing.tracer,
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
        observer=metrics,
    )
    if not cache.shared:
        metrics.cache_backend(cache.backend, True)  # in this process: up while it runs
    await cache.open()
    if isinstance(upstream, PlatformClient):
        await _start_platform(upstream)
    store = ResourceStore(cache, store_settings, counters=metrics, timeline=timeline)
    watches = Watches(
        store,
        upstream,
        create_watch_bus(cache),
        interval=settings.gateway_watch_interval,
        counters=metrics,
    )
    await watches.open()
    health = HealthMonitor(upstream)
    interval = settings.gateway_health_check_interval
    checking = asyncio.create_task(health.keep_checking(interval)) if interval > 0 else None
    _log_started(settings, cache)
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
            watches=watches,
            connections=Connections(
                SubscriptionLimits(
                    per_connection=settings.gateway_max_subscriptions_per_connection,
                    per_client=settings.gateway_max_subscriptions_per_client,
                    total=settings.gateway_max_subscriptions,
                    keepalive=settings.gateway_ws_keepalive,
                ),
                metrics,
            ),
            tracer=tracing.tracer,
        )
    finally:
        if checking is not None:
            checking.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await checking
        await watches.close()
        await upstream.aclose()
        await cache.close()
        await tracing.aclose()


async def _start_platform(client: PlatformClient) -> None:
    """Log in and settle the SecurityContext before serving. A platform that cannot be
    reached now is tried again by the first call (the gateway serves what it has meanwhile);
    a person with no preferred credentials and no TDX_SECURITY_CONTEXT stops start-up."""
    try:
        await client.start()
    except SecurityContextUnavailable as exc:
        await client.aclose()
        raise SettingsError(str(exc)) from None
    except EnoviaError as exc:
        logger.warning(
            "enovia.start_failed",
            error=exc.message,
            outcome=exc.outcome,
            url=exc.url,
            http_status=exc.status,
            cause=exc.cause,
        )


def _log_started(settings: Settings, cache: Cache) -> None:
    """One `gateway.started` line: what this gateway runs with (`Settings.summary`, no
    secret), and whether its shared cache answered."""
    reachable = cache.describe().get("healthy") if cache.shared else None
    structlog.get_logger("gateway.app").info(
        "gateway.started",
        **settings.summary(),
        cache_reachable=reachable,
        version=gateway.__version__,
    )


class EnoviaObserver(CallObserver, TokenObserver, CircuitObserver, Protocol):
    """What the client and its auth flow report to (the app's `Metrics`)."""


def create_upstream(
    settings: Settings,
    *,
    observer: EnoviaObserver | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    sleep: Sleep | None = None,
    circuit_clock: Callable[[], float] | None = None,
    tracer: Tracer | None = None,
) -> FacadeClient | PlatformClient:
    """The client of the upstream `ENOVIA_API` names (see `facade_client`, `platform_client`),
    tracing its calls with `tracer` (None: not traced)."""
    make = platform_client if settings.enovia_api == "3dexperience" else facade_client
    return make(
        settings,
        observer=observer,
        transport=transport,
        sleep=sleep,
        circuit_clock=circuit_clock,
        tracer=tracer,
    )


def facade_client(
    settings: Settings,
    *,
    observer: EnoviaObserver | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    sleep: Sleep | None = None,
    circuit_clock: Callable[[], float] | None = None,
    tracer: Tracer | None = None,
) -> FacadeClient:
    """The client of ENOVIA's REST facade, authenticated with OAuth2 client credentials.

    One `httpx.AsyncClient` with keep-alive, at most `ENOVIA_MAX_CONNECTIONS` connections and
    `ENOVIA_TIMEOUT` for each phase. `transport`, `sleep` and `circuit_clock` (the circuit
    breaker's monotonic clock, so that a test can make its cool-down elapse) are for tests.
    """
    settings.require_enovia()
    base_url = _base_url(settings)
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
        tracer=tracer,
    )
    http = httpx.AsyncClient(
        base_url=base_url,
        auth=auth,
        timeout=httpx.Timeout(settings.enovia_timeout),
        transport=transport or EnoviaTransport(_limits(settings)),
        headers=_HEADERS,
    )
    return FacadeClient(
        http,
        retry=_retry_policy(settings, sleep),
        circuit=_circuit(settings, observer, circuit_clock),
        observer=observer,
        tracer=tracer,
    )


def platform_client(
    settings: Settings,
    *,
    observer: EnoviaObserver | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    sleep: Sleep | None = None,
    circuit_clock: Callable[[], float] | None = None,
    tracer: Tracer | None = None,
) -> PlatformClient:
    """The client of the 3DEXPERIENCE platform's web services (3DPassport and 3DSpace),
    logged in as `TDX_AUTH_MODE` says. One `httpx.AsyncClient`, as for the facade, whose
    cookie jar holds the session of both hosts; redirects are followed by the client itself
    (a redirect to the login page is how a platform says a session ended)."""
    settings.require_enovia()
    http = httpx.AsyncClient(
        base_url=_base_url(settings),
        timeout=httpx.Timeout(settings.enovia_timeout),
        transport=transport or EnoviaTransport(_limits(settings)),
        headers=_HEADERS,
        follow_redirects=False,
    )
    passport = settings.tdx_passport_url
    return PlatformClient(
        http,
        login=_platform_login(settings),
        passport_url=None if passport is None else httpx.URL(str(passport)),
        security_context=settings.tdx_security_context,
        tenant=settings.tdx_tenant,
        source=settings.tdx_document_source,
        states=StateTable.default().with_overrides(settings.tdx_state_map),
        revision_match=settings.tdx_revision_match,
        session_max_age=settings.tdx_session_max_age,
        batch_size=settings.tdx_batch_size,
        retry=_retry_policy(settings, sleep),
        circuit=_circuit(settings, observer, circuit_clock),
        observer=observer,
        tracer=tracer,
    )


def _platform_login(settings: Settings) -> LoginMethod:
    if settings.tdx_auth_mode == "batch-service":
        return BatchServiceLogin(
            service_name=settings.tdx_batch_service_name,
            secret=_secret(
                settings.tdx_batch_service_secret, settings.tdx_batch_service_secret_file
            ),
            user=settings.tdx_impersonate_user,
        )
    if settings.tdx_auth_mode == "agent":
        return AgentLogin(
            agent_id=settings.tdx_agent_id,
            secret=_secret(settings.tdx_agent_secret, settings.tdx_agent_secret_file),
        )
    return PasswordLogin(
        username=settings.tdx_username,
        password=_secret(settings.tdx_password, settings.tdx_password_file),
    )


def _secret(value: SecretStr | None, file: Path | None) -> Secret:
    # A secret in a file is read again when the platform refuses it (a rotated mount).
    return Secret(
        None if value is None else value.get_secret_value(), file=file, rotation=file is not None
    )


_HEADERS = {"Accept": "application/json", "User-Agent": "enovia-gateway"}


def _base_url(settings: Settings) -> httpx.URL:
    assert settings.enovia_base_url is not None
    # A trailing slash, so that joining keeps a base path such as https://plm.example/enovia/.
    return httpx.URL(str(settings.enovia_base_url).rstrip("/") + "/")


def _limits(settings: Settings) -> httpx.Limits:
    return httpx.Limits(
        max_connections=settings.enovia_max_connections,
        max_keepalive_connections=settings.enovia_max_connections,
        keepalive_expiry=30.0,
    )


def _retry_policy(settings: Settings, sleep: Sleep | None) -> RetryPolicy:
    return RetryPolicy(
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


def _circuit(
    settings: Settings, observer: CircuitObserver | None, clock: Callable[[], float] | None
) -> CircuitBreaker:
    return CircuitBreaker(
        failure_threshold=settings.enovia_circuit_failure_threshold,
        reset_timeout=settings.enovia_circuit_reset_timeout,
        observer=observer,
        **({"clock": clock} if clock is not None else {}),
    )
