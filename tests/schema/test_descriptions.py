"""Every element of the schema that GraphiQL shows says what it is, in words for someone who
knows PLM but not this project: each type (object, input, enum, scalar of ours), field,
argument, input field and enum value has a description, and none uses internal jargon."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    is_introspection_type,
    is_specified_directive,
    is_specified_scalar_type,
)

from schema import create_schema, export_sdl

#: Words that mean something inside the project only ("the seed": the specification the
#: gateway was first built from).
JARGON = re.compile(r"\bseed", re.IGNORECASE)


@pytest.fixture(scope="module")
def graphql_schema() -> GraphQLSchema:
    return create_schema()._schema


def described_elements(schema: GraphQLSchema) -> Iterator[tuple[str, str | None]]:
    """(coordinate, description) of every element a client sees: our types (not GraphQL's
    own scalars, not the introspection types) with their fields, arguments, input fields and
    enum values, and our directives with their arguments."""
    for name, named in sorted(schema.type_map.items()):
        if name.startswith("__") or is_introspection_type(named):
            continue
        if isinstance(named, GraphQLScalarType) and is_specified_scalar_type(named):
            continue
        yield from _type_elements(named)
    for directive in schema.directives:
        if is_specified_directive(directive):
            continue
        yield f"@{directive.name}", directive.description
        for arg_name, arg in directive.args.items():
            yield f"@{directive.name}({arg_name}:)", arg.description


def _type_elements(named: GraphQLNamedType) -> Iterator[tuple[str, str | None]]:
    yield named.name, named.description
    if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
        for field_name, field in named.fields.items():
            yield f"{named.name}.{field_name}", field.description
            for arg_name, arg in field.args.items():
                yield f"{named.name}.{field_name}({arg_name}:)", arg.description
    elif isinstance(named, GraphQLInputObjectType):
        for field_name, input_field in named.fields.items():
            yield f"{named.name}.{field_name}", input_field.description
    elif isinstance(named, GraphQLEnumType):
        for value_name, value in named.values.items():
            yield f"{named.name}.{value_name}", value.description
    else:
        assert isinstance(named, GraphQLScalarType | GraphQLUnionType), named


def test_the_walk_covers_every_root_and_kind_of_element(graphql_schema: GraphQLSchema):
    coordinates = {coordinate for coordinate, _ in described_elements(graphql_schema)}
    assert graphql_schema.subscription_type is not None
    for expected in [
        "Query",
        "Query.actuality(uid:)",
        "Subscription",
        "Subscription.actualityChanged(revision:)",
        "Subscription.documentChanged(uids:)",
        "RevisionRef.uid",
        "ActualityReason.UNCONFIRMED",
        "Freshness.STALE",
        "DateTime",
        "Document.title",
        "BusinessStatus.label(lang:)",
    ]:
        assert expected in coordinates, expected
    assert "String" not in coordinates  # GraphQL's own scalars are described by GraphQL
    assert not any(coordinate.startswith("__") for coordinate in coordinates)


def test_every_type_field_argument_and_enum_value_is_described(graphql_schema: GraphQLSchema):
    undescribed = [
        coordinate
        for coordinate, description in described_elements(graphql_schema)
        if not (description and description.strip())
    ]
    assert not undescribed, "undescribed in the schema: " + ", ".join(undescribed)


def test_no_description_uses_internal_jargon(graphql_schema: GraphQLSchema):
    jargon = [
        f"{coordinate}: {description!r}"
        for coordinate, description in described_elements(graphql_schema)
        if description and JARGON.search(description)
    ]
    assert not jargon, "internal jargon in public descriptions:\n" + "\n".join(jargon)


def test_the_exported_sdl_has_no_internal_jargon():
    assert not JARGON.search(export_sdl())


@pytest.mark.parametrize(
    "coordinate",
    [
        "Query.document(uid:)",
        "Query.actuality(uid:)",
        "Subscription.actualityChanged(uid:)",
        "RevisionRef.uid",
    ],
)
def test_a_uid_says_what_a_qr_code_carries_on_both_upstreams(
    graphql_schema: GraphQLSchema, coordinate: str
):
    description = dict(described_elements(graphql_schema))[coordinate] or ""
    assert "QR code" in description
    assert "3DEXPERIENCE" in description
    assert "physical id" in description


def test_health_gives_the_real_default_interval(graphql_schema: GraphQLSchema):
    assert graphql_schema.query_type is not None
    description = graphql_schema.query_type.fields["health"].description or ""
    assert "GATEWAY_HEALTH_CHECK_INTERVAL" in description
    assert "30" in description
    assert "few seconds" not in description
