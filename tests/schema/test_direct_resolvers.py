"""Resolvers without arguments are called directly, and answer as through Strawberry's chain."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLObjectType
from strawberry.extensions import FieldExtension

from schema import create_schema
from schema.direct_resolvers import call_resolvers_directly


class Shout(FieldExtension):
    def resolve(self, next_: Any, source: Any, info: strawberry.Info, **kwargs: Any) -> Any:
        return str(next_(source, info, **kwargs)).upper()


@strawberry.type
class Item:
    name: str

    @strawberry.field
    def greeting(self, info: strawberry.Info) -> str:
        return f"{info.context['hello']}, {self.name} ({info.field_name})"

    @strawberry.field
    def repeated(self, times: int) -> str:
        return self.name * times

    @strawberry.field(extensions=[Shout()])
    def shouted(self) -> str:
        return self.name

    @strawberry.field
    def broken(self, info: strawberry.Info) -> str | None:
        raise ValueError(f"no greeting for {self.name}")

    @strawberry.field
    async def later(self, info: strawberry.Info) -> str:
        return self.name[::-1]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return [Item(name="a"), Item(name="b")]


QUERY = "{ items { name greeting repeated(times: 2) shouted broken later } }"


def direct_fields(schema: strawberry.Schema) -> set[str]:
    found = set()
    for graphql_type in schema._schema.type_map.values():
        if isinstance(graphql_type, GraphQLObjectType) and not graphql_type.name.startswith("__"):
            for name, field in graphql_type.fields.items():
                if getattr(field.resolve, "__qualname__", "").startswith("_direct."):
                    found.add(f"{graphql_type.name}.{name}")
    return found


async def test_only_resolvers_of_self_and_info_on_plain_fields_are_called_directly():
    schema = strawberry.Schema(query=Query)
    assert call_resolvers_directly(schema) == 3
    assert direct_fields(schema) == {"Item.greeting", "Item.broken", "Item.later"}


async def test_the_answer_is_the_chains_errors_included():
    through_chain = strawberry.Schema(query=Query)
    direct = strawberry.Schema(query=Query)
    call_resolvers_directly(direct)
    context = {"hello": "hi"}
    expected = await through_chain.execute(QUERY, context_value=context)
    answer = await direct.execute(QUERY, context_value=context)
    assert answer.data == expected.data
    assert answer.data is not None
    assert answer.data["items"][0] == {
        "name": "a",
        "greeting": "hi, a (greeting)",
        "repeated": "aa",
        "shouted": "A",
        "broken": None,
        "later": "a",
    }
    assert [e.formatted for e in answer.errors or ()] == [
        e.formatted for e in expected.errors or ()
    ]
    assert [e.path for e in answer.errors or ()] == [
        ["items", 0, "broken"],
        ["items", 1, "broken"],
    ]


@strawberry.type
class Refusal:
    reason: str


class Refused(strawberry.ExceptionHandler[ValueError, Refusal]):
    def handle(self, exception: ValueError, *, field: Any, info: Any) -> Refusal:
        return Refusal(reason=str(exception))


def test_a_schema_with_exception_handlers_keeps_the_chain_everywhere():
    schema = strawberry.Schema(query=Query, exception_handlers=[Refused()])
    assert call_resolvers_directly(schema) == 0
    assert direct_fields(schema) == set()


def test_the_gateways_fields_without_arguments_are_called_directly():
    assert direct_fields(create_schema()) == {
        "Query.health",
        "Document.latestRevision",
        "Document.revisions",
        "Revision.isActual",
        "Revision.businessStatus",
        "Actuality.document",
        "Actuality.latestRevision",
    }
