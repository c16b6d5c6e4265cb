"""The upstreams: what the gateway reads documents and revisions from.

`Upstream` is the one interface the rest of the gateway depends on; `enovia.facade` speaks
the seed's REST API, `enovia.simulators` simulate the upstreams for demos, tests and
benchmarks. Here too: the typed models, the errors (which know nothing of GraphQL), and the
retry policy, retry budget, circuit breaker and deadline every client shares. This package
imports nothing of the gateway's.
"""

from enovia._budget import RetryBudget
from enovia._calls import CallObserver
from enovia._circuit import CircuitBreaker, CircuitObserver, CircuitOpen, CircuitState
from enovia._deadline import deadline_after, time_left
from enovia._errors import (
    EnoviaError,
    Forbidden,
    Gone,
    InvalidIdentifier,
    NotFound,
    RateLimited,
    UnsupportedByUpstream,
    UpstreamAuthFailed,
    UpstreamBadResponse,
    UpstreamUnavailable,
)
from enovia._identifiers import (
    MAX_IDENTIFIER_LENGTH,
    checked_revision,
    checked_uid,
    path_segment,
    revision_segment,
)
from enovia._models import STATUS_CODES, Document, EnoviaHealth, Revision, RevisionList, StatusCode
from enovia._retry import RetryPolicy, Sleep
from enovia._secret import Secret
from enovia._transport import EnoviaTransport, shown_url
from enovia.upstream import Upstream

__all__ = [
    "MAX_IDENTIFIER_LENGTH",
    "STATUS_CODES",
    "CallObserver",
    "CircuitBreaker",
    "CircuitObserver",
    "CircuitOpen",
    "CircuitState",
    "Document",
    "EnoviaError",
    "EnoviaHealth",
    "EnoviaTransport",
    "Forbidden",
    "Gone",
    "InvalidIdentifier",
    "NotFound",
    "RateLimited",
    "RetryBudget",
    "RetryPolicy",
    "Revision",
    "RevisionList",
    "Secret",
    "Sleep",
    "StatusCode",
    "UnsupportedByUpstream",
    "Upstream",
    "UpstreamAuthFailed",
    "UpstreamBadResponse",
    "UpstreamUnavailable",
    "checked_revision",
    "checked_uid",
    "deadline_after",
    "path_segment",
    "revision_segment",
    "shown_url",
    "time_left",
]
