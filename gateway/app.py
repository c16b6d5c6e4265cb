"""`create_app`: the gateway as a Starlette app. The app object only composes."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TypedDict

import httpx
from opentelemetry.sdk.trace import TracerProvider
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from enovia import Sleep
from gateway import http_routes
from gateway.access_log import AccessLogMiddleware
from gateway.auth import AuthConfig, AuthMiddleware
from gateway.body_limit import BodySizeLimitMiddleware
from gateway.graphiql import ASSETS_DIR
from gateway.graphql_app import GatewayGraphQL
from gateway.home import home
from gateway.logs import configure_logging
from gateway.persisted import PersistedOperations, load_manifest
from gateway.request_id import RequestIdMiddleware
from gateway.services import Services, open_services
from gateway.settings import Settings, load_settings, warn_unknown_settings
from schema import QueryLimits, create_schema


class State(TypedDict):
    services: Services


def create_app(
    settings: Settings,
    *,
    enovia_transport: httpx.AsyncBaseTransport | None = None,
    sleep: Sleep | None = None,
    circuit_clock: Callable[[], float] | None = None,
    tracer_provider: TracerProvider | None = None,
) -> Starlette:
    """The gateway app. Its lifespan owns the ENOVIA client, the cache and the metrics.

    `enovia_transport`, `sleep` and `circuit_clock` are for tests (an injected transport, no
    real waiting, a circuit breaker whose cool-down elapses when the test moves its clock),
    and so is `tracer_provider` (traces into it, whatever `OTEL_*` says; flushed, not shut
    down, when the app stops).
    """
    settings.require_enovia()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[State]:
        async with open_services(
            settings,
            enovia_transport=enovia_transport,
            sleep=sleep,
            circuit_clock=circuit_clock,
            tracer_provider=tracer_provider,
        ) as services:
            yield {"services": services}

    limits = QueryLimits(
        max_depth=settings.gateway_max_depth,
        max_aliases=settings.gateway_max_aliases,
        max_tokens=settings.gateway_max_tokens,
        max_cost=settings.gateway_max_cost,
        max_batch=settings.gateway_max_batch,
    )
    graphql = GatewayGraphQL(
        create_schema(limits, introspection=settings.gateway_introspection),
        graphql_ide="graphiql" if settings.gateway_graphiql else None,
        allow_queries_via_get=True,
        request_timeout=settings.gateway_request_timeout,
        persisted=persisted_operations(settings),
        allowed_origins=settings.gateway_cors_origins,
    )
    routes = [
        Route("/", home, methods=["GET"]),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Mount("/graphql/assets", StaticFiles(directory=ASSETS_DIR, check_dir=False)),
        Route("/api/v1/health", http_routes.health, methods=["GET"]),
        Route("/api/v1/ready", http_routes.ready, methods=["GET"]),
        Route("/api/v1/health/detailed", http_routes.health_detailed, methods=["GET"]),
        Route("/metrics", http_routes.metrics, methods=["GET"]),
        Route("/api/v1/admin/invalidate", http_routes.invalidate, methods=["POST"]),
    ]
    middleware = [
        Middleware(RequestIdMiddleware),
        # Inside the request id (bound in its lines), outside the rest: it sees their refusals.
        Middleware(AccessLogMiddleware, sample=settings.gateway_access_log_sample),
        Middleware(AuthMiddleware, config=auth_config(settings)),
        Middleware(BodySizeLimitMiddleware, max_bytes=settings.gateway_max_body_bytes),
    ]
    if settings.gateway_cors_origins:
        cors = Middleware(
            CORSMiddleware,
            allow_origins=settings.gateway_cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-API-Key", "X-Request-ID"],
            expose_headers=["X-Request-ID"],
            max_age=600,
        )
        middleware.insert(0, cors)  # outermost: preflights are answered before anything else
    return Starlette(routes=routes, lifespan=lifespan, middleware=middleware)


#: What a caller of an administration path is told while no admin credential is configured.
ADMIN_HINT = (
    "set GATEWAY_ADMIN_API_KEYS or GATEWAY_ADMIN_API_KEYS_FILE (any auth mode), or with "
    "GATEWAY_AUTH_MODE=jwt GATEWAY_JWT_ADMIN_SCOPE or GATEWAY_JWT_ADMIN_ROLE "
    "(docs/administration.md)"
)


def create_app_from_environment() -> Starlette:
    """The gateway configured from the environment and `.env`: the factory uvicorn imports in
    each worker process. A misspelt setting is ignored, with a warning naming the closest."""
    settings = load_settings()
    configure_logging(settings.gateway_log_level, settings.gateway_log_format)
    warn_unknown_settings()
    app = create_app(settings)
    # What start-up made (the modules, the schema: about 230,000 objects) lives as long as
    # the process, which serves this one app: kept out of the cycle collector's full passes,
    # which walked it all and took ~35 ms each, the p99 of executed queries.
    gc.collect()
    gc.freeze()
    return app


def auth_config(settings: Settings) -> AuthConfig:
    """The client authentication, roles and rate limiting the settings ask for."""
    return AuthConfig(
        mode=settings.gateway_auth_mode,
        api_keys=settings.api_keys(),
        jwks_url=str(settings.gateway_jwt_jwks_url) if settings.gateway_jwt_jwks_url else None,
        issuer=settings.gateway_jwt_issuer,
        audience=settings.gateway_jwt_audience,
        algorithms=tuple(settings.gateway_jwt_algorithms),
        leeway=settings.gateway_jwt_leeway,
        protect_operations=settings.gateway_protect_operations,
        rate_limit_per_second=settings.gateway_rate_limit,
        rate_limit_burst=settings.gateway_rate_burst,
        admin_api_keys=settings.admin_api_keys(),
        jwt_admin_scope=settings.gateway_jwt_admin_scope,
        jwt_admin_role=settings.gateway_jwt_admin_role,
        admin_hint=ADMIN_HINT,
        metrics_api_keys=settings.metrics_api_keys(),
    )


def persisted_operations(settings: Settings) -> PersistedOperations:
    manifest = (
        load_manifest(settings.gateway_persisted_manifest)
        if settings.gateway_persisted_manifest is not None
        else None
    )
    return PersistedOperations(
        manifest,
        trusted_only=settings.gateway_persisted_only,
        max_entries=settings.gateway_apq_max_entries,
        max_bytes=settings.gateway_apq_max_bytes,
    )
