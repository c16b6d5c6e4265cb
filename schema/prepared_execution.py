"""A query whose document is already prepared, executed straight on graphql-core.

Strawberry's `Schema.execute` sets up, per operation, an execution context, its extensions and
their runner, a middleware manager, and a hook wrapper around each step; for a document parsed,
validated and priced before, none of those steps has anything left to do but the limits and
the observation. Here they are the same functions the full path runs (`schema.operation_hooks`),
called directly: the limits with the request's variables, the observation (metrics, span),
the errors' codes and log lines (`GatewaySchema.process_errors`), and masking. Anything else
(a new or invalid document, an unknown operation name, a mutation or subscription, a refusal)
is left to the full path, so that it is answered exactly as before.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from inspect import isawaitable
from typing import TYPE_CHECKING, Any, TypeGuard, cast

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import OperationType
from graphql.execution import execute
from strawberry.execution import optimized_is_awaitable
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType as StrawberryOperationType

from schema.compiled_query import CompiledQuery
from schema.errors import mask_unexpected
from schema.limits import QueryLimits, over_limits
from schema.observability import observed
from schema.planned_executor import PlannedExecutor
from schema.prepared import Prepared, PreparedDocuments

if TYPE_CHECKING:
    from schema import GatewaySchema

_QUERY_ONLY = (StrawberryOperationType.QUERY,)
# Strawberry's check, as its own `execute` passes it (typed there as a plain bool).
_IS_AWAITABLE = cast("Callable[[Any], TypeGuard[Awaitable[Any]]]", optimized_is_awaitable)


class PreparedExecution:
    """The short way for `schema`'s queries whose documents `documents` holds."""

    def __init__(
        self, schema: GatewaySchema, limits: QueryLimits, documents: PreparedDocuments
    ) -> None:
        self._schema = schema
        self._limits = limits
        self._documents = documents

    def ready(
        self, query: str, operation_name: str | None, variables: Mapping[str, Any] | None
    ) -> Prepared | None:
        """The prepared document when this operation can take the short way: a query of a
        document validated before without errors, within the limits with these variables.
        None sends it the full way."""
        prepared = self._documents.get(query)
        if prepared is None or prepared.errors is None or prepared.errors:
            return None
        if prepared.operation_type(operation_name) is not OperationType.QUERY:
            return None
        plan = prepared.plan(self._schema._schema, operation_name)
        if plan is not None and over_limits(self._limits, plan, variables or {}) is not None:
            return None
        return prepared

    async def execute(
        self,
        prepared: Prepared,
        query: str,
        *,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        extensions: dict[str, Any] | None,
        context: Any,
    ) -> ExecutionResult:
        """The operation's result, errors coded and masked, as Strawberry's `execute` would
        answer it (`ready` said it may take this way)."""
        execution = ExecutionContext(
            query=query,
            schema=self._schema,
            allowed_operations=_QUERY_ONLY,
            context=context,
            variables=variables,
            provided_operation_name=operation_name,
            operation_extensions=extensions,
        )
        execution.graphql_document = prepared.document
        observation = observed(execution)
        next(observation)
        try:
            planned = self._planned(prepared, context, variables, operation_name, extensions)
            outcome = (
                planned
                if planned is not None
                else execute(
                    self._schema._schema,
                    prepared.document,
                    context_value=context,
                    variable_values=variables,
                    operation_name=operation_name,
                    is_awaitable=_IS_AWAITABLE,
                    executor_class=PlannedExecutor,
                    operation_extensions=extensions,
                    collected=prepared.collected,
                )
            )
            if isawaitable(outcome):
                outcome = await outcome
            errors = outcome.errors
            if errors:
                self._schema.process_errors(errors, execution)
                errors = mask_unexpected(errors, getattr(context, "request_id", ""))
            result = ExecutionResult(data=outcome.data, errors=errors)
            execution.result = result
        except BaseException as error:
            observation.throw(error)
            raise
        next(observation, None)
        return result

    def _planned(
        self,
        prepared: Prepared,
        context: Any,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        extensions: dict[str, Any] | None,
    ) -> GraphQLExecutionResult | None:
        """The result of the operation's compiled plan when it answers this execution whole;
        None: graphql-core executes it. Only a document whose selections do not depend on its
        variables has plans (`prepared.collected` is kept)."""
        if prepared.collected is None:
            return None
        plans = prepared.compiled
        if operation_name in plans:
            plan = plans[operation_name]
        else:
            executor = PlannedExecutor.build(
                self._schema._schema,
                prepared.document,
                None,
                context,
                variables,
                operation_name,
                is_awaitable=_IS_AWAITABLE,
                operation_extensions=extensions,
            )
            if isinstance(executor, list):
                return None  # variables that do not fit: graphql-core tells why
            plan = plans[operation_name] = CompiledQuery.compile(executor)
        data = None if plan is None else plan.run(context, variables, extensions)
        return None if data is None else GraphQLExecutionResult(data, None)
