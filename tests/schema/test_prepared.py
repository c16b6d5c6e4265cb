"""Prepared documents: parsed and validated once, within a bound on their memory."""

from __future__ import annotations

import strawberry
from graphql import parse

from schema.limits import QueryLimits
from schema.operation_hooks import OperationHooks
from schema.prepared import BYTES_PER_CHARACTER, PLAN_BYTES_PER_CHARACTER, PreparedDocuments


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "hi"


def schema_with(documents: PreparedDocuments) -> strawberry.Schema:
    return strawberry.Schema(
        query=Query, extensions=[lambda: OperationHooks(QueryLimits(), (), documents)]
    )


async def test_a_document_is_parsed_and_validated_once():
    documents = PreparedDocuments(max_bytes=1_000_000)
    schema = schema_with(documents)
    first = await schema.execute("{ hello }")
    assert first.data == {"hello": "hi"}
    prepared = documents.get("{ hello }")
    assert prepared is not None
    assert prepared.errors == []
    again = await schema.execute("{ hello }")
    assert again.data == {"hello": "hi"}
    assert documents.get("{ hello }") is prepared


async def test_an_invalid_document_is_refused_again_from_its_kept_errors():
    documents = PreparedDocuments(max_bytes=1_000_000)
    schema = schema_with(documents)
    first = await schema.execute("{ goodbye }")
    assert first.errors is not None
    prepared = documents.get("{ goodbye }")
    assert prepared is not None
    assert [e.message for e in prepared.errors or ()] == [e.message for e in first.errors]
    again = await schema.execute("{ goodbye }")
    assert [e.message for e in again.errors or ()] == [e.message for e in first.errors]


async def test_a_document_that_does_not_parse_is_not_kept():
    documents = PreparedDocuments(max_bytes=1_000_000)
    result = await schema_with(documents).execute("{ hello")
    assert result.errors
    assert documents.get("{ hello") is None
    assert documents.size_in_bytes == 0


def test_a_document_that_may_be_compiled_counts_its_plan_from_the_start():
    documents = PreparedDocuments(max_bytes=1_000_000)
    fixed = "{ hello }"
    variable = "query($no: Boolean!) { hello @skip(if: $no) }"
    documents.keep(fixed, parse(fixed))
    assert documents.size_in_bytes == (BYTES_PER_CHARACTER + PLAN_BYTES_PER_CHARACTER) * len(fixed)
    documents.keep(variable, parse(variable))  # never compiled: its selections vary
    assert documents.size_in_bytes == (
        (BYTES_PER_CHARACTER + PLAN_BYTES_PER_CHARACTER) * len(fixed)
        + BYTES_PER_CHARACTER * len(variable)
    )


def test_memory_is_bounded_and_huge_documents_push_out_each_other():
    budget = 10 * (BYTES_PER_CHARACTER + PLAN_BYTES_PER_CHARACTER) * 1000
    documents = PreparedDocuments(max_bytes=budget)
    small = [f"{{ a{n}: hello }}" for n in range(20)]
    for text in small:
        documents.keep(text, parse(text))
    padded = ["#" + "x" * 3000 + f"\n{{ b{n}: hello }}" for n in range(5)]
    for text in padded:
        documents.keep(text, parse(text))
    assert documents.size_in_bytes <= budget
    assert documents.get(padded[-1]) is not None
    assert documents.get(padded[0]) is None
    too_large = "#" + "x" * 20_000 + "\n{ hello }"
    documents.keep(too_large, parse(too_large))  # larger than the whole budget: not kept
    assert documents.get(too_large) is None
    assert documents.get(padded[-1]) is not None
