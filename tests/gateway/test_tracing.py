"""Tracing: what one query's trace holds, how the caller's `traceparent` is continued and
carried on to ENOVIA, and what reaches a real OTLP/HTTP receiver. The gateway and the
simulators are served over real HTTP; spans are read from the SDK's in-memory exporter, or
from the receiver."""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack
from typing import Any

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from enovia.facade import DOCUMENT, LATEST, REVISION
from enovia.simulators.facade import DOC_RELEASED_THEN_IN_WORK, DOC_SUPERSEDED_THEN_RELEASED
from gateway import tracing
from gateway.app import create_app
from gateway.request_context import request_context
from gateway.services import open_services
from gateway.serving import serve_in_thread
from gateway.settings import Settings, SettingsError
from tests.gateway.conftest import Simulator, no_sleep, settings_for
from tests.gateway.testbeds import PlatformSimulator, platform_settings_for
from tests.gateway.ws_client import ACTUALITY_CHANGED, opened

SCAN = """
query Scan($uid: ID!, $revision: String!) {
  document(uid: $uid) { uid title latestRevision { revision } }
  actuality(uid: $uid, revision: $revision) { isActual reason revision { revision } }
}
"""

DOCUMENT_ONLY = "query Card($uid: ID!) { document(uid: $uid) { uid title } }"

UID = DOC_SUPERSEDED_THEN_RELEASED
#: What the facade's calls are named, as span names and as the simulator counts them.
FACADE_CALLS = {f"GET {template}" for template in (DOCUMENT, REVISION, LATEST)}
TOKEN_CALL = "POST /oauth2/token"
#: Seconds a test waits for spans or an export it expects; never reached when all is well.
WAIT = 10.0


# Helpers ----------------------------------------------------------------------------------


class Caller:
    """A caller's own span, as its `traceparent` header names it."""

    def __init__(self) -> None:
        self.trace_id = int.from_bytes(secrets.token_bytes(16), "big") or 1
        self.span_id = int.from_bytes(secrets.token_bytes(8), "big") or 1

    @property
    def headers(self) -> dict[str, str]:
        return {"traceparent": f"00-{self.trace_id:032x}-{self.span_id:016x}-01"}


def context_of(span: ReadableSpan) -> trace.SpanContext:
    context = span.get_span_context()
    assert context is not None
    return context


def traceparent(span: ReadableSpan) -> str:
    context = context_of(span)
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-{context.trace_flags:02x}"


def post(url: str, query: str, headers: Mapping[str, str] | None = None, **variables: Any) -> Any:
    response = httpx.post(
        f"{url}/graphql",
        json={"query": query, "variables": variables},
        headers=dict(headers or {}),
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()


def recent_calls(simulator_url: str) -> list[dict[str, Any]]:
    """The simulator's last calls, with their headers (`GET /_sim/requests`)."""
    response = httpx.get(f"{simulator_url}/_sim/requests", timeout=10).raise_for_status()
    calls: list[dict[str, Any]] = response.json()["requests"]
    return calls


def one(spans: Sequence[ReadableSpan], name: str) -> ReadableSpan:
    found = [span for span in spans if span.name == name]
    assert len(found) == 1, [span.name for span in spans]
    return found[0]


def parent_id(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


def span_id(span: ReadableSpan) -> int:
    return context_of(span).span_id


def trace_id(span: ReadableSpan) -> int:
    return context_of(span).trace_id


def upstream_calls(spans: Sequence[ReadableSpan]) -> list[ReadableSpan]:
    return [span for span in spans if span.kind is trace.SpanKind.CLIENT]


class Recorder:
    """A test's tracer provider: every span, once ended, in memory."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.provider = TracerProvider(shutdown_on_exit=False)
        self.provider.add_span_processor(SimpleSpanProcessor(self.exporter))

    def spans(self) -> tuple[ReadableSpan, ...]:
        return self.exporter.get_finished_spans()

    def operation(self, name: str) -> tuple[ReadableSpan, tuple[ReadableSpan, ...]]:
        """Operation span `name` (waited for, with a deadline) and every span of its trace."""
        deadline = time.monotonic() + WAIT
        while True:
            operations = [span for span in self.spans() if span.name == name]
            if operations:
                break
            assert time.monotonic() < deadline, f"no span {name}: {self.names()}"
            time.sleep(0.01)
        assert len(operations) == 1, self.names()
        operation = operations[0]
        same = tuple(span for span in self.spans() if trace_id(span) == trace_id(operation))
        return operation, same

    def names(self) -> list[str]:
        return [span.name for span in self.spans()]

    def clear(self) -> None:
        self.exporter.clear()


@pytest.fixture(autouse=True)
def no_otel_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever OTEL_* the developer's shell has, the tests set their own."""
    for name in list(os.environ):
        if name.startswith("OTEL_"):
            monkeypatch.delenv(name)


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    recorder = Recorder()
    yield recorder
    recorder.provider.shutdown()


@pytest.fixture
def traced(sim: Simulator, recorder: Recorder) -> Iterator[str]:
    """A gateway on the facade simulator tracing into `recorder`; its base URL."""
    app = create_app(settings_for(sim.base_url), sleep=no_sleep, tracer_provider=recorder.provider)
    with serve_in_thread(app) as url:
        yield url


# One query, one trace ---------------------------------------------------------------------


def test_a_query_is_one_trace_of_its_operation_loader_batches_and_enovia_calls(
    traced: str, recorder: Recorder
) -> None:
    answer = post(traced, SCAN, uid=UID, revision="B")
    assert "errors" not in answer, answer

    operation, spans = recorder.operation("graphql.operation Scan")
    assert operation.kind is trace.SpanKind.SERVER
    assert operation.parent is None  # nobody's trace to continue
    assert dict(operation.attributes or {}) == {
        "graphql.operation.name": "Scan",
        "graphql.operation.type": "query",
        "graphql.outcome": "ok",
    }
    assert operation.status.status_code is trace.StatusCode.UNSET

    batches = [span for span in spans if span.name.startswith("loader.batch ")]
    assert {span.name for span in batches} == {
        "loader.batch document",
        "loader.batch revision",
        "loader.batch latest",
    }
    for batch in batches:
        assert parent_id(batch) == span_id(operation)
        attributes = dict(batch.attributes or {})
        assert attributes["loader.kind"] == batch.name.removeprefix("loader.batch ")
        assert attributes["loader.batch_size"] == 1

    calls = upstream_calls(spans)
    api = [span for span in calls if span.name != TOKEN_CALL]
    assert {span.name for span in api} == FACADE_CALLS  # each made once
    assert len(api) == 3
    for call in api:
        assert parent_id(call) in {span_id(batch) for batch in batches}
        attributes = dict(call.attributes or {})
        assert attributes == {
            "http.request.method": "GET",
            "url.template": call.name.removeprefix("GET "),
            "http.request.resend_count": 0,
            "server.address": "127.0.0.1",
            "http.response.status_code": 200,
            "enovia.status": "200",
        }
        assert call.status.status_code is trace.StatusCode.UNSET
    # The gateway's first call asked for a token: within that call's span.
    token = one(calls, TOKEN_CALL)
    assert parent_id(token) in {span_id(call) for call in api}
    assert dict(token.attributes or {})["http.response.status_code"] == 200
    # No identifier in any name or attribute: endpoint templates only.
    for span in spans:
        assert UID not in span.name
        assert not any(UID in str(value) for value in (span.attributes or {}).values())


def test_a_prepared_query_is_traced_the_short_way_and_its_answer_kept_for_replays(
    traced: str, recorder: Recorder
) -> None:
    # Fetched (the full way), then executed from the cache (the short way: its document was
    # prepared by the first), then replayed from the response cache: two operations ran.
    answers = [post(traced, DOCUMENT_ONLY, uid=UID) for _ in range(3)]
    assert answers[0] == answers[1] == answers[2]
    assert "errors" not in answers[0]
    deadline = time.monotonic() + WAIT
    while len([name for name in recorder.names() if name == "graphql.operation Card"]) < 2:
        assert time.monotonic() < deadline, recorder.names()
        time.sleep(0.01)
    operations = [span for span in recorder.spans() if span.name == "graphql.operation Card"]
    assert len(operations) == 2  # the replay ran no operation
    full, short = (dict(span.attributes or {}) for span in operations)
    assert (
        full
        == short
        == {
            "graphql.operation.name": "Card",
            "graphql.operation.type": "query",
            "graphql.outcome": "ok",
        }
    )
    # The short way's operation is the parent of what it did: here, nothing (all cached).
    children = [span for span in recorder.spans() if parent_id(span) == span_id(operations[1])]
    assert children == []


def test_the_callers_traceparent_is_continued_and_carried_on_to_enovia(
    traced: str, recorder: Recorder, sim: Simulator
) -> None:
    caller = Caller()
    answer = post(traced, SCAN, caller.headers, uid=UID, revision="B")
    assert "errors" not in answer, answer

    operation, spans = recorder.operation("graphql.operation Scan")
    assert trace_id(operation) == caller.trace_id
    assert operation.parent is not None
    assert operation.parent.span_id == caller.span_id
    assert operation.parent.is_remote
    # Everything the query did is in the caller's trace.
    assert len(spans) == len(recorder.spans())
    # Each call ENOVIA received names the span of that very call as its parent.
    calls = upstream_calls(spans)
    received = {
        call["call"]: call["headers"].get("traceparent") for call in recent_calls(sim.base_url)
    }
    assert set(received) == {span.name for span in calls} == {*FACADE_CALLS, TOKEN_CALL}
    for call in calls:
        assert received[call.name] == traceparent(call)


def test_a_retried_call_shows_its_retry_count(
    traced: str, recorder: Recorder, sim: Simulator
) -> None:
    # Every second API call is refused with 429 (Retry-After: 0): the first query's call
    # passes, the second query's is refused once, then retried.
    sim.faults(rate_limit={"every": 2, "retry_after": 0})
    assert "errors" not in post(traced, DOCUMENT_ONLY, uid=DOC_RELEASED_THEN_IN_WORK)
    recorder.clear()
    caller = Caller()
    answer = post(traced, DOCUMENT_ONLY, caller.headers, uid=UID)
    assert "errors" not in answer, answer

    operation, spans = recorder.operation("graphql.operation Card")
    tries = sorted(upstream_calls(spans), key=lambda span: span.start_time or 0)
    assert [dict(span.attributes or {})["http.request.resend_count"] for span in tries] == [0, 1]
    refused, passed = tries
    assert dict(refused.attributes or {})["http.response.status_code"] == 429
    assert dict(refused.attributes or {})["error.type"] == "429"
    assert refused.status.status_code is trace.StatusCode.ERROR
    assert dict(passed.attributes or {})["http.response.status_code"] == 200
    assert parent_id(refused) == parent_id(passed)  # one load, tried twice
    # Each try carried its own span to ENOVIA.
    received = [
        call["headers"].get("traceparent")
        for call in recent_calls(sim.base_url)
        if call["call"] == f"GET {DOCUMENT}"
    ]
    assert received[-2:] == [traceparent(refused), traceparent(passed)]
    assert dict(operation.attributes or {})["graphql.outcome"] == "ok"


def test_an_operation_that_answered_nothing_is_an_error(
    traced: str, recorder: Recorder, sim: Simulator
) -> None:
    sim.faults(error_rate=1.0, error_status=503)
    answer = post(traced, DOCUMENT_ONLY, uid=UID)
    assert answer["data"] == {"document": None}

    operation, spans = recorder.operation("graphql.operation Card")
    assert operation.status.status_code is trace.StatusCode.ERROR
    attributes = dict(operation.attributes or {})
    assert attributes["graphql.outcome"] == "error"
    assert attributes["graphql.error.codes"] == ("UPSTREAM_UNAVAILABLE",)
    tries = sorted(upstream_calls(spans), key=lambda span: span.start_time or 0)
    tries = [span for span in tries if span.name != TOKEN_CALL]
    # ENOVIA_RETRY_ATTEMPTS is 3: the first try and two retries, each an error.
    assert [dict(span.attributes or {})["http.request.resend_count"] for span in tries] == [
        0,
        1,
        2,
    ]
    assert {span.status.status_code for span in tries} == {trace.StatusCode.ERROR}
    assert {dict(span.attributes or {})["enovia.status"] for span in tries} == {"503"}


async def test_a_websocket_operation_continues_the_handshakes_traceparent(
    traced: str, recorder: Recorder
) -> None:
    caller = Caller()
    async with opened(traced, headers=caller.headers) as connection:
        await connection.subscribe("1", ACTUALITY_CHANGED, uid=UID, revision="B")
        event = await connection.event("1")
        assert event["data"]["actualityChanged"]["reason"] == "CURRENT"
        await connection.complete("1")
        operation, _ = recorder.operation("graphql.operation Watch")
    assert trace_id(operation) == caller.trace_id
    assert operation.parent is not None
    assert operation.parent.span_id == caller.span_id
    attributes = dict(operation.attributes or {})
    assert attributes["graphql.operation.type"] == "subscription"
    assert attributes["graphql.outcome"] == "ok"
    # Completed by its client: not an error.
    assert operation.status.status_code is trace.StatusCode.UNSET


def test_the_platforms_calls_are_traced_and_carry_the_trace_on(
    platform_sim: PlatformSimulator, recorder: Recorder
) -> None:
    app = create_app(
        platform_settings_for(platform_sim.base_url),
        sleep=no_sleep,
        tracer_provider=recorder.provider,
    )
    with serve_in_thread(app) as url:
        caller = Caller()
        answer = post(url, SCAN, caller.headers, uid=UID, revision="B")
        assert "errors" not in answer, answer
        _, spans = recorder.operation("graphql.operation Scan")

    calls = upstream_calls(spans)
    assert calls, recorder.names()
    batches = {span_id(span) for span in spans if span.name.startswith("loader.batch ")}
    for call in calls:
        # A batch of reads continues the trace of the load that opened it.
        assert trace_id(call) == caller.trace_id
        assert parent_id(call) in batches
        attributes = dict(call.attributes or {})
        assert str(attributes["url.template"]).startswith("/resources/")
        assert UID not in call.name
    sent = {traceparent(call) for call in calls}
    received = {
        call["headers"].get("traceparent")
        for call in recent_calls(platform_sim.base_url)
        if f"{caller.trace_id:032x}" in call["headers"].get("traceparent", "")
    }
    assert received == sent


# Off unless asked -------------------------------------------------------------------------


def test_with_nothing_configured_nothing_is_traced(sim: Simulator) -> None:
    app = create_app(settings_for(sim.base_url), sleep=no_sleep)
    with serve_in_thread(app) as url:
        answer = post(url, SCAN, Caller().headers, uid=UID, revision="B")
        assert "errors" not in answer, answer
    calls = recent_calls(sim.base_url)
    assert calls
    assert not any("traceparent" in call["headers"] for call in calls)
    # No global provider was set, by this test or any other.
    assert isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)


async def test_with_nothing_configured_no_provider_is_made(sim: Simulator) -> None:
    settings = settings_for(sim.base_url)
    assert tracing.open_tracing().provider is None
    async with open_services(settings) as services:
        assert services.tracer is None
        context = request_context(services, trace_parent=None)
        assert context.tracer is None


@pytest.mark.parametrize(
    ("environ", "exporters"),
    [
        ({}, ()),
        ({"OTEL_SERVICE_NAME": "gw", "OTEL_TRACES_SAMPLER": "always_on"}, ()),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, ("otlp",)),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, ("otlp",)),
        ({"OTEL_TRACES_EXPORTER": "otlp"}, ("otlp",)),
        ({"OTEL_TRACES_EXPORTER": "OTLP, console"}, ("otlp", "console")),
        ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, ()),
        ({"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"}, ()),
        ({"OTEL_SDK_DISABLED": "false", "OTEL_TRACES_EXPORTER": "otlp"}, ("otlp",)),
        (
            {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"},
            ("otlp",),
        ),
    ],
)
def test_which_exporters_the_environment_asks_for(
    environ: dict[str, str], exporters: tuple[str, ...]
) -> None:
    assert tracing.exporters(environ) == exporters


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"OTEL_TRACES_EXPORTER": "jaeger"}, "OTEL_TRACES_EXPORTER"),
        (
            {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"},
            "OTEL_EXPORTER_OTLP_PROTOCOL",
        ),
        (
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317",
                "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc",
            },
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
        ),
    ],
)
def test_what_the_gateway_cannot_export_stops_start_up_naming_the_variable(
    environ: dict[str, str], named: str, sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(SettingsError, match=named):
        tracing.exporters(environ)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    app = create_app(settings_for(sim.base_url), sleep=no_sleep)
    with pytest.raises(RuntimeError, match="ended before the server started"), serve_in_thread(app):
        pass


# A real OTLP/HTTP receiver ----------------------------------------------------------------


class OtlpReceiver:
    """An OTLP/HTTP trace receiver: `POST /v1/traces` with a protobuf
    `ExportTraceServiceRequest`, kept as received."""

    def __init__(self) -> None:
        self.requests: list[ExportTraceServiceRequest] = []
        self.content_types: list[str] = []
        self._lock = threading.Lock()

    def app(self) -> Starlette:
        async def traces(request: Request) -> Response:
            received = ExportTraceServiceRequest()
            received.ParseFromString(await request.body())
            with self._lock:
                self.requests.append(received)
                self.content_types.append(request.headers.get("content-type", ""))
            answer = ExportTraceServiceResponse().SerializeToString()
            return Response(answer, media_type="application/x-protobuf")

        return Starlette(routes=[Route("/v1/traces", traces, methods=["POST"])])

    def spans(self) -> list[tuple[dict[str, Any], str, Any]]:
        """Every span received: (its resource's attributes, its scope's name, the span)."""
        with self._lock:
            requests = list(self.requests)
        return [
            (attributes(resource_spans.resource.attributes), scope_spans.scope.name, span)
            for request in requests
            for resource_spans in request.resource_spans
            for scope_spans in resource_spans.scope_spans
            for span in scope_spans.spans
        ]


def value(any_value: AnyValue) -> Any:
    kind = any_value.WhichOneof("value")
    if kind == "array_value":
        return tuple(value(item) for item in any_value.array_value.values)
    return getattr(any_value, kind) if kind is not None else None


def attributes(pairs: Sequence[KeyValue]) -> dict[str, Any]:
    return {pair.key: value(pair.value) for pair in pairs}


@pytest.mark.parametrize(
    ("variable", "path"),
    [("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "/v1/traces"), ("OTEL_EXPORTER_OTLP_ENDPOINT", "")],
)
def test_spans_reach_an_otlp_receiver_configured_by_the_environment(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch, variable: str, path: str
) -> None:
    receiver = OtlpReceiver()
    caller = Caller()
    with ExitStack() as stack:
        receiver_url = stack.enter_context(serve_in_thread(receiver.app()))
        monkeypatch.setenv(variable, receiver_url + path)
        monkeypatch.setenv("OTEL_SERVICE_NAME", "gateway-under-test")
        settings: Settings = settings_for(sim.base_url)
        with serve_in_thread(create_app(settings, sleep=no_sleep)) as url:
            answer = post(url, SCAN, caller.headers, uid=UID, revision="B")
            assert "errors" not in answer, answer
        # The gateway has stopped: its lifespan's end exported what was left.
        deadline = time.monotonic() + WAIT
        while not any(span.name == "graphql.operation Scan" for _, _, span in receiver.spans()):
            assert time.monotonic() < deadline, "the receiver got no operation span"
            time.sleep(0.01)

    received = receiver.spans()
    assert set(receiver.content_types) == {"application/x-protobuf"}
    resources = {resource["service.name"] for resource, _, _ in received}
    assert resources == {"gateway-under-test"}
    assert {scope for _, scope, _ in received} == {tracing.GATEWAY_SERVICE}
    by_name = {span.name: span for _, _, span in received}
    assert {"loader.batch document", "loader.batch revision", "loader.batch latest"} <= set(by_name)
    assert set(by_name) >= FACADE_CALLS
    operation = by_name["graphql.operation Scan"]
    assert int.from_bytes(operation.trace_id, "big") == caller.trace_id
    assert int.from_bytes(operation.parent_span_id, "big") == caller.span_id
    assert attributes(operation.attributes) == {
        "graphql.operation.name": "Scan",
        "graphql.operation.type": "query",
        "graphql.outcome": "ok",
    }
    revision_call = attributes(by_name[f"GET {REVISION}"].attributes)
    assert revision_call["url.template"] == REVISION
    assert revision_call["http.response.status_code"] == 200
    assert revision_call["http.request.resend_count"] == 0
    for _, _, span in received:
        if span.name.startswith(("graphql.", "loader.", "GET /api/")):
            assert int.from_bytes(span.trace_id, "big") == caller.trace_id
