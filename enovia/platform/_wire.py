"""One HTTP exchange with the platform, reported and logged under its endpoint template."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Protocol

import httpx
import structlog

from enovia._calls import CallObserver, attempt_timeout
from enovia._errors import UpstreamUnavailable

logger = structlog.get_logger("gateway.enovia")


class PlatformObserver(CallObserver, Protocol):
    """Told about every HTTP exchange, every health check and every login (metrics
    implement it)."""

    def token_refresh(self, status: str) -> None: ...


class Wire:
    """Sends one request as it is: no redirect followed, no retry. Every exchange is reported
    to the observer and logged (`enovia.call`) under `endpoint`, a template that never holds a
    ticket, an identifier or a query; a failure to get any answer is `UpstreamUnavailable`.
    """

    def __init__(self, http: httpx.AsyncClient, observer: PlatformObserver | None) -> None:
        self.http = http
        self.observer = observer

    async def send(
        self,
        method: str,
        url: httpx.URL | str,
        endpoint: str,
        *,
        host: str,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        json: object = None,
        form: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """The answer to one request (`host` names the server in messages: 3DSpace,
        3DPassport). The attempt gets what is left of the request's deadline, at most."""
        started = time.perf_counter()
        status = "error"
        timeout = attempt_timeout(self.http.timeout)
        request = self.http.build_request(
            method,
            url,
            params=params,
            headers=headers,
            json=json,
            data=form,
            timeout=timeout if timeout is not None else self.http.timeout,
        )
        try:
            response = await self.http.send(request, follow_redirects=False)
            status = str(response.status_code)
        except httpx.TimeoutException:
            status = "timeout"
            raise UpstreamUnavailable(f"{host} did not answer in time") from None
        except httpx.TransportError:
            status = "unreachable"
            raise UpstreamUnavailable(f"{host} could not be reached") from None
        finally:
            duration = time.perf_counter() - started
            if self.observer is not None:
                self.observer.enovia_call(method, endpoint, status, duration)
            logger.info(
                "enovia.call",
                method=method,
                endpoint=endpoint,
                status=status,
                duration_ms=round(duration * 1000, 2),
            )
        return response
