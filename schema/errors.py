"""The error codes (contract, section 3), the code of each upstream error, the refusal body,
and masking: an unexpected exception reaches the client as INTERNAL_SERVER_ERROR with the
request id, and its detail goes to the log only."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

import orjson
import structlog
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import MaskErrors

import enovia


class ErrorCode(StrEnum):
    BAD_USER_INPUT = "BAD_USER_INPUT"
    NOT_FOUND = "NOT_FOUND"
    GONE = "GONE"
    UPSTREAM_UNAVAILABLE = "UPSTREAM_UNAVAILABLE"
    UPSTREAM_AUTH_FAILED = "UPSTREAM_AUTH_FAILED"
    UPSTREAM_BAD_RESPONSE = "UPSTREAM_BAD_RESPONSE"
    UNSUPPORTED_BY_UPSTREAM = "UNSUPPORTED_BY_UPSTREAM"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    RATE_LIMITED = "RATE_LIMITED"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    # Beyond the contract's list: the Automatic Persisted Queries protocol's own code.
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    # An invalidation that could not reach the shared cache (503: send it again).
    CACHE_UNAVAILABLE = "CACHE_UNAVAILABLE"


#: The code of each upstream error class (the most specific one listed wins: a class not
#: listed takes its nearest listed base's).
UPSTREAM_CODES: dict[type[Exception], ErrorCode] = {
    enovia.InvalidIdentifier: ErrorCode.BAD_USER_INPUT,
    enovia.NotFound: ErrorCode.NOT_FOUND,
    enovia.Gone: ErrorCode.GONE,
    enovia.Forbidden: ErrorCode.FORBIDDEN,
    enovia.UnsupportedByUpstream: ErrorCode.UNSUPPORTED_BY_UPSTREAM,
    enovia.UpstreamUnavailable: ErrorCode.UPSTREAM_UNAVAILABLE,
    enovia.UpstreamAuthFailed: ErrorCode.UPSTREAM_AUTH_FAILED,
    enovia.UpstreamBadResponse: ErrorCode.UPSTREAM_BAD_RESPONSE,
}


def upstream_code(error: BaseException) -> ErrorCode | None:
    """The code of an upstream error; None for anything else."""
    for cls in type(error).__mro__:
        code = UPSTREAM_CODES.get(cls)
        if code is not None:
            return code
    return None


def error_document(message: str, code: ErrorCode) -> bytes:
    """A refusal's body, shaped as GraphQL errors with no `data` (nothing was executed): the
    one builder of it, for every refusal made outside GraphQL execution."""
    return orjson.dumps({"errors": [{"message": message, "extensions": {"code": code.value}}]})


class GatewayError(Exception):
    """An error a resolver raises, whose message is safe to show to a client, with its code
    (graphql-core copies `extensions` of the exception into the GraphQL error)."""

    code: ClassVar[ErrorCode] = ErrorCode.INTERNAL_SERVER_ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def extensions(self) -> dict[str, str]:
        return {"code": self.code.value}


class BadUserInput(GatewayError):
    """The caller asked for something that cannot be asked: nothing was sent upstream."""

    code = ErrorCode.BAD_USER_INPUT


logger = structlog.get_logger("gateway.graphql")


def is_unexpected(error: GraphQLError) -> bool:
    """Errors of the gateway's own classes, the upstreams' and GraphQL's own (syntax,
    validation) are shown; anything else raised while resolving is a bug whose text may hold
    anything."""
    original = error.original_error
    if original is None or isinstance(original, GatewayError | GraphQLError):
        return False
    return upstream_code(original) is None


def masked(error: GraphQLError, request_id: str) -> GraphQLError:
    """An unexpected error as the client sees it: INTERNAL_SERVER_ERROR with the request id,
    at the same place; its detail is logged here, in full."""
    logger.error("graphql.unexpected_error", path=error.path, exc_info=error.original_error)
    extensions = {"code": ErrorCode.INTERNAL_SERVER_ERROR.value}
    message = "Internal server error."
    if request_id:
        extensions["requestId"] = request_id
        message = f"Internal server error (request {request_id})."
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )


def mask_unexpected(errors: list[GraphQLError], request_id: str) -> list[GraphQLError]:
    """`errors` with each unexpected one (`is_unexpected`) masked."""
    return [masked(error, request_id) if is_unexpected(error) else error for error in errors]


class MaskUnexpectedErrors(MaskErrors):
    """`masked` on the way out of every operation Strawberry runs (streams included)."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        return masked(error, getattr(self.execution_context.context, "request_id", ""))


_TOKEN_LIMIT = "Document contains more than"


def assign_code(error: GraphQLError) -> None:
    """Give an error without a code the one that fits: an upstream error its class's
    (`UPSTREAM_CODES`), GraphQL's own errors (syntax, validation, variables) BAD_USER_INPUT,
    the parser's token limit QUERY_TOO_COMPLEX."""
    if error.extensions and "code" in error.extensions:
        return
    original = error.original_error
    if original is not None and not isinstance(original, GraphQLError):
        code = upstream_code(original)
        if code is not None:
            error.extensions = {**(error.extensions or {}), "code": code.value}
        return  # else unexpected: masked as INTERNAL_SERVER_ERROR
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
