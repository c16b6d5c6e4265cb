"""The GraphQL schema of the contract (section 3), assembled in one place."""

from __future__ import annotations

from typing import Any

import strawberry
import structlog
from graphql import GraphQLError
from strawberry.types import ExecutionContext

from schema.context import Context, Info
from schema.direct_resolvers import call_resolvers_directly
from schema.errors import MaskUnexpectedErrors, NoIntrospection, assign_code
from schema.limits import QueryLimits, validation_rules
from schema.operation_hooks import OperationHooks
from schema.prepared import PreparedDocuments
from schema.prepared_execution import PreparedExecution
from schema.query import Query
from schema.subscription import Subscription

__all__ = [
    "Context",
    "GatewaySchema",
    "Info",
    "PreparedExecution",
    "QueryLimits",
    "create_schema",
    "export_sdl",
]

logger = structlog.get_logger("gateway.graphql")

#: The estimated memory the prepared (parsed, validated, priced, compiled) documents may
#: hold: about 190 times what the operations of `queries/` need.
PREPARED_DOCUMENTS_BYTES = 32 * 1024 * 1024


class GatewaySchema(strawberry.Schema):
    """The contract's schema. `prepared` executes the queries whose documents were prepared
    before the short way (`schema.prepared_execution`); every other operation runs through
    Strawberry's `execute` and `stream`, with the same limits, observation and masking."""

    prepared: PreparedExecution

    async def stream(
        self,
        query: str | None,
        variable_values: Any = None,
        context_value: Any = None,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        """An operation over a WebSocket: with a context of its own (fresh loaders), not the
        connection's, which every operation on it shares."""
        if isinstance(context_value, Context):
            context_value = context_value.for_operation()
        return await super().stream(query, variable_values, context_value, *args, **kwargs)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            assign_code(error)
            # Errors are answers here (NOT_FOUND, BAD_USER_INPUT...), not incidents: one line
            # each, no traceback. Unexpected exceptions are logged in full when masked.
            logger.info(
                "graphql.error",
                code=(error.extensions or {}).get("code"),
                message=error.message,
                path=error.path,
            )


def create_schema(
    limits: QueryLimits | None = None, *, introspection: bool = True
) -> GatewaySchema:
    """A new schema object. Every query is checked against `limits` before it runs; repeated
    documents are parsed, validated and priced once (`PreparedDocuments`)."""
    limits = limits or QueryLimits()
    rules = validation_rules(limits)
    documents = PreparedDocuments(max_bytes=PREPARED_DOCUMENTS_BYTES)
    if not introspection:
        rules = (*rules, NoIntrospection)
    schema = GatewaySchema(
        query=Query,
        subscription=Subscription,
        extensions=[
            # Outermost: its observation sees the errors as masked.
            lambda: OperationHooks(limits, rules, documents),
            MaskUnexpectedErrors,
        ],
    )
    schema.prepared = PreparedExecution(schema, limits, documents)
    call_resolvers_directly(schema)
    return schema


def export_sdl() -> str:
    """The SDL, as `schema.graphql` holds it."""
    return create_schema().as_str() + "\n"
