"""The trace of one HTTP exchange with an upstream: its span, and the `traceparent` that
carries it on to the upstream.

Only OpenTelemetry's API is used here: the gateway hands the clients a `Tracer` when
tracing is on, and None when it is off (then nothing here runs).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from enovia._retry import retries_so_far

#: W3C Trace Context: how an exchange's span travels to the upstream.
_TRACE_CONTEXT = TraceContextTextMapPropagator()


class CallSpan:
    """The span of one HTTP exchange: a CLIENT span named `METHOD endpoint`, a child of the
    current span, with the endpoint template (never an identifier: no URL is recorded),
    the method, the retries of the same call before it (`http.request.resend_count`) and,
    once ended, what came of it. `headers` carry it on to the upstream (`traceparent`).

    The attributes are OpenTelemetry's HTTP client conventions, plus `enovia.status`: the
    status as the metrics and logs say it (the HTTP status code, or timeout, unreachable...).
    """

    __slots__ = ("headers", "span", "status")

    def __init__(self, tracer: trace.Tracer, method: str, endpoint: str, host: str | None) -> None:
        attributes: dict[str, str | int] = {
            "http.request.method": method,
            "url.template": endpoint,
            "http.request.resend_count": retries_so_far(),
        }
        if host:
            attributes["server.address"] = host
        self.span = tracer.start_span(
            f"{method} {endpoint}", kind=trace.SpanKind.CLIENT, attributes=attributes
        )
        self.headers: dict[str, str] = {}
        _TRACE_CONTEXT.inject(self.headers, context=trace.set_span_in_context(self.span))
        #: What came of the exchange, set by the caller before `end`.
        self.status = "error"

    def end(self) -> None:
        """End the span with `status`. No answer, or a 4xx or 5xx one, is an error (a client
        span's rule in the HTTP conventions), with `error.type` saying which."""
        span = self.span
        status = self.status
        span.set_attribute("enovia.status", status)
        failed = True
        if status.isdigit():
            code = int(status)
            span.set_attribute("http.response.status_code", code)
            failed = code >= 400
        if failed:
            span.set_attribute("error.type", status)
            span.set_status(trace.Status(trace.StatusCode.ERROR))
        span.end()


@contextmanager
def call_span(
    tracer: trace.Tracer, method: str, endpoint: str, host: str | None
) -> Iterator[CallSpan]:
    """A `CallSpan`, current within the block (what the exchange does meanwhile, such as
    asking for a token, is its child), ended with the `status` the block set."""
    span = CallSpan(tracer, method, endpoint, host)
    try:
        with trace.use_span(
            span.span, end_on_exit=False, record_exception=False, set_status_on_exception=False
        ):
            yield span
    finally:
        span.end()
