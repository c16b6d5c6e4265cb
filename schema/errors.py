"""Error codes for every error, and masking: an unexpected exception reaches the client as
INTERNAL_SERVER_ERROR with the request id, and its detail goes to the log only."""

from __future__ import annotations

import structlog
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import MaskErrors

from gateway.errors import ErrorCode, GatewayError

logger = structlog.get_logger("gateway.graphql")


def is_unexpected(error: GraphQLError) -> bool:
    """Errors of the gateway's own classes and GraphQL's own (syntax, validation) are shown;
    anything else raised while resolving is a bug whose text may hold anything."""
    original = error.original_error
    return original is not None and not isinstance(original, GatewayError | GraphQLError)


class MaskUnexpectedErrors(MaskErrors):
    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected, error_message="Internal server error.")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        logger.error("graphql.unexpected_error", path=error.path, exc_info=error.original_error)
        masked = super().anonymise_error(error)
        request_id = getattr(self.execution_context.context, "request_id", "")
        masked.extensions = {"code": ErrorCode.INTERNAL_SERVER_ERROR.value}
        if request_id:
            masked.extensions["requestId"] = request_id
            masked.message = f"Internal server error (request {request_id})."
        return masked


_TOKEN_LIMIT = "Document contains more than"


def assign_code(error: GraphQLError) -> None:
    """Give an error without a code the one that fits: GraphQL's own errors (syntax,
    validation, variables) are BAD_USER_INPUT, the parser's token limit QUERY_TOO_COMPLEX."""
    if error.extensions and "code" in error.extensions:
        return
    if error.original_error is not None and not isinstance(error.original_error, GraphQLError):
        return  # unexpected: masked as INTERNAL_SERVER_ERROR
    code = (
        ErrorCode.QUERY_TOO_COMPLEX if _TOKEN_LIMIT in error.message else ErrorCode.BAD_USER_INPUT
    )
    error.extensions = {**(error.extensions or {}), "code": code.value}


class NoIntrospection(NoSchemaIntrospectionCustomRule):
    """GATEWAY_INTROSPECTION=false: `__schema` and `__type` are refused, with a code."""

    def report_error(self, error: GraphQLError) -> None:
        super().report_error(
            GraphQLError(
                "introspection is switched off on this gateway",
                error.nodes,
                extensions={"code": ErrorCode.FORBIDDEN.value},
            )
        )
