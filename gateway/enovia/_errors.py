"""Errors of the ENOVIA client, one class per way a call can end without data."""

from __future__ import annotations

from gateway.errors import BadUserInput, ErrorCode, GatewayError


class InvalidIdentifier(BadUserInput):
    """An identifier that cannot be sent to ENOVIA as one path segment; no request was made."""


class EnoviaError(GatewayError):
    """A call to ENOVIA that gave no usable answer."""


class NotFound(EnoviaError):
    code = ErrorCode.NOT_FOUND


class Gone(EnoviaError):
    code = ErrorCode.GONE


class Forbidden(EnoviaError):
    """ENOVIA accepted the gateway's token but does not let it read this resource."""

    code = ErrorCode.FORBIDDEN


class UpstreamUnavailable(EnoviaError):
    """5xx, 429, timeouts, network errors, an open circuit: worth trying again later.

    `retry_after` holds ENOVIA's Retry-After in seconds when it sent one.
    """

    code = ErrorCode.UPSTREAM_UNAVAILABLE

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UpstreamAuthFailed(EnoviaError):
    """ENOVIA refuses the gateway's credentials, even with a fresh token."""

    code = ErrorCode.UPSTREAM_AUTH_FAILED


class UpstreamBadResponse(EnoviaError):
    """ENOVIA answered, but not with what the contract says (bad JSON, a wrong or missing field)."""

    code = ErrorCode.UPSTREAM_BAD_RESPONSE


class RateLimited(UpstreamUnavailable):
    """ENOVIA answered 429: it is up, and asks to be called less."""
