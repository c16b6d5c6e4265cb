"""`Identity`: who is calling, as the middleware established it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from gateway.auth.roles import CLIENT, Role

__all__ = ["Identity", "IdentityKind"]

IdentityKind = Literal["anonymous", "api-key", "jwt"]

_NO_CLAIMS: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class Identity:
    """The caller of one request, in `scope["state"]["identity"]` (`request.state.identity`).

    - `anonymous`: authentication is off; `id` is the client's address.
    - `api-key`: `id` is a stable, non-reversible id of the key (never the key).
    - `jwt`: `id` is the token's `sub`; `claims` are its verified claims (read-only).

    `roles` are what the credential may do (`gateway.auth.roles`): `client` alone unless
    it is an admin's or a metrics scraper's key, or a token with the admin scope or role.

    `id` is what rate limiting counts and what the logs carry as `client_id`. The claims are
    left out of `repr` (they may hold personal data) and out of equality.
    """

    kind: IdentityKind
    id: str
    claims: Mapping[str, Any] = field(default_factory=lambda: _NO_CLAIMS, repr=False, compare=False)
    roles: frozenset[Role] = CLIENT
