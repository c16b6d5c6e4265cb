"""The gateway's error classes and the `extensions.code` each one carries (contract, section 3).

Every error a client can see is a `GatewayError`: its message is written for people and never
holds a stack trace, a token, a secret or a raw upstream body. graphql-core copies the
`extensions` of an exception raised in a resolver into the GraphQL error, so raising one of
these from a resolver is all it takes to answer with the right code.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

import orjson


class ErrorCode(StrEnum):
    BAD_USER_INPUT = "BAD_USER_INPUT"
    NOT_FOUND = "NOT_FOUND"
    GONE = "GONE"
    UPSTREAM_UNAVAILABLE = "UPSTREAM_UNAVAILABLE"
    UPSTREAM_AUTH_FAILED = "UPSTREAM_AUTH_FAILED"
    UPSTREAM_BAD_RESPONSE = "UPSTREAM_BAD_RESPONSE"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    RATE_LIMITED = "RATE_LIMITED"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    # Beyond the contract's list: the Automatic Persisted Queries protocol's own code.
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    # An invalidation that could not reach the shared cache (503: send it again).
    CACHE_UNAVAILABLE = "CACHE_UNAVAILABLE"


def error_document(message: str, code: ErrorCode) -> bytes:
    """A refusal's body, shaped as GraphQL errors with no `data` (nothing was executed)."""
    return orjson.dumps({"errors": [{"message": message, "extensions": {"code": code.value}}]})


class GatewayError(Exception):
    """An error whose message is safe to show to a client, with its contract code."""

    code: ClassVar[ErrorCode] = ErrorCode.INTERNAL_SERVER_ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def extensions(self) -> dict[str, str]:
        return {"code": self.code.value}


class BadUserInput(GatewayError):
    """The caller asked for something that cannot be asked: nothing was sent to ENOVIA."""

    code = ErrorCode.BAD_USER_INPUT
