"""The GraphQL schema of the contract (section 3), assembled in one place."""

from __future__ import annotations

import strawberry
import structlog
from graphql import GraphQLError
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.types import ExecutionContext

from schema.context import Context, Info
from schema.errors import MaskUnexpectedErrors, NoIntrospection, assign_code
from schema.limits import QueryLimits, QueryLimitsExtension, cost_plans, validation_rules
from schema.observability import OperationMetrics
from schema.query import Query

__all__ = ["Context", "Info", "QueryLimits", "create_schema", "export_sdl"]

logger = structlog.get_logger("gateway.graphql")

#: Distinct documents whose parse, validation and cost plan are kept.
DOCUMENTS_CACHED = 1024


class GatewaySchema(strawberry.Schema):
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
) -> strawberry.Schema:
    """A new schema object. Every query is checked against `limits` before it runs; parse and
    validation results of repeated queries are cached."""
    limits = limits or QueryLimits()
    rules = validation_rules(limits)
    plans = cost_plans(maxsize=DOCUMENTS_CACHED)
    if not introspection:
        rules = (*rules, NoIntrospection)
    return GatewaySchema(
        query=Query,
        extensions=[
            lambda: QueryLimitsExtension(limits, rules, plans),
            lambda: ParserCache(maxsize=DOCUMENTS_CACHED),
            lambda: ValidationCache(maxsize=DOCUMENTS_CACHED),
            MaskUnexpectedErrors,
            OperationMetrics,
        ],
    )


def export_sdl() -> str:
    """The SDL, as `schema.graphql` holds it."""
    return create_schema().as_str() + "\n"
