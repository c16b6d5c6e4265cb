"""One HTTP exchange with the platform, reported and logged under its endpoint template."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Protocol

import httpx
from opentelemetry.trace import Tracer

from enovia._calls import CallObserver, attempt_timeout, log_call
from enovia._errors import UpstreamUnavailable
from enovia._spans import CallSpan
from enovia._transport import no_answer, shown_url


class PlatformObserver(CallObserver, Protocol):
    """Told about every HTTP exchange, every health check and every login (metrics
    implement it)."""

    def token_refresh(self, status: str) -> None: ...


class Wire:
    """Sends one request as it is: no redirect followed, no retry. Every exchange is reported
    to the observer and logged (`enovia.call`) under `endpoint`, a template that never holds a
    ticket, an identifier or a query; a failure to get any answer is `UpstreamUnavailable`.
    With a `tracer`, every exchange has its span (`CallSpan`), carried on in the request's
    `traceparent`.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        observer: PlatformObserver | None,
        tracer: Tracer | None = None,
    ) -> None:
        self.http = http
        self.observer = observer
        self.tracer = tracer

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
        login: bool = False,
    ) -> httpx.Response:
        """The answer to one request (`host` names the server in messages: 3DSpace,
        3DPassport). The attempt gets what is left of the request's deadline, at most. A
        `login` step's 4xx is logged at WARNING (a wrong secret or URL is the operator's)."""
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
        span = None
        if self.tracer is not None:
            span = CallSpan(self.tracer, method, endpoint, request.url.host)
            request.headers.update(span.headers)
        failure: UpstreamUnavailable | None = None
        try:
            response = await self.http.send(request, follow_redirects=False)
            status = str(response.status_code)
        except httpx.TransportError as exc:  # no answer: timed out, or none could come
            status = "timeout" if isinstance(exc, httpx.TimeoutException) else "unreachable"
            failure = no_answer(host, exc)
            raise failure from None
        finally:
            duration = time.perf_counter() - started
            if span is not None:
                span.status = status
                span.end()
            if self.observer is not None:
                self.observer.enovia_call(method, endpoint, status, duration)
            refused = login and status.isdigit() and 400 <= int(status) < 500
            log_call(
                method,
                endpoint,
                status,
                duration,
                url=shown_url(request.url),
                failure=failure,
                refused=refused,
            )
        return response
