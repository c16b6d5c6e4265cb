"""`AuthConfig`: how the gateway authenticates its clients and limits their rate.

A frozen value built by the app from the settings; nothing in `gateway.auth` reads the settings
itself. `__post_init__` refuses a configuration that could not work or would be unsafe, with a
message that names the field and never holds a key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

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

    `api_keys` never appears in `repr`.
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

    def __post_init__(self) -> None:
        if self.mode not in ("none", "api-key", "jwt"):
            raise ValueError(f"auth mode must be none, api-key or jwt, not {self.mode!r}")
        if self.mode == "api-key" and not self.api_keys:
            raise ValueError("auth mode api-key needs at least one API key")
        for key in self.api_keys:
            # A key is never echoed, not even in this message: it may be a real one.
            if not key or key != key.strip() or not key.isprintable():
                raise ValueError(
                    "an API key is empty or holds whitespace at its ends or control characters"
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

    @property
    def rate_limited(self) -> bool:
        return self.rate_limit_per_second > 0
