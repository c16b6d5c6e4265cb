"""Roles: what an authenticated caller may do, and how a JWT's claims grant the admin role.

- `client`: query (`/graphql`) and, unless operations are left open, read `/metrics` and
  `/api/v1/health/detailed`. A client API key (`api-key` mode), a valid token (`jwt` mode),
  anyone (mode `none`).
- `admin`: call the administration paths (`/api/v1/admin/...`). An admin API key (any
  mode), or in `jwt` mode a token that carries the configured admin scope or role
  (`AdminClaims`): such a token is a client's too.
- `metrics`: read the operations paths. A metrics API key (what a scraper holds).

An API key has exactly one role, that of the list it is in: an admin or metrics key is never
a client's, a client's key never an admin's (`AuthConfig` refuses a key in two lists).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["CLIENT", "AdminClaims", "Role"]

Role = Literal["client", "admin", "metrics"]
#: The roles of a client's credential.
CLIENT: frozenset[Role] = frozenset({"client"})


@dataclass(frozen=True)
class AdminClaims:
    """Which verified JWT claims make a token an admin's (`jwt` mode only).

    - `scope`: one OAuth2 scope token; granted when it is one of the space-separated words of
      the `scope` claim (RFC 8693 / RFC 9068: a string), or of the `scp` claim (a string, as
      Microsoft Entra ID sends it, or a list of strings, as Okta does).
    - `role`: granted when it is one of the `roles` claim (a list of strings, RFC 9068 and
      Entra ID's app roles; a single string counts as a list of one) or of Keycloak's
      `realm_access.roles` list.

    Either is enough; with neither set no token is an admin's. Matching is exact
    (case-sensitive); a claim of an unexpected type grants nothing.
    """

    scope: str | None = None
    role: str | None = None

    @property
    def configured(self) -> bool:
        return self.scope is not None or self.role is not None

    def grants(self, claims: Mapping[str, Any]) -> bool:
        """Whether the (already verified) claims carry the admin scope or role."""
        if self.scope is not None and self.scope in _scopes(claims):
            return True
        return self.role is not None and self.role in _roles(claims)


def _words(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield from value.split()
    elif isinstance(value, list):
        yield from (item for item in value if isinstance(item, str))


def _scopes(claims: Mapping[str, Any]) -> set[str]:
    scope = claims.get("scope")
    scopes = set(scope.split()) if isinstance(scope, str) else set()
    scopes.update(_words(claims.get("scp")))
    return scopes


def _roles(claims: Mapping[str, Any]) -> set[str]:
    roles = claims.get("roles")
    found = {roles} if isinstance(roles, str) else set(_words(roles))
    realm = claims.get("realm_access")
    if isinstance(realm, Mapping) and isinstance(realm.get("roles"), list):
        found.update(_words(realm["roles"]))
    return found
