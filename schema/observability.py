"""GraphQL request counts and durations by operation name and outcome."""

from __future__ import annotations

import time
from collections.abc import Iterator

from strawberry.extensions import SchemaExtension


class OperationMetrics(SchemaExtension):
    """Reports each operation to the context's observer (the app's metrics) as ok, partial
    (data and errors) or error."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        observer = getattr(self.execution_context.context, "observer", None)
        if observer is None:
            return
        result = self.execution_context.result
        outcome = _outcome(getattr(result, "data", None), getattr(result, "errors", None))
        observer.graphql_request(
            self.execution_context.operation_name, outcome, time.perf_counter() - started
        )


def _outcome(data: object, errors: object) -> str:
    """ok: no errors; partial: errors, and some field answered; error: nothing answered."""
    if not errors:
        return "ok"
    if isinstance(data, dict) and any(value is not None for value in data.values()):
        return "partial"
    return "error"
