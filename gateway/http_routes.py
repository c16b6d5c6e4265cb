"""The non-GraphQL HTTP paths: liveness, readiness, detailed health, metrics."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

import gateway
from gateway.metrics import CONTENT_TYPE_LATEST
from gateway.services import Services
from loaders import CacheUnavailable
from schema.errors import ErrorCode, error_document


def _json(body: dict[str, Any], status_code: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code, media_type="application/json")


async def health(request: Request) -> Response:
    """Liveness: the gateway runs. Reports the last known ENOVIA state; calls nothing."""
    services: Services = request.state.services
    last = services.health.last
    return _json(
        {
            "status": "ok",
            "enovia": last.enovia if last else "unknown",
            "last_check": last.last_check.isoformat() if last else None,
            "error": last.error if last else None,
            "circuit": _circuit_state(services),
            "version": gateway.__version__,
        }
    )


async def ready(request: Request) -> Response:
    """Readiness, for a load balancer or Kubernetes: 200 while this process serves, with what
    it last knew of its cache and circuit. Asks nothing of ENOVIA or Redis, and is never 503
    for their sake: the gateway answers while they are away (cached fields STALE, failures
    UPSTREAM_UNAVAILABLE, the local cache in front of Redis), and taking every replica out of
    service at once for that would turn those answers into refused connections. A process
    that is not serving yet, or is shutting down, does not accept the probe's connection."""
    services: Services = request.state.services
    return _json(
        {
            "status": "ready",
            "cache": services.cache.describe(),
            "circuit": _circuit_state(services),
            "version": gateway.__version__,
        }
    )


async def health_detailed(request: Request) -> Response:
    """A live check of ENOVIA, the token, the cache (Redis's PING, within the cache's
    timeout, at the same time as ENOVIA's check); 503 when ENOVIA is unreachable, `degraded`
    while Redis does not answer, with the `reason` in both cases."""
    services: Services = request.state.services
    result, cache_problem = await asyncio.gather(
        services.health.check(force=True), services.cache.ping()
    )
    healthy = result.enovia == "healthy"
    cache = services.cache.describe()
    reason: str | None = None
    if not healthy:
        status, reason = "unavailable", result.error
    elif cache_problem is not None or cache.get("healthy") is False:
        # Answering from ENOVIA and the local cache while Redis is away.
        status = "degraded"
        reason = (
            f"the shared cache at {cache.get('url')} does not answer "
            f"({cache_problem or 'it failed just now'}): answering from the local cache"
        )
    else:
        status = "ok"
    if cache_problem is not None:
        cache["error"] = cache_problem
    return _json(
        {
            "status": status,
            "reason": reason,
            "enovia": result.enovia,
            "last_check": result.last_check.isoformat(),
            "error": result.error,
            "token": dict(services.upstream.credentials_state),
            "circuit": _circuit_state(services),
            "cache": cache,
            "version": gateway.__version__,
        },
        200 if healthy else 503,
    )


def _circuit_state(services: Services) -> str:
    circuit = services.upstream.circuit
    return "none" if circuit is None else circuit.state.value


async def metrics(request: Request) -> Response:
    services: Services = request.state.services
    return Response(services.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)


async def invalidate(request: Request) -> Response:
    """`POST /api/v1/admin/invalidate` with `{"uids": [...]}`: drop those documents' cached
    entries (on every replica when the cache is Redis), for ENOVIA's change events."""
    services: Services = request.state.services
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        return _refusal('the body must be JSON: {"uids": ["DOC-001", ...]}')
    uids = body.get("uids") if isinstance(body, dict) else None
    if not isinstance(uids, list) or not all(isinstance(uid, str) and uid for uid in uids):
        return _refusal("'uids' must be a list of document uids (non-empty strings)")
    limit = services.settings.gateway_max_batch
    if len(uids) > limit:
        return _refusal(f"at most {limit} uids at a time, not {len(uids)}")
    dropped: dict[str, int] = {}
    try:
        for uid in dict.fromkeys(uids):
            dropped[uid] = await services.store.invalidate(uid)
    except CacheUnavailable as exc:
        # Success would be a lie: some replica may still serve the old entries. The sender
        # retries; invalidating twice is harmless.
        done = f" (done before it: {', '.join(dropped)})" if dropped else ""
        message = f"the cache could not be updated, send the invalidation again: {exc}{done}"
        return _refusal(message, 503, ErrorCode.CACHE_UNAVAILABLE)
    # A change event: what is subscribed of these documents is checked again now.
    await services.watches.recheck(list(dropped))
    return _json({"invalidated": dropped})


def _refusal(
    message: str, status: int = 400, code: ErrorCode = ErrorCode.BAD_USER_INPUT
) -> Response:
    return Response(error_document(message, code), status, media_type="application/json")
