"""The non-GraphQL HTTP paths: liveness, detailed health, metrics."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

import gateway
from gateway.metrics import CONTENT_TYPE_LATEST
from gateway.services import Services


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


async def health_detailed(request: Request) -> Response:
    """A live check of ENOVIA, the token, the cache; 503 when ENOVIA is unreachable."""
    services: Services = request.state.services
    result = await services.health.check(force=True)
    healthy = result.enovia == "healthy"
    cache = services.cache.describe()
    if not healthy:
        status = "unavailable"
    elif cache.get("healthy") is False:
        status = "degraded"  # answering from ENOVIA and the local cache while Redis is away
    else:
        status = "ok"
    return _json(
        {
            "status": status,
            "enovia": result.enovia,
            "last_check": result.last_check.isoformat(),
            "error": result.error,
            "token": services.auth.token_state,
            "circuit": _circuit_state(services),
            "cache": cache,
            "version": gateway.__version__,
        },
        200 if healthy else 503,
    )


def _circuit_state(services: Services) -> str:
    circuit = services.client.circuit
    return "none" if circuit is None else circuit.state.value


async def metrics(request: Request) -> Response:
    services: Services = request.state.services
    return Response(services.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
