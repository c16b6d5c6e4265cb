"""Resolvers of plain fields called directly by graphql-core.

Strawberry wraps every resolver in a chain made for the general case: it converts the
arguments, runs the field's extensions and exception handlers, and injects `self`, `root`,
`parent` and `info` as the resolver's signature asks, in six Python calls per field. A
resolver that takes `self`, `info` and at most arguments of scalar types (or lists of them),
on a field with no extension, needs none of it but the `Info` and the arguments under their
Python names; `latestRevision`, `businessStatus` and the like are such fields, and they run
once per document of a list. Each gets, as graphql-core's resolver, a function that makes
the same `Info` and converts the arguments as Strawberry does (a scalar as it is, a list
copied) and calls it: what Strawberry's chain ends in, without the chain. Strawberry's own
fields (input objects, enums, extensions, handlers) keep its resolvers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLField, GraphQLObjectType, GraphQLResolveInfo
from strawberry.relay import GlobalID
from strawberry.scalars import is_scalar
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.base import StrawberryList, StrawberryMaybe, StrawberryOptional
from strawberry.types.field import StrawberryField


def call_resolvers_directly(schema: strawberry.Schema) -> int:
    """Makes each eligible field of `schema` call its resolver directly; how many did."""
    if schema.exception_handlers:
        return 0  # a handler may apply to any field: Strawberry's chain runs them
    count = 0
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        for graphql_field in graphql_type.fields.values():
            direct = _direct(graphql_field, schema)
            if direct is not None:
                graphql_field.resolve = direct
                count += 1
    return count


def _direct(graphql_field: GraphQLField, schema: strawberry.Schema) -> Callable[..., Any] | None:
    field = (graphql_field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(field, StrawberryField):
        return None
    resolver = field.base_resolver
    if (
        resolver is None
        or field.extensions
        or field.is_subscription
        or resolver.root_parameter is not None
        or resolver.parent_parameter is not None
        or resolver.self_parameter is None
        or resolver.info_parameter is None
        or not callable(resolver.wrapped_func)
    ):
        return None
    converters = _argument_converters(field, schema)
    if converters is None:
        return None
    function = resolver.wrapped_func
    info_name = resolver.info_parameter.name
    info_class = schema.config.info_class

    if not converters:

        def resolve(source: Any, info: GraphQLResolveInfo[Any]) -> Any:
            return function(source, **{info_name: info_class(_raw_info=info, _field=field)})

        return resolve

    def resolve_with_arguments(source: Any, info: GraphQLResolveInfo[Any], **given: Any) -> Any:
        arguments = {info_name: info_class(_raw_info=info, _field=field)}
        for graphql_name, value in given.items():
            python_name, convert = converters[graphql_name]
            arguments[python_name] = convert(value)
        return function(source, **arguments)

    return resolve_with_arguments


#: An argument's Python name, and how its value from graphql-core is converted for it.
Converter = tuple[str, Callable[[Any], Any]]


def _argument_converters(
    field: StrawberryField, schema: strawberry.Schema
) -> dict[str, Converter] | None:
    """By GraphQL name, each argument's converter; None when one is not a scalar or a list
    of scalars (an input object, an enum, a `Maybe`...: Strawberry's chain converts it)."""
    registry = schema.schema_converter.scalar_registry
    converters: dict[str, Converter] = {}
    for argument in field.arguments:
        converter = _converter(argument.type, registry)
        if converter is None or argument.python_name is None:
            return None
        name = schema.config.name_converter.from_argument(argument)
        converters[name] = (argument.python_name, converter)
    return converters


def _converter(argument_type: Any, registry: Any) -> Callable[[Any], Any] | None:
    if isinstance(argument_type, StrawberryMaybe):
        return None
    if isinstance(argument_type, StrawberryOptional):
        argument_type = argument_type.of_type
    if isinstance(argument_type, StrawberryList):
        item = argument_type.of_type
        if isinstance(item, StrawberryOptional):
            item = item.of_type
        if _is_plain_scalar(item, registry):
            # Copied, as Strawberry does: graphql-core gives every request that omits the
            # value the same default list.
            return _list_copy
        return None
    return _as_is if _is_plain_scalar(argument_type, registry) else None


def _is_plain_scalar(argument_type: Any, registry: Any) -> bool:
    return argument_type is not GlobalID and is_scalar(argument_type, registry)


def _as_is(value: Any) -> Any:
    return value


def _list_copy(value: Any) -> Any:
    return None if value is None else list(value)
