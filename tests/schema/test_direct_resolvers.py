"""Resolvers of plain fields are called directly, and answer as through Strawberry's chain."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry
from graphql import GraphQLObjectType
from strawberry.extensions import FieldExtension

from schema import create_schema
from schema.direct_resolvers import call_resolvers_directly


class Shout(FieldExtension):
    def resolve(self, next_: Any, source: Any, info: strawberry.Info, **kwargs: Any) -> Any:
        return str(next_(source, info, **kwargs)).upper()


@strawberry.enum
class Size(Enum):
    SMALL = "s"
    LARGE = "l"


@strawberry.input
class Box:
    width: int


@strawberry.type
class Item:
    name: str

    @strawberry.field
    def greeting(self, info: strawberry.Info) -> str:
        return f"{info.context['hello']}, {self.name} ({info.field_name})"

    @strawberry.field
    def repeated(self, times: int) -> str:
        return self.name * times

    @strawberry.field
    def framed(
        self, info: strawberry.Info, left: str, right: str | None = None, pad_count: int = 1
    ) -> str:
        return f"{left * pad_count}{self.name}{right or left}"

    @strawberry.field
    def joined(self, info: strawberry.Info, tags: list[str | None] = ["x"]) -> str:  # noqa: B006
        tags.append("seen")  # a resolver that changes its list must not change the default
        return ",".join(tag or "-" for tag in tags)

    @strawberry.field
    def sized(self, info: strawberry.Info, size: Size) -> str:
        return f"{self.name}:{size.value}"

    @strawberry.field
    def boxed(self, info: strawberry.Info, box: Box) -> str:
        return f"{box.width}x{self.name}"

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
WITH_ARGUMENTS = """query($right: String, $tags: [String]) {
  items {
    framed(left: "<", padCount: 2) withRight: framed(left: "(", right: $right)
    joined again: joined defaults: joined tags: joined(tags: $tags)
    sized(size: LARGE) boxed(box: {width: 3})
  }
}"""


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
    assert call_resolvers_directly(schema) == 5
    # Not `repeated` (no info), `shouted` (an extension), `sized` (an enum argument, which
    # Strawberry converts), `boxed` (an input object).
    assert direct_fields(schema) == {
        "Item.greeting",
        "Item.broken",
        "Item.later",
        "Item.framed",
        "Item.joined",
    }


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


async def test_arguments_are_converted_as_the_chain_converts_them():
    through_chain = strawberry.Schema(query=Query)
    direct = strawberry.Schema(query=Query)
    call_resolvers_directly(direct)
    for variables in ({"right": ")", "tags": ["a", None]}, {"right": None}, {}):
        # Twice each: a default list changed by a resolver would show the second time.
        for _ in range(2):
            expected = await through_chain.execute(WITH_ARGUMENTS, variable_values=variables)
            answer = await direct.execute(WITH_ARGUMENTS, variable_values=variables)
            assert expected.errors is None
            assert answer.data == expected.data
    assert answer.data is not None
    assert answer.data["items"][0] == {
        "framed": "<<a<",
        "withRight": "(a(",
        "joined": "x,seen",
        "again": "x,seen",
        "defaults": "x,seen",
        "tags": "x,seen",
        "sized": "a:l",
        "boxed": "3xa",
    }


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


def test_the_gateways_plain_fields_are_called_directly():
    assert direct_fields(create_schema()) == {
        "Query.health",
        "Query.document",
        "Query.documents",
        "Query.actuality",
        "Document.revision",
        "BusinessStatus.label",
        "Document.latestRevision",
        "Document.revisions",
        "Revision.isActual",
        "Revision.businessStatus",
        "Actuality.document",
        "Actuality.latestRevision",
    }
