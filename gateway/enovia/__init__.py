"""The ENOVIA REST client: OAuth2 client credentials, typed answers, retries, observability."""

from gateway.enovia._auth import ClientCredentialsAuth, TokenAuthMethod
from gateway.enovia._budget import RetryBudget
from gateway.enovia._circuit import CircuitBreaker, CircuitOpen, CircuitState
from gateway.enovia._client import DOCUMENT, HEALTH, LATEST, REVISION, CallObserver, EnoviaClient
from gateway.enovia._deadline import deadline_after, time_left
from gateway.enovia._errors import (
    EnoviaError,
    Forbidden,
    Gone,
    InvalidIdentifier,
    NotFound,
    RateLimited,
    UpstreamAuthFailed,
    UpstreamBadResponse,
    UpstreamUnavailable,
)
from gateway.enovia._factory import create_enovia_client
from gateway.enovia._identifiers import MAX_IDENTIFIER_LENGTH, path_segment, revision_segment
from gateway.enovia._models import Document, EnoviaHealth, Revision
from gateway.enovia._retry import RetryPolicy
from gateway.enovia._secret import ClientSecret

__all__ = [
    "DOCUMENT",
    "HEALTH",
    "LATEST",
    "MAX_IDENTIFIER_LENGTH",
    "REVISION",
    "CallObserver",
    "CircuitBreaker",
    "CircuitOpen",
    "CircuitState",
    "ClientCredentialsAuth",
    "ClientSecret",
    "Document",
    "EnoviaClient",
    "EnoviaError",
    "EnoviaHealth",
    "Forbidden",
    "Gone",
    "InvalidIdentifier",
    "NotFound",
    "RateLimited",
    "RetryBudget",
    "RetryPolicy",
    "Revision",
    "TokenAuthMethod",
    "UpstreamAuthFailed",
    "UpstreamBadResponse",
    "UpstreamUnavailable",
    "create_enovia_client",
    "deadline_after",
    "path_segment",
    "revision_segment",
    "time_left",
]
