"""Distinct documents prepared once: parsed, validated and priced, kept by their text.

Replaces Strawberry's parser and validation caches, which are bounded in entries only: a
comment-padded 60 KB document holds about 120 KB parsed, so a thousand of them would hold
over 100 MiB. Here the bound is on an estimate of the memory each holds, so a few huge
documents push out each other, not the many small ones clients really send.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from cachetools import LRUCache
from graphql import DocumentNode, GraphQLError, GraphQLSchema, OperationType, get_operation_ast
from strawberry.types import ExecutionContext

from schema.compiled_query import CompiledQuery
from schema.cost import CostPlan, plan_cost
from schema.planned_executor import Collected, selections_fixed

#: Parsed, a document holds about this many bytes per character of its text (measured with
#: tracemalloc on the operations of `queries/`: 36 to 48; padding and comments hold ~2).
BYTES_PER_CHARACTER = 50
#: What a document's compiled plans (`schema.compiled_query`) may add, per character: counted
#: for every document that may be compiled (its selections do not depend on its variables),
#: from the start, since a kept document's size is fixed (measured with tracemalloc: 28 to
#: 34 on the operations of `queries/`, 50 to 60 on the benchmark's terser ones).
PLAN_BYTES_PER_CHARACTER = 60


@dataclass(slots=True)
class Prepared:
    """One document: its AST, then (once validated) its validation errors, then the cost
    plan and the type of each operation name it was run with; `collected`, the subfields
    its executions collected (`schema.planned_executor`), None where they depend on the
    variables; `compiled`, each operation's plan once it first ran the short way
    (`schema.compiled_query`; None: no plan expresses it)."""

    document: DocumentNode
    size: int
    collected: Collected | None = None
    errors: list[GraphQLError] | None = None
    plans: dict[str | None, CostPlan | None] = field(default_factory=dict)
    operation_types: dict[str | None, OperationType] = field(default_factory=dict)
    compiled: dict[str | None, CompiledQuery | None] = field(default_factory=dict)

    def operation_type(self, operation_name: str | None) -> OperationType | None:
        """The type of the operation `operation_name` selects; None when it selects none
        (not kept: only the document's own names are, so the cache stays as small)."""
        known = self.operation_types.get(operation_name)
        if known is None:
            operation = get_operation_ast(self.document, operation_name)
            if operation is None:
                return None
            known = self.operation_types[operation_name] = operation.operation
        return known

    def plan(self, schema: GraphQLSchema, operation_name: str | None) -> CostPlan | None:
        if operation_name not in self.plans:
            self.plans[operation_name] = plan_cost(schema, self.document, operation_name)
        return self.plans[operation_name]


class PreparedDocuments:
    """The prepared documents of one schema, least recently used dropped first, within
    `max_bytes` of estimated memory."""

    def __init__(self, max_bytes: int) -> None:
        self._kept: LRUCache[str, Prepared] = LRUCache(
            maxsize=max_bytes, getsizeof=lambda prepared: prepared.size
        )

    def get(self, query: str | None) -> Prepared | None:
        return self._kept.get(query) if query else None

    def keep(self, query: str, document: DocumentNode) -> None:
        fixed = selections_fixed(document)
        per_character = BYTES_PER_CHARACTER + (PLAN_BYTES_PER_CHARACTER if fixed else 0)
        size = per_character * len(query)
        if size <= self._kept.maxsize:
            collected: Collected | None = {} if fixed else None
            self._kept[query] = Prepared(document, size, collected)

    @property
    def size_in_bytes(self) -> int:
        return int(self._kept.currsize)


def parsed_once(context: ExecutionContext, documents: PreparedDocuments) -> Iterator[None]:
    """An operation's parsing step (`schema.operation_hooks`): a document prepared before is
    not parsed again; a new one is kept once Strawberry has parsed it."""
    prepared = documents.get(context.query)
    if prepared is not None:
        context.graphql_document = prepared.document
    yield
    if prepared is None and context.query and context.graphql_document is not None:
        documents.keep(context.query, context.graphql_document)


def validated_once(context: ExecutionContext, documents: PreparedDocuments) -> Iterator[None]:
    """An operation's validation step: a document validated before is not validated again
    (an invalid one is refused again from its kept errors); a new one keeps its result."""
    prepared = documents.get(context.query)
    if prepared is not None and prepared.errors is not None:
        context.pre_execution_errors = list(prepared.errors)
    yield
    if prepared is not None and prepared.errors is None:
        prepared.errors = list(context.pre_execution_errors or ())
