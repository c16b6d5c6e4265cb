"""Resolvers without arguments called directly by graphql-core.

Strawberry wraps every resolver in a chain made for the general case: it converts the
arguments, runs the field's extensions and exception handlers, and injects `self`, `root`,
`parent` and `info` as the resolver's signature asks, in six Python calls per field. A
resolver that takes no argument but `self` and `info`, on a field with no extension, needs
none of it but the `Info`; `latestRevision`, `businessStatus` and the like are such fields, and
they run once per document of a list. Each gets, as graphql-core's resolver, a function
that makes the same `Info` and calls it: what Strawberry's chain ends in, without the chain.
Strawberry's own fields (arguments, extensions, handlers) keep its resolvers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLField, GraphQLObjectType, GraphQLResolveInfo
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField


def call_resolvers_directly(schema: strawberry.Schema) -> int:
    """Makes each eligible field of `schema` call its resolver directly; how many did."""
    if schema.exception_handlers:
        return 0  # a handler may apply to any field: Strawberry's chain runs them
    info_class = schema.config.info_class
    count = 0
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        for graphql_field in graphql_type.fields.values():
            direct = _direct(graphql_field, info_class)
            if direct is not None:
                graphql_field.resolve = direct
                count += 1
    return count


def _direct(graphql_field: GraphQLField, info_class: type[Any]) -> Callable[..., Any] | None:
    field = (graphql_field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(field, StrawberryField):
        return None
    resolver = field.base_resolver
    if (
        resolver is None
        or field.extensions
        or field.arguments
        or field.is_subscription
        or resolver.root_parameter is not None
        or resolver.parent_parameter is not None
        or resolver.self_parameter is None
        or resolver.info_parameter is None
        or not callable(resolver.wrapped_func)
    ):
        return None
    function = resolver.wrapped_func
    info_name = resolver.info_parameter.name

    def resolve(source: Any, info: GraphQLResolveInfo[Any]) -> Any:
        return function(source, **{info_name: info_class(_raw_info=info, _field=field)})

    return resolve
