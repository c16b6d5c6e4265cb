"""`AuthConfig`: how the gateway authenticates its clients and limits their rate.

A frozen value built by the app from the settings; nothing in `gateway.auth` reads the settings
itself. `__post_init__` refuses a configuration that could not work or would be unsafe, with a
message that names the field and never holds a key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from typing import Literal

from gateway.auth.roles import AdminClaims

__all__ = ["ASYMMETRIC_ALGORITHMS", "AuthConfig", "AuthMode"]

AuthMode = Literal["none", "api-key", "jwt"]

#: The only JWS algorithms a token may be signed with. Symmetric ones (HS*) are never accepted:
#: with a JWKS the verifier holds public keys only, and an HMAC "signed" with a public key is
#: the classic algorithm-confusion forgery. `none` is never accepted either.
ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)


@dataclass(frozen=True)
class AuthConfig:
    """Client authentication and per-client rate limiting.

    - `mode`: `none` (everything open), `api-key` (static keys in `api_keys`), `jwt` (OIDC
      access tokens verified against the JWKS at `jwks_url`).
    - `issuer` / `audience`: checked when set (`iss` equal, `aud` containing it).
    - `algorithms`: accepted JWS algorithms, a subset of `ASYMMETRIC_ALGORITHMS`.
    - `leeway`: seconds of clock skew tolerated for `exp`, `nbf` and `iat`.
    - `jwks_cache_seconds`: how long a fetched JWKS is used before it is fetched again.
    - `jwks_min_refetch_interval`: the identity provider is asked at most this often (seconds),
      whatever the tokens presented (unknown key ids, failures).
    - `protect_operations`: `/metrics` and `/api/v1/health/detailed` need credentials too.
    - `rate_limit_per_second` (0: off) / `rate_limit_burst`: a token bucket per client.
    - `admin_api_keys`: keys that may call the administration paths, in every mode (also
      `none`). They are no client's keys: they do not query.
    - `jwt_admin_scope` / `jwt_admin_role` (`jwt` mode only): a token carrying this scope or
      role may call the administration paths too (`gateway.auth.roles.AdminClaims`).
    - `admin_hint`: how to configure an admin credential, told to callers of an
      administration path while there is none (the app names its settings here).
    - `metrics_api_keys`: keys that may read the operations paths (a scraper's), in every
      mode, besides the clients' credentials. They do not query either.

    A key may be in one of `api_keys`, `admin_api_keys` and `metrics_api_keys` only. No key
    list ever appears in `repr`.
    """

    mode: AuthMode = "none"
    api_keys: frozenset[str] = field(default=frozenset(), repr=False)
    jwks_url: str | None = None
    issuer: str | None = None
    audience: str | None = None
    algorithms: tuple[str, ...] = ("RS256", "ES256")
    leeway: float = 30.0
    jwks_cache_seconds: float = 3600.0
    jwks_min_refetch_interval: float = 30.0
    protect_operations: bool = True
    rate_limit_per_second: float = 0.0
    rate_limit_burst: int = 20
    admin_api_keys: frozenset[str] = field(default=frozenset(), repr=False)
    jwt_admin_scope: str | None = None
    jwt_admin_role: str | None = None
    admin_hint: str = "configure admin API keys, or in jwt mode an admin scope or role"
    metrics_api_keys: frozenset[str] = field(default=frozenset(), repr=False)

    def __post_init__(self) -> None:
        if self.mode not in ("none", "api-key", "jwt"):
            raise ValueError(f"auth mode must be none, api-key or jwt, not {self.mode!r}")
        if self.mode == "api-key" and not self.api_keys:
            raise ValueError("auth mode api-key needs at least one API key")
        self._check_keys()
        if self.mode != "jwt" and (self.jwt_admin_scope or self.jwt_admin_role):
            raise ValueError("a JWT admin scope or role needs auth mode jwt")
        scope = self.jwt_admin_scope
        if scope is not None and (not scope or not scope.isprintable() or len(scope.split()) != 1):
            raise ValueError("the JWT admin scope must be one scope: no spaces, not empty")
        role = self.jwt_admin_role
        if role is not None and (not role or role != role.strip() or not role.isprintable()):
            raise ValueError(
                "the JWT admin role is empty or holds whitespace at its ends or control characters"
            )
        if self.mode == "jwt" and not self.jwks_url:
            raise ValueError("auth mode jwt needs a JWKS URL")
        if self.jwks_url is not None and not self.jwks_url.startswith(("https://", "http://")):
            raise ValueError("the JWKS URL must be an http:// or https:// URL")
        if not self.algorithms:
            raise ValueError("at least one JWT algorithm must be accepted")
        refused = sorted(set(self.algorithms) - ASYMMETRIC_ALGORITHMS)
        if refused:
            raise ValueError(
                f"JWT algorithms {', '.join(refused)} are not accepted: only asymmetric ones "
                f"({', '.join(sorted(ASYMMETRIC_ALGORITHMS))})"
            )
        if self.leeway < 0:
            raise ValueError("the JWT leeway must not be negative")
        if self.jwks_cache_seconds <= 0:
            raise ValueError("the JWKS cache time must be positive")
        if self.jwks_min_refetch_interval < 0:
            raise ValueError("the JWKS minimum refetch interval must not be negative")
        if self.rate_limit_per_second < 0:
            raise ValueError("the rate limit must not be negative")
        if self.rate_limit_burst < 1:
            raise ValueError("the rate limit burst must be at least 1")

    def _check_keys(self) -> None:
        # A key is never echoed, not even in these messages: it may be a real one.
        lists = {
            "api_keys": self.api_keys,
            "admin_api_keys": self.admin_api_keys,
            "metrics_api_keys": self.metrics_api_keys,
        }
        for key in self.api_keys | self.admin_api_keys | self.metrics_api_keys:
            if not key or key != key.strip() or not key.isprintable():
                raise ValueError(
                    "an API key is empty or holds whitespace at its ends or control characters"
                )
        for (first, first_keys), (second, second_keys) in combinations(lists.items(), 2):
            if first_keys & second_keys:
                raise ValueError(f"a key is in both {first} and {second}: give each key one role")

    @property
    def rate_limited(self) -> bool:
        return self.rate_limit_per_second > 0

    @property
    def admin_claims(self) -> AdminClaims:
        """The claims that make a token an admin's (none outside `jwt` mode)."""
        return AdminClaims(scope=self.jwt_admin_scope, role=self.jwt_admin_role)

    @property
    def admin_enabled(self) -> bool:
        """Whether any credential at all may call the administration paths."""
        return bool(self.admin_api_keys) or self.admin_claims.configured
