"""graphql-core's executor, keeping the subfields it collects for a prepared document.

For every object a query answers, graphql-core collects the fields selected on it (walking
the selection sets, fragments and directives of the document) and memoises the result for
the rest of that one execution. A prepared document runs again and again with the same
selections, so the short way (`schema.prepared_execution`) keeps each collection with the
document and hands it to every later execution: on the warm single-document query, this
collecting (and the named tuples it makes) was 7% of the gateway's CPU per request.

Only where the collection cannot depend on the request: a document whose `@skip`/`@include`
take a variable, or whose fragments declare variables, collects afresh every time.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    BREAK,
    DirectiveNode,
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLObjectType,
    VariableNode,
    Visitor,
    visit,
)
from graphql.execution.collect_fields import CollectedFields, FieldDetailsList
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

#: A document's collected subfields: by the object type and the nodes of the fields asked.
Collected = dict[tuple[GraphQLObjectType, tuple[int, ...]], CollectedFields]


class PlannedExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, with `collected` (the document's kept collections, filled as
    they are made; None: collect as graphql-core does)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._collected: Collected | None = kwargs.pop("collected", None)
        super().__init__(*args, **kwargs)

    def collect_subfields(
        self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> CollectedFields:
        collected = self._collected
        if collected is None:
            return super().collect_subfields(return_type, field_details_list)
        # The nodes are the prepared document's own, alive as long as it is kept, and so
        # is this cache: their ids name the same fields for every execution of it.
        key = (return_type, tuple(id(details.node) for details in field_details_list))
        kept = collected.get(key)
        if kept is None:
            kept = collected[key] = super().collect_subfields(return_type, field_details_list)
        return kept


def selections_fixed(document: DocumentNode) -> bool:
    """Whether the fields `document` selects are the same whatever its variables: no
    directive takes a variable, no fragment declares one."""
    finder = _VariableSelections()
    visit(document, finder)
    return not finder.found


class _VariableSelections(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def enter_fragment_definition(self, node: FragmentDefinitionNode, *_: Any) -> Any:
        if node.variable_definitions:
            self.found = True
            return BREAK
        return None

    def enter_directive(self, node: DirectiveNode, *_: Any) -> Any:
        for argument in node.arguments or ():
            if _holds_variable(argument.value):
                self.found = True
                return BREAK
        return None


def _holds_variable(value: Any) -> bool:
    if isinstance(value, VariableNode):
        return True
    inner = getattr(value, "values", None) or getattr(value, "fields", None) or ()
    return any(_holds_variable(getattr(item, "value", item)) for item in inner)
