"""What an operation may cost ENOVIA, worked out once per distinct document and then priced
for each request's variables.

The cost is an upper bound on the resources an operation loads, before deduplication: each
field of `FIELD_COST` counts, times the number of items of the list argument that fans it
out (`documents(uids:)`), whether that list is written in the query, sent as a variable, or
left to the variable's default. Working it out visits each fragment once per type it is
spread in, however often it is spread, so it is linear in the document's size: a document of
nested fragments that each spread the next twice is priced as fast as it is parsed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from math import prod
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    ListValueNode,
    NullValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
)

#: What one field may cost ENOVIA: the resources it loads (an actuality: a revision and the
#: latest released one; its own latestRevision is that same one). Fields not listed load
#: nothing of their own.
FIELD_COST = {
    ("Query", "document"): 1,
    ("Query", "documents"): 1,
    ("Query", "actuality"): 2,
    ("Query", "actualities"): 2,
    # Per event: what is watched (and what each event is built from).
    ("Subscription", "actualityChanged"): 2,
    ("Subscription", "documentChanged"): 2,
    ("Document", "latestRevision"): 1,
    ("Document", "revision"): 1,
    ("Document", "revisions"): 1,
    ("Actuality", "document"): 1,
}

#: Fields that load once per item of a list argument (the argument's name): they, and what
#: is selected below them, cost once per item; `GATEWAY_MAX_BATCH` bounds the items.
FAN_OUT = {
    ("Query", "documents"): "uids",
    ("Query", "actualities"): "items",
    ("Subscription", "documentChanged"): "uids",
}

#: A product of variables' item counts (empty: a constant).
Monomial = tuple[str, ...]
#: A cost as a polynomial of the variables' item counts: monomial -> coefficient.
Polynomial = dict[Monomial, int]


@dataclass(frozen=True, slots=True)
class Batch:
    """The items one fanning-out field asks for in `argument`: `count` literal items, or
    those of the variable."""

    field: str
    argument: str
    count: int | None
    variable: str | None


@dataclass(frozen=True, slots=True)
class CostPlan:
    """One operation's cost as a function of its variables, and its batches to check."""

    cost: Mapping[Monomial, int]
    batches: tuple[Batch, ...]
    #: The item count of each variable's default (for those with a default).
    defaults: Mapping[str, int]

    def items(self, variable: str, variables: Mapping[str, Any]) -> int:
        """How many items `variable` holds in a request: what was sent, else its default."""
        if variable in variables:
            return _items_sent(variables[variable])
        return self.defaults.get(variable, 0)

    def price(self, variables: Mapping[str, Any]) -> int:
        return sum(
            coefficient * prod(self.items(name, variables) for name in monomial)
            for monomial, coefficient in self.cost.items()
        )

    def largest_batch(self, variables: Mapping[str, Any]) -> tuple[Batch, int] | None:
        """The largest batch and its size, or None when there is none."""
        sizes = [
            (batch, self.items(batch.variable, variables) if batch.variable else batch.count or 0)
            for batch in self.batches
        ]
        return max(sizes, key=lambda size: size[1], default=None)


def plan_cost(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None
) -> CostPlan | None:
    """The cost plan of the operation a request runs; None when there is no such operation
    (graphql-core reports that itself)."""
    operation = _operation(document, operation_name)
    root = schema.query_type
    if operation is None or root is None:
        return None
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    pricing = _Pricing(fragments)
    cost = pricing.selection(root, operation.selection_set)
    defaults = {
        definition.variable.name.value: _items_written(definition.default_value)
        for definition in operation.variable_definitions or ()
        if definition.default_value is not None
    }
    return CostPlan(
        {monomial: c for monomial, c in cost.items() if c}, tuple(pricing.batches), defaults
    )


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((op for op in operations if op.name and op.name.value == name), None)


def _items_sent(value: Any) -> int:
    # A single value where a list is expected is coerced into a list of one.
    if isinstance(value, list):
        return len(value)
    return 0 if value is None else 1


def _items_written(value: ValueNode | None) -> int:
    if isinstance(value, ListValueNode):
        return len(value.values)
    return 0 if value is None or isinstance(value, NullValueNode) else 1


class _Pricing:
    """Prices selection sets; each fragment once per parent type (memoised)."""

    def __init__(self, fragments: Mapping[str, FragmentDefinitionNode]) -> None:
        self._fragments = fragments
        self._priced: dict[tuple[str, str], Polynomial] = {}
        self._pricing: set[tuple[str, str]] = set()
        self.batches: list[Batch] = []

    def selection(
        self, parent: GraphQLNamedType | None, selection_set: SelectionSetNode | None
    ) -> Polynomial:
        total: Polynomial = {}
        if selection_set is None or not isinstance(parent, GraphQLObjectType):
            return total
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                _add(total, self._field(parent, selection))
            elif isinstance(selection, InlineFragmentNode):
                _add(total, self.selection(parent, selection.selection_set))
            elif isinstance(selection, FragmentSpreadNode):
                _add(total, self._fragment(parent, selection.name.value))
        return total

    def _field(self, parent: GraphQLObjectType, field: FieldNode) -> Polynomial:
        name = field.name.value
        definition = parent.fields.get(name)
        if definition is None:
            return {}  # unknown or introspection fields: validation deals with them
        own = FIELD_COST.get((parent.name, name), 0)
        cost = self.selection(get_named_type(definition.type), field.selection_set)
        if own:
            _add(cost, {(): own})
        argument = FAN_OUT.get((parent.name, name))
        if argument is None:
            return cost
        value = next((a.value for a in field.arguments or () if a.name.value == argument), None)
        if isinstance(value, VariableNode):
            variable = value.name.value
            self.batches.append(Batch(name, argument, None, variable))
            return {tuple(sorted((*m, variable))): c for m, c in cost.items()}
        count = _items_written(value)
        self.batches.append(Batch(name, argument, count, None))
        return {m: c * count for m, c in cost.items()}

    def _fragment(self, parent: GraphQLObjectType, name: str) -> Polynomial:
        key = (name, parent.name)
        known = self._priced.get(key)
        if known is not None:
            return known
        fragment = self._fragments.get(name)
        if fragment is None or key in self._pricing:
            return {}  # unknown fragments and cycles are other rules' to refuse
        self._pricing.add(key)
        priced = self.selection(parent, fragment.selection_set)
        self._pricing.discard(key)
        self._priced[key] = priced
        return priced


def _add(total: Polynomial, more: Mapping[Monomial, int]) -> None:
    for monomial, coefficient in more.items():
        total[monomial] = total.get(monomial, 0) + coefficient
