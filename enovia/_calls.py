"""What every upstream client does around one HTTP exchange: report it, pass the circuit
breaker, bound it by the request's deadline, read Retry-After."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol, TypeVar

import httpx
import structlog

from enovia._circuit import CircuitBreaker
from enovia._deadline import time_left
from enovia._errors import EnoviaError, RateLimited, UpstreamUnavailable
from enovia._models import EnoviaHealth

T = TypeVar("T")

logger = structlog.get_logger("gateway.enovia")


class CallObserver(Protocol):
    """Told about every HTTP exchange with the upstream (metrics implement it)."""

    def enovia_call(self, method: str, endpoint: str, status: str, duration: float) -> None: ...
    def health_check(self, healthy: bool) -> None: ...


async def through_circuit(circuit: CircuitBreaker | None, attempt: Callable[[], Awaitable[T]]) -> T:
    """One attempt through the circuit breaker: refused at once while it is open.

    Only unavailability counts as a failure; any other answer (a 404, a refusal, a bad body)
    means the upstream is up. A 429 is neither: the upstream is up, only busy.
    """
    if circuit is None:
        return await attempt()
    await circuit.before_call()
    try:
        result = await attempt()
    except RateLimited:
        circuit.released()
        raise
    except UpstreamUnavailable as exc:
        circuit.failed(exc)
        raise
    except EnoviaError:
        circuit.succeeded()
        raise
    except BaseException:
        circuit.released()
        raise
    circuit.succeeded()
    return result


async def health_of(
    check: Callable[[], Awaitable[object]], observer: CallObserver | None
) -> EnoviaHealth:
    """The seed's health result of one `check` call (healthy when it answers, unhealthy with
    its error's message when it raises an `EnoviaError`), reported to `observer`."""
    try:
        await check()
    except EnoviaError as exc:
        result = EnoviaHealth(enovia="unhealthy", last_check=utc_now(), error=exc.message)
    else:
        result = EnoviaHealth(enovia="healthy", last_check=utc_now())
    if observer is not None:
        observer.health_check(result.enovia == "healthy")
    return result


def attempt_timeout(configured: httpx.Timeout) -> httpx.Timeout | None:
    """The client's timeouts cut to what is left of the request's deadline; None when the
    request has no deadline (then the client's own apply)."""
    left = time_left()
    if left is None:
        return None
    return httpx.Timeout(
        connect=_cut(configured.connect, left),
        read=_cut(configured.read, left),
        write=_cut(configured.write, left),
        pool=_cut(configured.pool, left),
    )


def retry_after(response: httpx.Response) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date (RFC 9110, 10.2.3)."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - utc_now()).total_seconds())


def utc_now() -> datetime:
    return datetime.now(UTC)


def _cut(configured: float | None, left: float) -> float:
    return left if configured is None else min(configured, left)


#: The statuses of an exchange that got no answer (`enovia.call`, metrics).
NO_ANSWER = frozenset({"timeout", "unreachable"})


def log_call(
    method: str,
    endpoint: str,
    status: str,
    duration: float,
    *,
    url: str,
    failure: EnoviaError | None = None,
    refused: bool = False,
) -> None:
    """Log one HTTP exchange as `enovia.call`: under its endpoint template, with the URL tried
    (never a query, nor an identifier: see the callers) and, when it failed, the error and
    its cause.

    At WARNING when it is the operator's to fix: no answer (unreachable, timed out), or
    `refused` (the credentials refused, a login or token endpoint's 4xx: a wrong secret, a
    wrong base path); at INFO otherwise (a call that failed because its token request was
    refused says so at INFO: the token request's own line is the warning)."""
    fields: dict[str, object] = {
        "method": method,
        "endpoint": endpoint,
        "status": status,
        "duration_ms": round(duration * 1000, 2),
        "url": url,
    }
    if failure is not None:
        # The auth flow's failure is the token request's, at the token endpoint's URL.
        fields.update(url=failure.url or url, error=failure.message)
        if failure.cause is not None:
            fields["cause"] = failure.cause
    if status in NO_ANSWER or refused:
        logger.warning("enovia.call", **fields)
    else:
        logger.info("enovia.call", **fields)
