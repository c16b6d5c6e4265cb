"""Errors of the upstreams, one class per way a call can end without data.

They know nothing of GraphQL: `schema.errors` decides which error code each one gets. Each
`message` is written for the gateway's clients and never holds a token, a secret or a raw
upstream body; a URL it names (the one that failed, for the operator) has neither a query nor
credentials.
"""

from __future__ import annotations

from typing import ClassVar


class EnoviaError(Exception):
    """A call to an upstream that gave no usable answer. `outcome` names the way it ended,
    as the call's log line and metrics say it.

    For the operator (logs, detailed health), where known: `url`, the URL tried (scheme,
    host, path: never a query, which may carry a ticket, nor credentials); `status`, the
    HTTP status of the answer that ended it; `cause`, why no answer came ("Connection
    refused", a TLS or DNS failure).
    """

    outcome: ClassVar[str] = "error"

    def __init__(
        self,
        message: str,
        *,
        url: str | None = None,
        status: int | None = None,
        cause: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.url = url
        self.status = status
        self.cause = cause


class InvalidIdentifier(ValueError):
    """An identifier that cannot be sent to the upstream as it is; no request was made (so
    not an `EnoviaError`: nothing failed upstream)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(EnoviaError):
    """The upstream has no such document or revision."""

    outcome = "not_found"


class Gone(EnoviaError):
    """The upstream had the document and deleted it."""

    outcome = "gone"


class Forbidden(EnoviaError):
    """The upstream accepted the gateway's credentials but does not let it read this."""

    outcome = "forbidden"


class UnsupportedByUpstream(EnoviaError):
    """This upstream has no call for what was asked."""

    outcome = "unsupported_by_upstream"


class UpstreamUnavailable(EnoviaError):
    """5xx, 429, timeouts, network errors, an open circuit: worth trying again later.

    `retry_after` holds the upstream's Retry-After in seconds when it sent one.
    """

    outcome = "upstream_unavailable"

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        url: str | None = None,
        status: int | None = None,
        cause: str | None = None,
    ) -> None:
        super().__init__(message, url=url, status=status, cause=cause)
        self.retry_after = retry_after


class UpstreamAuthFailed(EnoviaError):
    """The upstream refuses the gateway's credentials, even fresh ones."""

    outcome = "upstream_auth_failed"


class UpstreamBadResponse(EnoviaError):
    """The upstream answered, but not with what its contract says (bad JSON, a wrong field)."""

    outcome = "upstream_bad_response"


class RateLimited(UpstreamUnavailable):
    """The upstream answered 429: it is up, and asks to be called less."""
