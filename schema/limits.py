"""Query limits, each checked before any ENOVIA call: tokens (while parsing), depth and aliases
(validation, cached with it), and the query's cost and batch sizes (with its variables)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)
from strawberry.types import ExecutionContext

from schema.cost import CostPlan, plan_cost
from schema.errors import ErrorCode
from schema.prepared import PreparedDocuments


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
            depth = _Depth(self.context).of(node.selection_set)
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


class _Depth:
    """The depth of selection sets, each fragment measured once (memoised), so that a
    fragment spread many times, or fragments spreading each other, cost one visit."""

    def __init__(self, context: ValidationContext) -> None:
        self._context = context
        self._fragments: dict[str, int] = {}
        self._measuring: set[str] = set()

    def of(self, selection_set: SelectionSetNode | None) -> int:
        if selection_set is None:
            return 0
        deepest = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value.startswith("__"):
                    continue  # introspection: switched off as a whole, not limited by depth
                deepest = max(deepest, 1 + self.of(selection.selection_set))
            elif isinstance(selection, InlineFragmentNode):
                deepest = max(deepest, self.of(selection.selection_set))
            elif isinstance(selection, FragmentSpreadNode):
                deepest = max(deepest, self._fragment(selection.name.value))
        return deepest

    def _fragment(self, name: str) -> int:
        known = self._fragments.get(name)
        if known is not None:
            return known
        fragment = self._context.get_fragment(name)
        if fragment is None or name in self._measuring:
            return 0  # unknown fragments and cycles are other rules' to refuse
        self._measuring.add(name)
        depth = self.of(fragment.selection_set)
        self._measuring.discard(name)
        self._fragments[name] = depth
        return depth


def apply_limit_rules(context: ExecutionContext, rules: tuple[type[ValidationRule], ...]) -> None:
    """At an operation's start (`schema.operation_hooks`): its validation applies `rules`
    (depth, aliases), cached with the validation."""
    context.validation_rules = context.validation_rules + rules


def limit_tokens(context: ExecutionContext, limits: QueryLimits) -> None:
    """Before parsing: the parser stops at `limits.max_tokens`."""
    context.parse_options["max_tokens"] = limits.max_tokens


def refuse_over_limits(
    context: ExecutionContext, limits: QueryLimits, documents: PreparedDocuments
) -> None:
    """Just before execution, when the variables are known: a query whose batch sizes or cost
    are over `limits` gets its refusal as its result, and is not executed."""
    document = context.graphql_document
    if document is None or context.result is not None:
        return
    schema, operation = context.schema._schema, context.operation_name
    prepared = documents.get(context.query)
    plan = (
        prepared.plan(schema, operation)
        if prepared is not None
        else plan_cost(schema, document, operation)  # too large a text to keep
    )
    error = over_limits(limits, plan, context.variables or {}) if plan is not None else None
    if error is not None:
        context.result = ExecutionResult(data=None, errors=[error])


def over_limits(
    limits: QueryLimits, plan: CostPlan, variables: Mapping[str, Any]
) -> GraphQLError | None:
    """The refusal of an operation whose batch sizes or cost with `variables` are over
    `limits`; None when it is within them."""
    largest = plan.largest_batch(variables)
    if largest is not None and largest[1] > limits.max_batch:
        batch, size = largest
        return GraphQLError(
            f"{batch.field} asks for {size} {batch.argument}; at most "
            f"{limits.max_batch} are allowed",
            extensions={"code": ErrorCode.BAD_USER_INPUT.value},
        )
    cost = plan.price(variables)
    if cost > limits.max_cost:
        return too_complex(
            f"the query could cost {cost} ENOVIA calls; at most {limits.max_cost} "
            "(each document, revision, latest revision, and actuality (2) counts, "
            "documents once per uid, including uids of variables' defaults)"
        )
    return None
