"""Look-ahead: does a field's selection ask for a given child field? (fragments included)"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLResolveInfo,
    InlineFragmentNode,
    SelectionSetNode,
)


def raw_info(info: strawberry.Info[Any, Any]) -> GraphQLResolveInfo[Any]:
    """graphql-core's info behind Strawberry's: the field's nodes, the fragments, the coerced
    variables, which Strawberry's public `Info` does not offer (read here only)."""
    return info._raw_info


def selects(
    info: strawberry.Info[Any, Any], child: str, *, within: tuple[str, ...] | None = None
) -> bool:
    """True when the field being resolved selects `child` directly, in any of its nodes;
    with `within`, only when that child itself selects one of those fields."""
    raw = raw_info(info)
    return any(
        _in_selection(node.selection_set, child, raw.fragments, within) for node in raw.field_nodes
    )


def _in_selection(
    selection_set: SelectionSetNode | None,
    child: str,
    fragments: dict[str, FragmentDefinitionNode],
    within: tuple[str, ...] | None = None,
) -> bool:
    if selection_set is None:
        return False
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.name.value == child and (
                within is None
                or any(_in_selection(selection.selection_set, name, fragments) for name in within)
            ):
                return True
        elif isinstance(selection, InlineFragmentNode):
            if _in_selection(selection.selection_set, child, fragments, within):
                return True
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None and _in_selection(
                fragment.selection_set, child, fragments, within
            ):
                return True
    return False
