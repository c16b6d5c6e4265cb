"""Masking: an unexpected exception reaches the client as INTERNAL_SERVER_ERROR, no detail."""

from __future__ import annotations

import structlog
from graphql import GraphQLError
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
        logger.error(
            "graphql.unexpected_error",
            path=error.path,
            exc_info=error.original_error,
        )
        masked = super().anonymise_error(error)
        masked.extensions = {"code": ErrorCode.INTERNAL_SERVER_ERROR.value}
        return masked
