"""Client authentication, roles and per-client rate limiting for the gateway's HTTP surface.

`AuthMiddleware(app, config)` is the whole of it for an app; `AuthConfig` says what it does.
The parts (API keys, JWT verification against a JWKS, the roles and the claims that grant the
admin one, token buckets, the path rules) are importable on their own.
"""

from gateway.auth.api_keys import ApiKeyVerifier, key_id
from gateway.auth.config import ASYMMETRIC_ALGORITHMS, AuthConfig, AuthMode
from gateway.auth.errors import AuthenticationFailed, Forbidden
from gateway.auth.identity import Identity, IdentityKind
from gateway.auth.jwks import JwksKeySource, KeysUnavailable, UnknownKey, default_http_client
from gateway.auth.jwt import KEYS_UNAVAILABLE_MESSAGE, JwtVerifier
from gateway.auth.middleware import AuthMiddleware, LaterAuthentication
from gateway.auth.paths import Access, classify
from gateway.auth.rate_limit import MAX_CLIENTS, RateLimiter
from gateway.auth.roles import AdminClaims, Role

__all__ = [
    "ASYMMETRIC_ALGORITHMS",
    "KEYS_UNAVAILABLE_MESSAGE",
    "MAX_CLIENTS",
    "Access",
    "AdminClaims",
    "ApiKeyVerifier",
    "AuthConfig",
    "AuthMiddleware",
    "AuthMode",
    "AuthenticationFailed",
    "Forbidden",
    "Identity",
    "IdentityKind",
    "JwksKeySource",
    "JwtVerifier",
    "KeysUnavailable",
    "LaterAuthentication",
    "RateLimiter",
    "Role",
    "UnknownKey",
    "classify",
    "default_http_client",
    "key_id",
]
