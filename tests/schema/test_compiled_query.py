"""Compiled plans on a schema made for their edge cases: each answer equal to graphql-core's,
or the plan gives way (None) where graphql-core would report an error or must await."""

from __future__ import annotations

import asyncio
import gc
import warnings
from collections.abc import Iterator
from typing import Any

import strawberry
from graphql import parse
from graphql.execution import Executor, execute

from schema.compiled_query import CompiledQuery
from schema.direct_resolvers import call_resolvers_directly
from schema.planned_executor import PlannedExecutor


@strawberry.type
class Item:
    name: str
    note: str | None = None

    @strawberry.field
    def repeated(self, times: int = 2) -> str:
        return self.name * times

    @strawberry.field
    def must_have(self) -> str:
        return self.note  # type: ignore[return-value]  # null where the type forbids it


async def _later() -> str:
    return "later"


@strawberry.type
class Query:
    @strawberry.field
    def items(self, names: list[str]) -> list[Item]:
        return [Item(name=name, note=None if name == "a" else f"{name}!") for name in names]

    @strawberry.field
    def item(self, name: str, suffix: str | None = "?") -> Item | None:
        return None if name == "none" else Item(name=name, note=suffix)

    @strawberry.field
    def with_an_error(self) -> list[Item | None]:
        return [Item(name="a"), ValueError("entry 1 failed")]  # type: ignore[list-item]

    @strawberry.field
    def generated(self) -> list[str]:
        return (name for name in ("a", "b"))  # type: ignore[return-value]

    @strawberry.field
    def pending(self) -> str:
        return _later()  # type: ignore[return-value]  # an awaitable from a sync resolver

    @strawberry.field
    def raising(self) -> str | None:
        raise RuntimeError("no")

    @strawberry.field
    def tracking(self, info: strawberry.Info) -> str:
        info._raw_info.async_helpers.track(())  # only an executor has these
        return "tracked"

    @strawberry.field
    async def asynchronous(self) -> str:
        return "async"


def make_schema() -> strawberry.Schema:
    schema = strawberry.Schema(query=Query)
    call_resolvers_directly(schema)
    return schema


def executor(schema: strawberry.Schema, query: str, variables: dict[str, Any]) -> Executor[Any]:
    built = PlannedExecutor.build(schema._schema, parse(query), None, None, variables, None)
    assert isinstance(built, Executor)
    return built


def by_graphql_core(schema: strawberry.Schema, query: str, variables: dict[str, Any]) -> Any:
    result = execute(schema._schema, parse(query), variable_values=variables)
    if asyncio.iscoroutine(result):
        result = asyncio.run(result)
    return result


ANSWERED = [
    ("{ items(names: []) { name } }", {}),
    ('{ items(names: ["a", "b"]) { name note repeated r3: repeated(times: 3) __typename } }', {}),
    ("query($n: [String!]!, $t: Int!) { items(names: $n) { name repeated(times: $t) } }", None),
    ('{ a: item(name: "x") { name } b: item(name: "none") { name } }', {}),
    ('{ item(name: "x") { ...F ... on Item { note } } } fragment F on Item { name name }', {}),
    ('{ item(name: "x") { name @skip(if: true) note @include(if: false) repeated } }', {}),
]

#: One query, its variables given, omitted (the argument's default), and null.
ARGUMENTS = """query($n: String = "dflt", $s: String, $t: Int, $names: [String!]!) {
  item(name: $n, suffix: $s) {
    name note repeated(times: $t) literal: repeated(times: 1) default: repeated
  }
  items(names: $names) { name }
}"""
ARGUMENT_VARIABLES: list[tuple[dict[str, Any], bool]] = [
    ({"n": "x", "s": "!", "t": 3, "names": ["a"]}, True),
    # $n's default; `suffix` and `times` take their own defaults for the omitted $s and $t.
    ({"names": []}, True),
    ({"s": None, "names": ["b"]}, True),  # null for the nullable `suffix`
    ({"n": "x", "t": None, "names": ["a"]}, False),  # null for `times: Int!`: an error
    ({"n": None, "names": ["a"]}, False),  # null for `name: String!`: an error
]


#: (query, whether graphql-core answers it with an error) where the plan gives way.
GIVES_WAY = [
    ('{ items(names: ["a"]) { mustHave } }', True),  # null for a non-null field
    ('{ items(names: ["b"]) { name } withAnError { name } }', True),  # an exception in a list
    ("{ raising }", True),  # an error
    ("{ generated }", False),  # an iterable other than a list
    ("{ pending }", False),  # an awaitable
    ("{ tracking }", False),  # the executor's async helpers
]


def test_answers_equal_graphql_cores():
    schema = make_schema()
    for query, variables in ANSWERED:
        # The same plan with other variables: arguments from variables are read per run.
        for values in [variables] if variables is not None else _variable_sets():
            built = executor(schema, query, values)
            plan = CompiledQuery.compile(built)
            assert plan is not None, query
            expected = by_graphql_core(schema, query, values)
            assert expected.errors is None
            assert plan.run(None, values) == expected.data


def _variable_sets() -> Iterator[dict[str, Any]]:
    yield {"n": ["a", "b"], "t": 1}
    yield {"n": ["c"], "t": 4}


def test_the_plan_gives_way_where_graphql_core_reports_an_error_or_awaits():
    schema = make_schema()
    for query, reports_an_error in GIVES_WAY:
        plan = CompiledQuery.compile(executor(schema, query, {}))
        assert plan is not None, query
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert plan.run(None, {}) is None, query
            gc.collect()  # the awaitable it met was closed: nothing warns unawaited
        expected = by_graphql_core(schema, query, {})
        assert bool(expected.errors) is reports_an_error, query


def test_one_plan_serves_each_run_with_its_own_variables():
    schema = make_schema()
    query = "query($n: [String!]!, $t: Int!) { items(names: $n) { name repeated(times: $t) } }"
    plan = CompiledQuery.compile(executor(schema, query, {"n": ["a"], "t": 1}))
    assert plan is not None
    for values in _variable_sets():
        assert plan.run(None, values) == by_graphql_core(schema, query, values).data


def test_not_compiled_async_resolvers_and_introspection():
    schema = make_schema()
    for query in ("{ asynchronous }", "{ __schema { queryType { name } } }"):
        assert CompiledQuery.compile(executor(schema, query, {})) is None, query


def test_arguments_from_variables_given_omitted_or_null():
    schema = make_schema()
    plan = CompiledQuery.compile(executor(schema, ARGUMENTS, {"names": []}))
    assert plan is not None
    for values, answered in ARGUMENT_VARIABLES:
        expected = by_graphql_core(schema, ARGUMENTS, values)
        data = plan.run(None, values)
        if answered:
            assert expected.errors is None, (values, expected.errors)
            assert data == expected.data
        else:
            assert expected.errors, values
            assert data is None
