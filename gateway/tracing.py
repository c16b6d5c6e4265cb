"""Tracing with OpenTelemetry: off unless the standard `OTEL_*` variables ask for it.

This module owns the `OTEL_*` variables and is the only one that makes OpenTelemetry SDK
objects (the others name the SDK's `TracerProvider` at most, the type of a test's own).
`open_tracing`, called in the app's lifespan, makes a `TracerProvider` from the environment
(the SDK's own readers give the sampler, the resource and the exporter's endpoint, headers
and timeouts) and `Tracing.aclose` shuts it down, which exports what is left. No global
provider is set: the `Tracer` is handed down to whoever traces (the upstream client, the
loaders, the GraphQL context), and with tracing off they are handed None and do nothing.

`caller_span` reads the caller's W3C `traceparent`, which each operation's span continues.
See docs/tracing.md.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping

from opentelemetry import trace
from opentelemetry.environment_variables import OTEL_TRACES_EXPORTER
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.environment_variables import (
    OTEL_EXPORTER_OTLP_ENDPOINT,
    OTEL_EXPORTER_OTLP_PROTOCOL,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL,
    OTEL_SDK_DISABLED,
)
from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_VERSION, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

import gateway
from gateway.settings import SettingsError

#: `service.name` unless OTEL_SERVICE_NAME (or OTEL_RESOURCE_ATTRIBUTES) names another; and
#: the name of the gateway's tracer (its instrumentation scope).
GATEWAY_SERVICE = "enovia-gateway"

#: What OTEL_TRACES_EXPORTER may name (a list, comma-separated): OTLP over HTTP with
#: protobuf, spans as JSON on standard output, or none.
EXPORTERS = ("otlp", "console", "none")

#: The only OTLP protocol the gateway speaks (OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL).
OTLP_PROTOCOL = "http/protobuf"

#: W3C Trace Context: how the caller's trace reaches the gateway.
_TRACE_CONTEXT = TraceContextTextMapPropagator()


class Tracing:
    """The app's tracing: `tracer`, None when tracing is off (then there is no provider
    either), and the provider behind it, which `aclose` shuts down, exporting the spans
    not yet exported. A provider given by a test (`owned=False`) is only flushed: its owner
    reads it, and shuts it down."""

    def __init__(self, provider: TracerProvider | None, *, owned: bool = True) -> None:
        self.provider = provider
        self.tracer: trace.Tracer | None = (
            provider.get_tracer(GATEWAY_SERVICE, gateway.__version__)
            if provider is not None
            else None
        )
        self._owned = owned

    async def aclose(self) -> None:
        provider = self.provider
        if provider is None:
            return
        # Exporting may wait on the collector (its timeout): never on the event loop.
        if self._owned:
            await asyncio.to_thread(provider.shutdown)
        else:
            await asyncio.to_thread(provider.force_flush)


def open_tracing(provider: TracerProvider | None = None) -> Tracing:
    """The tracing the environment asks for (`tracer_provider`), or `provider`'s (a test's
    own, e.g. with an in-memory exporter)."""
    if provider is not None:
        return Tracing(provider, owned=False)
    return Tracing(tracer_provider(os.environ))


def tracer_provider(environ: Mapping[str, str]) -> TracerProvider | None:
    """A provider with a batching processor for each exporter `environ` asks for
    (`exporters`), or None when it asks for none: then no SDK object is made.

    The SDK reads the rest from the environment itself: the sampler from OTEL_TRACES_SAMPLER
    and OTEL_TRACES_SAMPLER_ARG (by default the caller's decision, else every trace), the
    batching from OTEL_BSP_*, the exporter's endpoint, headers, timeout, compression and
    certificates from OTEL_EXPORTER_OTLP_*, and the resource (`resource`).
    """
    names = exporters(environ)
    if not names:
        return None
    # Shut down by the lifespan, not at the interpreter's exit (which would keep each
    # provider ever made alive until then).
    provider = TracerProvider(resource=resource(), shutdown_on_exit=False)
    for name in names:
        provider.add_span_processor(BatchSpanProcessor(_exporter(name)))
    return provider


def exporters(environ: Mapping[str, str]) -> tuple[str, ...]:
    """The exporters `environ` asks for; () when tracing is off.

    Off when OTEL_SDK_DISABLED is true, or OTEL_TRACES_EXPORTER is `none`. On with the
    exporters OTEL_TRACES_EXPORTER names; without it, on (OTLP) only when an OTLP endpoint
    is set (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT): unlike the
    SDK's own default, a gateway with nothing set sends nothing anywhere. Raises
    `SettingsError` for an exporter or an OTLP protocol the gateway does not have.
    """
    if environ.get(OTEL_SDK_DISABLED, "").strip().lower() == "true":
        return ()
    named = environ.get(OTEL_TRACES_EXPORTER, "").strip().lower()
    if named:
        names = tuple(dict.fromkeys(name.strip() for name in named.split(",") if name.strip()))
    elif _set(environ, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) or _set(
        environ, OTEL_EXPORTER_OTLP_ENDPOINT
    ):
        names = ("otlp",)
    else:
        return ()
    for name in names:
        if name not in EXPORTERS:
            raise SettingsError(
                f"{OTEL_TRACES_EXPORTER}: {name!r} is not an exporter of the gateway's "
                f"(it has {', '.join(EXPORTERS)})"
            )
    if "otlp" in names:
        _check_protocol(environ)
    return tuple(name for name in names if name != "none")


def resource() -> Resource:
    """What the spans say they come from: the SDK's resource from the environment
    (OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME), with `service.name` enovia-gateway
    and `service.version` the gateway's unless it names others."""
    detected = Resource({SERVICE_VERSION: gateway.__version__}).merge(Resource.create())
    if str(detected.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        return detected.merge(Resource({SERVICE_NAME: GATEWAY_SERVICE}))
    return detected


def caller_span(headers: Mapping[str, str]) -> trace.Span | None:
    """The caller's span, from its W3C `traceparent` header (and `tracestate`), which the
    operation's span is to continue; None when it sent none, or one that is not valid."""
    if "traceparent" not in headers:
        return None
    span = trace.get_current_span(_TRACE_CONTEXT.extract(headers))
    return span if span.get_span_context().is_valid else None


def _exporter(name: str) -> SpanExporter:
    if name == "console":
        return ConsoleSpanExporter()
    return OTLPSpanExporter()


def _check_protocol(environ: Mapping[str, str]) -> None:
    for variable in (OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, OTEL_EXPORTER_OTLP_PROTOCOL):
        protocol = environ.get(variable, "").strip().lower()
        if protocol:
            if protocol != OTLP_PROTOCOL:
                raise SettingsError(
                    f"{variable}: the gateway exports OTLP as {OTLP_PROTOCOL} only, "
                    f"not {protocol!r}"
                )
            return


def _set(environ: Mapping[str, str], variable: str) -> bool:
    return bool(environ.get(variable, "").strip())
