"""Query limits, each checked before any ENOVIA call: tokens (while parsing), depth and aliases
(validation, cached with it), and the query's cost and batch sizes (with its variables)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLNamedType,
    GraphQLObjectType,
    InlineFragmentNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
    get_named_type,
)
from strawberry.extensions import SchemaExtension

from gateway.errors import ErrorCode

#: What one field may cost ENOVIA: the resources it loads (an actuality: a revision and the
#: latest released one; its own latestRevision is that same one). Fields not listed load
#: nothing of their own.
FIELD_COST = {
    ("Query", "document"): 1,
    ("Query", "documents"): 1,
    ("Query", "actuality"): 2,
    ("Document", "latestRevision"): 1,
    ("Document", "revision"): 1,
    ("Actuality", "document"): 1,
}


@dataclass(frozen=True, slots=True)
class QueryLimits:
    max_depth: int = 10
    max_aliases: int = 20
    max_tokens: int = 2000
    max_cost: int = 250
    max_batch: int = 100


def too_complex(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": ErrorCode.QUERY_TOO_COMPLEX.value})


def validation_rules(limits: QueryLimits) -> tuple[type[ValidationRule], ...]:
    """Rules for depth and aliases. Made once per schema: the classes are part of the
    validation cache's key."""

    class DepthLimit(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            depth = _depth(node.selection_set, self.context, frozenset())
            if depth > limits.max_depth:
                self.report_error(
                    too_complex(f"the query is {depth} levels deep; at most {limits.max_depth}")
                )

    class AliasLimit(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.aliases = 0

        def enter_field(self, node: FieldNode, *_: Any) -> None:
            if node.alias is not None:
                self.aliases += 1

        def leave_document(self, *_: Any) -> None:
            if self.aliases > limits.max_aliases:
                self.report_error(
                    too_complex(
                        f"the query has {self.aliases} aliases; at most {limits.max_aliases}"
                    )
                )

    return DepthLimit, AliasLimit


def _depth(
    selection_set: SelectionSetNode | None,
    context: ValidationContext,
    visiting: frozenset[str],
) -> int:
    if selection_set is None:
        return 0
    deepest = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value.startswith("__"):
                continue  # introspection: switched off as a whole, not limited by depth
            deepest = max(deepest, 1 + _depth(selection.selection_set, context, visiting))
        elif isinstance(selection, InlineFragmentNode):
            deepest = max(deepest, _depth(selection.selection_set, context, visiting))
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = context.get_fragment(name)
            if fragment is not None and name not in visiting:  # cycles are another rule's
                deepest = max(deepest, _depth(fragment.selection_set, context, visiting | {name}))
    return deepest


class QueryLimitsExtension(SchemaExtension):
    """Applies `QueryLimits`: the token limit while parsing, and, just before execution (when
    the variables are known), the batch size of `documents` and the cost of the query."""

    def __init__(self, limits: QueryLimits, rules: tuple[type[ValidationRule], ...]) -> None:
        self.limits = limits
        self.rules = rules

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.validation_rules = context.validation_rules + self.rules
        yield

    def on_parse(self) -> Iterator[None]:
        self.execution_context.parse_options["max_tokens"] = self.limits.max_tokens
        yield

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.result is None:
            error = self._refusal(document.definitions, context.variables or {})
            if error is not None:
                context.result = ExecutionResult(data=None, errors=[error])
        yield

    def _refusal(self, definitions: Any, variables: Mapping[str, Any]) -> GraphQLError | None:
        operation = _operation(definitions, self.execution_context.operation_name)
        if operation is None:
            return None  # graphql-core reports the missing operation itself
        fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
        measure = _Measure(fragments, variables, self.limits.max_batch)
        root = self.execution_context.schema._schema.query_type
        cost = measure.cost(root, operation.selection_set, frozenset())
        if measure.oversized is not None:
            return GraphQLError(
                f"documents asks for {measure.oversized} uids; at most "
                f"{self.limits.max_batch} are allowed",
                extensions={"code": ErrorCode.BAD_USER_INPUT.value},
            )
        if cost > self.limits.max_cost:
            return too_complex(
                f"the query could cost {cost} ENOVIA calls; at most {self.limits.max_cost} "
                "(each document, revision, latest revision, and actuality (2) counts, "
                "documents once per uid)"
            )
        return None


def _operation(definitions: Any, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((op for op in operations if op.name and op.name.value == name), None)


class _Measure:
    """The most ENOVIA resources a selection may load: an upper bound, before deduplication."""

    def __init__(
        self,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        max_batch: int,
    ) -> None:
        self._fragments = fragments
        self._variables = variables
        self._max_batch = max_batch
        self.oversized: int | None = None

    def cost(
        self,
        parent: GraphQLNamedType | None,
        selection_set: SelectionSetNode | None,
        visiting: frozenset[str],
    ) -> int:
        if selection_set is None or not isinstance(parent, GraphQLObjectType):
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                name = selection.name.value
                definition = parent.fields.get(name)
                if definition is None:
                    continue  # unknown or introspection fields: validation deals with them
                own = FIELD_COST.get((parent.name, name), 0)
                below = self.cost(
                    get_named_type(definition.type), selection.selection_set, visiting
                )
                total += self._items(selection) * (own + below)
            elif isinstance(selection, InlineFragmentNode):
                total += self.cost(parent, selection.selection_set, visiting)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self._fragments.get(name)
                if fragment is not None and name not in visiting:
                    total += self.cost(parent, fragment.selection_set, visiting | {name})
        return total

    def _items(self, field: FieldNode) -> int:
        """How many items `documents(uids:)` asks for; 1 for any other field."""
        if field.name.value != "documents":
            return 1
        for argument in field.arguments or ():
            if argument.name.value != "uids":
                continue
            value = argument.value
            if isinstance(value, ListValueNode):
                count = len(value.values)
            elif isinstance(value, VariableNode):
                given = self._variables.get(value.name.value)
                count = len(given) if isinstance(given, list) else 1
            else:
                count = 1
            if count > self._max_batch:
                self.oversized = max(count, self.oversized or 0)
            return count
        return 1
