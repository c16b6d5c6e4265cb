"""Before any load, the strictest `maxAge` each document is asked with in the operation.

Within one response every ENOVIA resource has one value, the freshest any field asks for
(a document's latest revision must not be B in `actuality` and A in `document`). Fields are
resolved one after another, so the first to ask must already load fresh enough for all: the
root fields that take a `maxAge` are read up front and declared to the request's loaders.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    ObjectValueNode,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
    VariableNode,
)

from schema.context import Info
from schema.lookahead import raw_info

#: The root fields whose `maxAge` argument narrows what their documents' data may be.
FIELDS_WITH_MAX_AGE = ("actuality", "actualities")


def declare_max_ages(info: Info) -> None:
    """Declare to the request's loaders, once per request, every document's strictest
    `maxAge` among the operation's root fields (their default when not given)."""
    context = info.context
    if context.max_ages_declared:
        return
    context.max_ages_declared = True
    raw = raw_info(info)
    if raw.operation.selection_set is None:
        return
    # graphql-core 3.3 wraps the coerced values (`.coerced`); 3.2 gives them as they are.
    raw_variables: Any = raw.variable_values
    variables: dict[str, Any] = getattr(raw_variables, "coerced", raw_variables)
    for node in _root_fields(raw.operation.selection_set, raw.fragments, set()):
        if node.name.value not in FIELDS_WITH_MAX_AGE:
            continue
        arguments = {arg.name.value: _value(arg.value, variables) for arg in node.arguments or ()}
        max_age = arguments.get("maxAge")
        if max_age is None:
            max_age = context.actuality_max_age
        # A bad argument is left for the field itself to refuse, with its own message.
        if not isinstance(max_age, int) or max_age < 0:
            continue
        document = _selects(node, "document", raw.fragments)
        for uid in _uids(arguments):
            context.loaders.require_max_age(uid, max_age, document=document)


def _uids(arguments: dict[str, object]) -> Iterator[str]:
    """The documents a root field asks about: `actuality`'s `uid`, each of `actualities`'
    `items`."""
    uid = arguments.get("uid")
    if isinstance(uid, str | int):
        yield str(uid)
    items = arguments.get("items")
    if isinstance(items, dict):
        items = [items]  # a single item where a list is due is coerced into a list of one
    if isinstance(items, list):
        for item in items:
            uid = item.get("uid") if isinstance(item, dict) else None
            if isinstance(uid, str | int):
                yield str(uid)


def _value(node: ValueNode, variables: dict[str, Any]) -> object:
    """The value of an argument of the kinds `uid`, `maxAge` and `items` take (ID, Int, a
    list of objects): a variable's (already coerced), or a literal's; None for anything
    else."""
    if isinstance(node, VariableNode):
        return variables.get(node.name.value)  # input objects coerced as dicts
    if isinstance(node, IntValueNode):
        return int(node.value)
    if isinstance(node, StringValueNode):
        return node.value
    if isinstance(node, ListValueNode):
        return [_value(item, variables) for item in node.values]
    if isinstance(node, ObjectValueNode):
        return {field.name.value: _value(field.value, variables) for field in node.fields}
    return None


def _selects(node: FieldNode, child: str, fragments: dict[str, FragmentDefinitionNode]) -> bool:
    if node.selection_set is None:
        return False
    return any(
        field.name.value == child for field in _root_fields(node.selection_set, fragments, set())
    )


def _root_fields(
    selection_set: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    seen: set[str],
) -> Iterator[FieldNode]:
    """The fields of a selection, through fragments (each fragment read once)."""
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _root_fields(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in seen:
                seen.add(name)
                yield from _root_fields(fragment.selection_set, fragments, seen)
