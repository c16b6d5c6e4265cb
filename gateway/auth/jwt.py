"""OIDC access tokens (JWTs) verified against the identity provider's JWKS with PyJWT."""

from __future__ import annotations

import time
from types import MappingProxyType

import jwt
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
from cryptography.hazmat.primitives.asymmetric.ed448 import Ed448PublicKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt.types import Options

from gateway.auth.config import AuthConfig
from gateway.auth.errors import AuthenticationFailed
from gateway.auth.identity import Identity
from gateway.auth.jwks import (
    Clock,
    HttpClientFactory,
    JwksKeySource,
    KeysUnavailable,
    UnknownKey,
    default_http_client,
)

__all__ = ["KEYS_UNAVAILABLE_MESSAGE", "JwtVerifier"]

KEYS_UNAVAILABLE_MESSAGE = (
    "could not verify the token: the identity provider's keys are unavailable"
)

# The key type each algorithm family verifies with: a token naming an algorithm its key cannot
# serve is refused up front (PyJWT would raise a TypeError deep inside otherwise).
_KEY_TYPES: dict[str, tuple[type, ...]] = {
    "RS": (RSAPublicKey,),
    "PS": (RSAPublicKey,),
    "ES": (EllipticCurvePublicKey,),
    "Ed": (Ed25519PublicKey, Ed448PublicKey),
}

# The messages a caller may see for each of PyJWT's refusals: fixed words, never the
# exception's text (which is PyJWT's to change) and never the token.
_REFUSALS: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.ExpiredSignatureError, "token expired"),
    (jwt.ImmatureSignatureError, "token not yet valid"),
    (jwt.InvalidAudienceError, "wrong audience"),
    (jwt.InvalidIssuerError, "wrong issuer"),
    (jwt.InvalidAlgorithmError, "token algorithm not accepted"),
    (jwt.InvalidSignatureError, "invalid token signature"),
    (jwt.InvalidKeyError, "token signed with an unusable key"),
    (jwt.DecodeError, "malformed token"),
)


class JwtVerifier:
    """Verifies bearer tokens; the identity is the token's `sub`.

    A token is accepted only when all of these hold:
    - its header names one of `config.algorithms` (all asymmetric: `none` and HS* never), and
      the key's own `alg`, when its JWK pins one;
    - its `kid` names a key of the JWKS at `config.jwks_url` (see `JwksKeySource` for the
      caching and the bounded refetch), and that key verifies the signature;
    - it has `exp` (not past, give or take `config.leeway`) and a string `sub`; `nbf` and
      `iat`, when present, are not in the future (same leeway);
    - `iss` equals `config.issuer` and `aud` contains `config.audience`, when these are set.

    `verify` raises `AuthenticationFailed` with a message for the caller; when the JWKS
    cannot be had, the message is `KEYS_UNAVAILABLE_MESSAGE`. Call `aclose()` once done.
    """

    def __init__(
        self,
        config: AuthConfig,
        *,
        http_client_factory: HttpClientFactory = default_http_client,
        clock: Clock = time.monotonic,
    ) -> None:
        if config.jwks_url is None:
            raise ValueError("JWT verification needs a JWKS URL")
        self._config = config
        self._algorithms = frozenset(config.algorithms)
        self._keys = JwksKeySource(
            config.jwks_url,
            algorithms=config.algorithms,
            cache_seconds=config.jwks_cache_seconds,
            min_refetch_interval=config.jwks_min_refetch_interval,
            http_client_factory=http_client_factory,
            clock=clock,
        )
        required = ["exp", "sub"]
        if config.issuer is not None:
            required.append("iss")
        if config.audience is not None:
            required.append("aud")
        self._options: Options = {
            "require": required,
            # Without a configured audience, a token's `aud` is not ours to judge (PyJWT
            # would otherwise refuse every token that has one).
            "verify_aud": config.audience is not None,
            "enforce_minimum_key_length": True,
        }

    def __repr__(self) -> str:
        return f"JwtVerifier({self._config.jwks_url!r})"

    async def verify(self, token: str) -> Identity:
        """The token's identity (`kind="jwt"`, `id` its `sub`, its claims), or
        `AuthenticationFailed` saying what is wrong."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise AuthenticationFailed("malformed token") from None
        algorithm = header.get("alg")
        # Checked before any key is looked up: a token that could never be accepted does
        # not get to make the gateway fetch keys.
        if not isinstance(algorithm, str) or algorithm not in self._algorithms:
            raise AuthenticationFailed("token algorithm not accepted")
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise AuthenticationFailed("malformed token")
        try:
            key = await self._keys.key_for(kid)
        except KeysUnavailable:
            raise AuthenticationFailed(KEYS_UNAVAILABLE_MESSAGE, invalid_token=False) from None
        except UnknownKey:
            raise AuthenticationFailed("token signed with an unknown key") from None
        if (key.algorithm is not None and key.algorithm != algorithm) or not _fits(
            key.key, algorithm
        ):
            raise AuthenticationFailed("token algorithm does not match its key")
        try:
            claims = jwt.decode(
                token,
                key=key.key,
                algorithms=[algorithm],
                options=self._options,
                issuer=self._config.issuer,
                audience=self._config.audience,
                leeway=self._config.leeway,
            )
        except jwt.MissingRequiredClaimError as error:
            raise AuthenticationFailed(f"token lacks the {error.claim!r} claim") from None
        except jwt.PyJWTError as error:
            raise AuthenticationFailed(_refusal(error)) from None
        subject = claims["sub"]
        # The issuer is checked again rather than left to PyJWT alone: it decides who may
        # call, and PyJWT's check once accepted a part of it (CVE-2024-53861, PyJWT 2.10.0).
        if self._config.issuer is not None and claims.get("iss") != self._config.issuer:
            raise AuthenticationFailed("wrong issuer")
        if not isinstance(subject, str) or not subject:
            raise AuthenticationFailed("token lacks the 'sub' claim")
        return Identity(kind="jwt", id=subject, claims=MappingProxyType(claims))

    async def aclose(self) -> None:
        """Close the JWKS client. Idempotent."""
        await self._keys.aclose()


def _fits(key: object, algorithm: str) -> bool:
    return isinstance(key, _KEY_TYPES.get(algorithm[:2], ()))


def _refusal(error: jwt.PyJWTError) -> str:
    for kind, message in _REFUSALS:
        if isinstance(error, kind):
            return message
    return "invalid token"
