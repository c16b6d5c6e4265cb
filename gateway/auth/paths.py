"""Which requests authentication applies to, by path and method."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from types import MappingProxyType
from urllib.parse import parse_qsl

from starlette.types import Scope

from gateway.auth.roles import Role

__all__ = [
    "ADMIN_PATHS",
    "GRAPHQL_PATH",
    "LIVENESS_PATH",
    "OPERATIONS_PATHS",
    "READINESS_PATH",
    "ROLES_ALLOWED",
    "Access",
    "classify",
]

GRAPHQL_PATH = "/graphql"
GRAPHIQL_ASSETS = "/graphql/assets"
LIVENESS_PATH = "/api/v1/health"
#: Readiness: holds no data, open like liveness (probes carry no credentials).
READINESS_PATH = "/api/v1/ready"
OPERATIONS_PATHS = frozenset({"/metrics", "/api/v1/health/detailed"})
#: Changes the gateway's state: an admin's credential only, in every mode (`none` included).
ADMIN_PATHS = frozenset({"/api/v1/admin/invalidate"})


class Access(Enum):
    #: Holds no data: served to anyone, never rate limited.
    OPEN = "open"
    #: A client's credentials (anyone in mode `none`), then rate limited.
    GUARDED = "guarded"
    #: Like GUARDED, and a metrics key is accepted too.
    OPERATIONS = "operations"
    #: An admin's credential only (refused while none is configured), then rate limited.
    ADMIN = "admin"
    #: Not one of the gateway's paths: left to the app (which answers 404 or a redirect).
    PASS = "pass"


#: Who may make a request of each authenticated kind: a credential with one of these roles.
ROLES_ALLOWED: Mapping[Access, frozenset[Role]] = MappingProxyType(
    {
        Access.GUARDED: frozenset({"client"}),
        Access.OPERATIONS: frozenset({"client", "metrics"}),
        Access.ADMIN: frozenset({"admin"}),
    }
)


def classify(scope: Scope, *, protect_operations: bool) -> Access:
    """How a request is treated:

    - `/api/v1/health` (liveness), `/api/v1/ready` (readiness): open.
    - `/graphql`: guarded, except a GET/HEAD without a `query` parameter (the GraphiQL page,
      or Strawberry's "no query" answer: no data either way) and an OPTIONS (a CORS preflight
      carries no credentials); `/graphql/assets/...`: open.
    - `/metrics`, `/api/v1/health/detailed`: operations when `protect_operations`, else open.
    - `/api/v1/admin/invalidate`: admin.
    - anything else: pass.

    The path is matched the way Starlette's router matches it (decoded, without the
    `root_path`), so that what is guarded here is exactly what the routes serve.
    """
    path = _route_path(scope)
    if path == GRAPHQL_PATH:
        method = scope.get("method", "GET")
        if scope["type"] == "http" and method == "OPTIONS":
            return Access.OPEN
        if scope["type"] == "http" and method in ("GET", "HEAD") and not _has_query(scope):
            return Access.OPEN
        return Access.GUARDED
    if path == GRAPHIQL_ASSETS or path.startswith(GRAPHIQL_ASSETS + "/"):
        return Access.OPEN
    if path in (LIVENESS_PATH, READINESS_PATH):
        return Access.OPEN
    if path in ADMIN_PATHS:
        return Access.ADMIN
    if path in OPERATIONS_PATHS:
        return Access.OPERATIONS if protect_operations else Access.OPEN
    return Access.PASS


def _has_query(scope: Scope) -> bool:
    # Parsed as Starlette parses it for Strawberry (blank values kept, percent-decoded), so
    # that `?query`, `?query=` and `?q%75ery=...` count: Strawberry executes all of them.
    raw: bytes = scope.get("query_string", b"")
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
    # `extensions` alone runs an operation too: a persisted query asked by its hash.
    return any(name in ("query", "extensions") for name, _ in pairs)


def _route_path(scope: Scope) -> str:
    # Starlette's `get_route_path` (private there): the path without the app's mount point.
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if not root_path or not path.startswith(root_path):
        return path
    if path == root_path:
        return ""
    return path[len(root_path) :] if path[len(root_path)] == "/" else path
