"""The short way for prepared queries: taken only where it answers exactly as the full way."""

from __future__ import annotations

from typing import Any

from graphql import parse
from strawberry.types import ExecutionResult
from structlog.testing import capture_logs

from gateway.metrics import Metrics
from schema import Context, GatewaySchema, QueryLimits, create_schema
from schema.planned_executor import selections_fixed
from schema.types.health import Health
from tests.schema.test_masking import BrokenLoaders, no_health


def context(metrics: Metrics, request_id: str = "req-9") -> Context:
    return Context(
        loaders=BrokenLoaders(),  # type: ignore[arg-type]
        health=no_health,
        actuality_max_age=0,
        observer=metrics,
        request_id=request_id,
    )


async def up() -> Health:
    return Health(enovia="UP", last_check=None, error=None, cache_backend="memory", version="t")


def health_context(metrics: Metrics) -> Context:
    return Context(
        loaders=BrokenLoaders(),  # type: ignore[arg-type]
        health=up,
        actuality_max_age=0,
        observer=metrics,
    )


async def short_way(
    schema: GatewaySchema, query: str, context: Context, variables: dict[str, Any] | None = None
) -> ExecutionResult:
    """`query` run the short way (it must have been run once the full way)."""
    prepared = schema.prepared.ready(query, None, variables)
    assert prepared is not None
    return await schema.prepared.execute(
        prepared, query, variables=variables, operation_name=None, extensions=None, context=context
    )


def requests_counted(metrics: Metrics, operation: str, outcome: str) -> float:
    value = metrics.registry.get_sample_value(
        "graphql_requests_total", {"operation": operation, "outcome": outcome}
    )
    return value or 0.0


DOCUMENT = 'query One { document(uid: "DOC-001") { uid } }'
TWO_OPERATIONS = 'query A { document(uid: "DOC-001") { uid } } query B { __typename }'
DOCUMENTS = "query Many($uids: [ID!]!) { documents(uids: $uids) { uid } }"


async def test_only_a_document_validated_before_takes_the_short_way():
    schema = create_schema()
    assert schema.prepared.ready(DOCUMENT, None, None) is None
    await schema.execute(DOCUMENT, context_value=context(Metrics()))
    assert schema.prepared.ready(DOCUMENT, None, None) is not None


async def test_what_the_full_way_must_answer_does_not_take_the_short_way():
    schema = create_schema(QueryLimits(max_batch=2))
    metrics = Metrics()
    invalid = "{ nosuchfield }"
    subscription = 'subscription { actualityChanged(uid: "DOC-001", revision: "A") { reason } }'
    for query in (invalid, TWO_OPERATIONS, subscription, DOCUMENTS):
        await schema.execute(
            query, context_value=context(metrics), variable_values={"uids": ["D-1"]}
        )
    # Invalid: its errors are the full way's to tell again.
    assert schema.prepared.ready(invalid, None, None) is None
    # No operation chosen in a document of two, or an unknown name.
    assert schema.prepared.ready(TWO_OPERATIONS, None, None) is None
    assert schema.prepared.ready(TWO_OPERATIONS, "C", None) is None
    assert schema.prepared.ready(TWO_OPERATIONS, "B", None) is not None
    # Only queries.
    assert schema.prepared.ready(subscription, None, None) is None
    # Over the limits with these variables: refused the full way.
    assert schema.prepared.ready(DOCUMENTS, None, {"uids": ["D-1", "D-2", "D-3"]}) is None
    assert schema.prepared.ready(DOCUMENTS, None, {"uids": ["D-1", "D-2"]}) is not None


async def test_the_short_way_answers_as_the_full_way_masked_coded_logged_and_counted():
    schema = create_schema()
    metrics = Metrics()
    with capture_logs() as full_logs:
        full = await schema.execute(DOCUMENT, context_value=context(metrics))
    with capture_logs() as short_logs:
        short = await short_way(schema, DOCUMENT, context(metrics))
    assert short.data == full.data == {"document": None}
    assert [e.formatted for e in short.errors or ()] == [e.formatted for e in full.errors or ()]
    error = (short.errors or [])[0].formatted
    assert error["message"] == "Internal server error (request req-9)."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-9"}
    assert "hunter2" not in str(error)

    def unexpected(logs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [entry for entry in logs if entry["event"] == "graphql.unexpected_error"]

    # The detail in the log, once, either way.
    for logs in (full_logs, short_logs):
        (logged,) = unexpected(logs)
        assert isinstance(logged["exc_info"], RuntimeError)
    assert requests_counted(metrics, "One", "error") == 2


async def test_variables_that_do_not_fit_are_a_request_error_the_short_way_too():
    schema = create_schema()
    metrics = Metrics()
    full = await schema.execute(
        DOCUMENTS, context_value=context(metrics), variable_values={"uids": []}
    )
    assert full.errors is None
    assert schema.prepared.ready(DOCUMENTS, None, {"uids": 7}) is not None  # coerced later
    short = await short_way(schema, DOCUMENTS, context(metrics), {"uids": None})
    again = await schema.execute(
        DOCUMENTS, context_value=context(metrics), variable_values={"uids": None}
    )
    assert short.data is None
    assert [e.formatted for e in short.errors or ()] == [e.formatted for e in again.errors or ()]
    assert (short.errors or [])[0].formatted["extensions"] == {"code": "BAD_USER_INPUT"}
    assert requests_counted(metrics, "Many", "error") == 2


def test_selections_that_depend_on_variables_are_collected_each_time():
    fixed = parse('query { document(uid: "D") { uid ... on Document @skip(if: true) { title } } }')
    assert selections_fixed(fixed)
    for varying in (
        'query($a: Boolean!) { document(uid: "D") { uid title @include(if: $a) } }',
        'query($a: Boolean!) { document(uid: "D") { ...F } } '
        "fragment F on Document { latestRevision @skip(if: $a) { revision } }",
    ):
        assert not selections_fixed(parse(varying))


async def test_the_short_way_follows_skip_and_include_with_each_requests_variables():
    schema = create_schema()
    query = "query Card($full: Boolean!) { health { enovia lastCheck @include(if: $full) } }"
    metrics = Metrics()
    first = await schema.execute(
        query, context_value=health_context(metrics), variable_values={"full": True}
    )
    assert first.data == {"health": {"enovia": "UP", "lastCheck": None}}
    prepared = schema.prepared.ready(query, None, {"full": False})
    assert prepared is not None
    assert prepared.collected is None  # depends on the variables: collected every time
    for full in (False, True, False):
        answer = await short_way(schema, query, health_context(metrics), {"full": full})
        assert answer.data == {"health": {"enovia": "UP", **({"lastCheck": None} if full else {})}}


async def test_fixed_selections_are_collected_once_per_document():
    schema = create_schema()
    query = "query { health { enovia cacheBackend } }"
    await schema.execute(query, context_value=health_context(Metrics()))
    prepared = schema.prepared.ready(query, None, None)
    assert prepared is not None
    assert prepared.collected == {}
    for _ in range(3):
        answer = await short_way(schema, query, health_context(Metrics()))
        assert answer.data == {"health": {"enovia": "UP", "cacheBackend": "memory"}}
    assert len(prepared.collected) == 1  # the health object's fields, kept after the first
