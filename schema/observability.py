"""Each GraphQL operation observed: counted and timed by operation name and outcome, and,
with tracing on, one span."""

from __future__ import annotations

import time
from collections.abc import Generator
from typing import Any

from opentelemetry import trace
from strawberry.types import ExecutionContext

#: The operation span's name, followed by the operation's name when it has one.
OPERATION_SPAN = "graphql.operation"


def observed(execution: ExecutionContext) -> Generator[None, None, None]:
    """An operation, observed (`schema.operation_hooks`): reported to the context's observer
    (the app's metrics) as ok, partial (data and errors) or error. With the context's
    `tracer`, the operation is a span (see `_describe`), a child of the context's
    `trace_parent` (the caller's span) when there is one, and the parent of everything the
    operation does (its loaders' batches, their ENOVIA calls). Without one, nothing of
    tracing runs."""
    started = time.perf_counter()
    context = execution.context
    tracer: trace.Tracer | None = getattr(context, "tracer", None)
    if tracer is None:
        yield
        _report(execution, started)
        return
    parent: trace.Span | None = getattr(context, "trace_parent", None)
    with tracer.start_as_current_span(
        OPERATION_SPAN,
        context=None if parent is None else trace.set_span_in_context(parent),
        kind=trace.SpanKind.SERVER,
    ) as span:
        try:
            yield
        except BaseException:
            # Ended early: a subscription completed by its client (cancelled), a client
            # gone. Described by what it answered so far; an exception (not a
            # cancellation) is recorded, and makes the status an error, on the way out.
            _describe(span, execution, _result_outcome(execution))
            raise
        _describe(span, execution, _report(execution, started))


def _result_outcome(execution: ExecutionContext) -> str:
    result = execution.result
    return _outcome(getattr(result, "data", None), getattr(result, "errors", None))


def _report(execution: ExecutionContext, started: float) -> str:
    """The operation's outcome, reported to the context's observer (when it has one)."""
    outcome = _result_outcome(execution)
    observer = getattr(execution.context, "observer", None)
    if observer is not None:
        observer.graphql_request(execution.operation_name, outcome, time.perf_counter() - started)
    return outcome


def _describe(span: trace.Span, execution: ExecutionContext, outcome: str) -> None:
    """The operation span, once the operation ended: named `graphql.operation <name>`, with
    `graphql.operation.name`, `graphql.operation.type` (query, mutation, subscription: when
    the document told), `graphql.outcome` (as the metrics count it) and, with errors, their
    distinct `extensions.code`s in `graphql.error.codes`. Its status is an error when
    nothing was answered. Never the document nor its variables (they hold identifiers)."""
    name = execution.operation_name
    if name:
        span.update_name(f"{OPERATION_SPAN} {name}")
        span.set_attribute("graphql.operation.name", name)
    operation_type = _operation_type(execution)
    if operation_type is not None:
        span.set_attribute("graphql.operation.type", operation_type)
    span.set_attribute("graphql.outcome", outcome)
    errors = getattr(execution.result, "errors", None)
    if errors:
        codes = {str((error.extensions or {}).get("code", "")) for error in errors}
        span.set_attribute("graphql.error.codes", sorted(codes - {""}))
    if outcome == "error":
        span.set_status(trace.Status(trace.StatusCode.ERROR, "nothing was answered"))


def _operation_type(execution: ExecutionContext) -> str | None:
    try:
        operation_type: Any = execution.operation_type
    except Exception:  # no document (it did not parse), or no such operation in it
        return None
    return str(operation_type.value)


def _outcome(data: object, errors: object) -> str:
    """ok: no errors; partial: errors, and some field answered; error: nothing answered."""
    if not errors:
        return "ok"
    if isinstance(data, dict) and any(value is not None for value in data.values()):
        return "partial"
    return "error"
